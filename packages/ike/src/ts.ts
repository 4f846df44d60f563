// Traffic selectors from policies, narrowing (RFC 7296 2.9) and subset checks.
import { IP_PROTOCOLS } from '@ipsec/schema';
import type { TsRange } from './actions.ts';
import type { TrafficSelector } from './codec/payloads/ts.ts';
import { TsType } from './codec/constants.ts';
import { compareBytes, formatIp, prefixRange } from './util/ip.ts';

export function selectorFor(
  prefix: string,
  port: number | 'any' | undefined,
  protocol: string | undefined,
): TrafficSelector | undefined {
  const r = prefixRange(prefix);
  if (!r) return undefined;
  const proto = protocol === undefined || protocol === 'all' ? 0 : (IP_PROTOCOLS[protocol] ?? Number(protocol));
  const p = port === undefined || port === 'any' ? undefined : port;
  return {
    tsType: r.start.length === 4 ? TsType.IPV4_ADDR_RANGE : TsType.IPV6_ADDR_RANGE,
    protocol: Number.isInteger(proto) && proto >= 0 && proto <= 255 ? proto : 0,
    startPort: p ?? 0,
    endPort: p ?? 65535,
    startAddr: r.start,
    endAddr: r.end,
  };
}

const maxB = (a: Uint8Array, b: Uint8Array) => (compareBytes(a, b) >= 0 ? a : b);
const minB = (a: Uint8Array, b: Uint8Array) => (compareBytes(a, b) <= 0 ? a : b);

export function intersect(a: TrafficSelector, b: TrafficSelector): TrafficSelector | undefined {
  if (a.tsType !== b.tsType || a.startAddr.length !== b.startAddr.length) return undefined;
  if (a.protocol !== 0 && b.protocol !== 0 && a.protocol !== b.protocol) return undefined;
  const startPort = Math.max(a.startPort, b.startPort);
  const endPort = Math.min(a.endPort, b.endPort);
  if (startPort > endPort) return undefined;
  const startAddr = maxB(a.startAddr, b.startAddr);
  const endAddr = minB(a.endAddr, b.endAddr);
  if (compareBytes(startAddr, endAddr) > 0) return undefined;
  return {
    tsType: a.tsType,
    protocol: a.protocol || b.protocol,
    startPort,
    endPort,
    startAddr: startAddr.slice(),
    endAddr: endAddr.slice(),
  };
}

/** Narrow `offered` to what `allowed` permits: every non-empty pairwise intersection, deduplicated. */
export function narrow(offered: readonly TrafficSelector[], allowed: readonly TrafficSelector[]): TrafficSelector[] {
  const out: TrafficSelector[] = [];
  for (const o of offered)
    for (const a of allowed) {
      const x = intersect(o, a);
      if (x && !out.some((y) => equalTs(x, y))) out.push(x);
    }
  return out;
}

export function equalTs(a: TrafficSelector, b: TrafficSelector): boolean {
  return (
    a.tsType === b.tsType &&
    a.protocol === b.protocol &&
    a.startPort === b.startPort &&
    a.endPort === b.endPort &&
    compareBytes(a.startAddr, b.startAddr) === 0 &&
    compareBytes(a.endAddr, b.endAddr) === 0
  );
}

export function isSubset(inner: TrafficSelector, outer: TrafficSelector): boolean {
  const x = intersect(inner, outer);
  return x !== undefined && equalTs(x, inner);
}

/** The selector as the engine's actions carry it (addresses as text, no wire encoding). */
export function tsRange(t: TrafficSelector): TsRange {
  return {
    start: formatIp(t.startAddr),
    end: formatIp(t.endAddr),
    protocol: t.protocol,
    startPort: t.startPort,
    endPort: t.endPort,
  };
}

/** The selector as people read it: "10.0.0.0-10.0.0.255/6[80]" (protocol and ports only when not any). */
export function formatTsRange(t: TsRange): string {
  const proto = t.protocol === 0 ? '' : `/${t.protocol}`;
  const ports =
    t.startPort === 0 && t.endPort === 65535
      ? ''
      : t.startPort === t.endPort
        ? `[${t.startPort}]`
        : `[${t.startPort}-${t.endPort}]`;
  return `${t.start}-${t.end}${proto}${ports}`;
}

export const formatTs = (t: TrafficSelector): string => formatTsRange(tsRange(t));
