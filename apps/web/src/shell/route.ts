// Hash routes: every window, tab and dialog has a URL (#/ip/ipsec/peers, #/ip/ipsec/peers/3, #/log).
import { useSyncExternalStore } from 'react';

function current(): string {
  const h = location.hash.replace(/^#/, '');
  return h.startsWith('/') ? h : '/' + h;
}

function subscribe(l: () => void) {
  window.addEventListener('hashchange', l);
  return () => window.removeEventListener('hashchange', l);
}

/** Path segments of the current hash route, e.g. ['ip', 'ipsec', 'peers']. */
export function useRoute(): string[] {
  const path = useSyncExternalStore(subscribe, current);
  return path.split('/').filter(Boolean).map(decodeURIComponent);
}

export function navigate(path: string, replace = false) {
  const url = '#' + (path.startsWith('/') ? path : '/' + path);
  if (replace) history.replaceState(null, '', url);
  else location.hash = url;
  if (replace) window.dispatchEvent(new HashChangeEvent('hashchange'));
}
