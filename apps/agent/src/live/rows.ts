// The live rows as RouterOS shows them: Active Peers, Installed SAs and generated policies. Presentation only: the
// modules that own each kind of row (ike/active-peers.ts, dataplane/dataplane-service.ts, ike/policy-status.ts)
// keep their bookkeeping and call these to turn it into rows.
import { kernelCipher, type SaSpec } from '@ipsec/dataplane';
import type { PolicyAddedAction } from '@ipsec/ike';
import type { DynamicEntry } from './dynamic-entries.ts';
import type { LiveRow } from './watch.ts';

/** An IKE SA's bookkeeping, as the Active Peers row reads it. */
export interface PeerRecord {
  id: number;
  peer: string;
  side: 'initiator' | 'responder';
  state: string;
  local: { address: string; port: number };
  remote: { address: string; port: number };
  establishedAt?: number;
  lastSeen: number;
  rx: { bytes: number; packets: number };
  tx: { bytes: number; packets: number };
  children: Set<number>;
  /** Mode config address (assigned to the peer, or to us). */
  virtualIp?: string;
  /** Who the peer authenticated as: its IKE ID, or the EAP user. */
  remoteId?: string;
  eapUser?: string;
  /** 1 for an IKEv1 (ISAKMP) SA. */
  version?: 1;
}

/**
 * The Active Peers row of an IKE SA, as the manual lists it: a view whose getters read the live bookkeeping, so
 * counters, uptime and last-seen are current whenever anyone reads them (REST, the watch stream) and nothing is
 * rebuilt per datagram. `ports`: our IKE and NAT-T ports.
 */
export function activePeerRow(p: PeerRecord, ports: readonly [number, number]): LiveRow {
  const natt = () => p.remote.port !== ports[0] || p.local.port === ports[1];
  const view = { id: p.id };
  const props: Record<string, () => unknown> = {
    'remote-id': () => (p.side === 'responder' && p.eapUser) || p.remoteId || '',
    peer: () => p.peer,
    state: () => p.state,
    side: () => p.side,
    responder: () => p.side === 'responder',
    'local-address': () => p.local.address,
    'remote-address': () => p.remote.address,
    port: () => p.remote.port,
    'natt-peer': natt,
    uptime: () => (p.establishedAt ? Math.floor((Date.now() - p.establishedAt) / 1000) : 0),
    'last-seen': () => Math.floor((Date.now() - p.lastSeen) / 1000),
    'rx-bytes': () => p.rx.bytes,
    'tx-bytes': () => p.tx.bytes,
    'rx-packets': () => p.rx.packets,
    'tx-packets': () => p.tx.packets,
    'ph2-total': () => p.children.size,
    'dynamic-address': () => p.virtualIp ?? '',
    'exchange-mode': () => (p.version === 1 ? 'ike1' : 'ike2'),
  };
  for (const [k, get] of Object.entries(props)) Object.defineProperty(view, k, { get, enumerable: true });
  return view;
}

/** What the Installed SAs row says about who negotiated the SA and for how long. */
export interface SaOrigin {
  ikeSa: number;
  child: number;
  /** Seconds until IKE replaces the SA. */
  lifetime: number;
}

/** The Installed SAs row of one SA, from what the data plane installed (`sa`) and whether it offloads AEAD. */
export function installedSaRow(sa: SaSpec, origin: SaOrigin, hwAead: boolean, now = Date.now()): LiveRow {
  return {
    id: sa.spi,
    spi: `0x${sa.spi.toString(16).padStart(8, '0')}`,
    direction: sa.direction,
    'src-address': sa.src,
    'dst-address': sa.dst,
    AH: false,
    ESP: true,
    'enc-algorithm': sa.encAlgorithm,
    'enc-key-size': kernelCipher(sa.encAlgorithm).keyBytes * 8, // the key without its salt
    'auth-algorithm': sa.integAlgorithm ?? '',
    'enc-key': Buffer.from(sa.encKey).toString('hex'),
    'auth-key': sa.integKey ? Buffer.from(sa.integKey).toString('hex') : '',
    'current-bytes': 0,
    'current-packets': 0,
    'add-lifetime': `${Math.floor(origin.lifetime * 0.9)}s/${origin.lifetime}s`,
    addtime: new Date(now).toISOString(),
    'expires-at': now + origin.lifetime * 900, // soft lifetime: when the rekey starts
    replay: sa.replayWindow,
    state: 'mature',
    'hw-aead': hwAead,
    ikeSa: origin.ikeSa,
    child: origin.child,
  };
}

/** A generated policy as a dynamic entry of the Policies menu (its id is the engine's plus `idBase`). */
export function generatedPolicyEntry(a: PolicyAddedAction, idBase: number): DynamicEntry {
  return {
    id: idBase + a.policy,
    menu: 'policy',
    values: {
      peer: a.peer,
      tunnel: a.tunnel,
      'src-address': a.srcAddress,
      'src-port': a.srcPort,
      'dst-address': a.dstAddress,
      'dst-port': a.dstPort,
      protocol: a.protocol,
      template: false,
      group: a.group,
      action: 'encrypt',
      level: a.level,
      'ipsec-protocols': 'esp',
      proposal: a.proposal,
      disabled: false,
      comment: '',
    },
    status: {
      active: true,
      'ph2-state': 'established',
      'ph2-count': 0,
      'sa-src-address': a.saSrc,
      'sa-dst-address': a.saDst,
    },
  };
}
