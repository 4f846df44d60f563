// Hash routes: every window, tab and dialog has a URL (#/ip/ipsec/peers, #/ip/ipsec/peers/3, #/log).
import { useSyncExternalStore } from 'react';

/** Path segments of a location hash: '#/ip/ipsec/peers' -> ['ip', 'ipsec', 'peers'], decoded. */
export function routeOf(hash: string): string[] {
  return hash.replace(/^#/, '').split('/').filter(Boolean).map(decodeURIComponent);
}

/** The location hash of a route path, with or without its leading slash. */
export const hashOf = (path: string) => '#' + (path.startsWith('/') ? path : '/' + path);

function subscribe(l: () => void) {
  window.addEventListener('hashchange', l);
  return () => window.removeEventListener('hashchange', l);
}

/** Path segments of the current hash route, e.g. ['ip', 'ipsec', 'peers']. */
export function useRoute(): string[] {
  return routeOf(useSyncExternalStore(subscribe, () => location.hash));
}

export function navigate(path: string, replace = false) {
  const url = hashOf(path);
  if (replace) history.replaceState(null, '', url);
  else location.hash = url;
  if (replace) window.dispatchEvent(new HashChangeEvent('hashchange'));
}
