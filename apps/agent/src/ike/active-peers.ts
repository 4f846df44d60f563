// Active Peers: the one owner of its rows. The IKE service reports IKE SA states, CHILD_SAs and datagrams; this
// keeps the per-IKE-SA bookkeeping (by id, and by initiator SPI so a datagram finds its row without a scan).
import type { IkeSaRekeyedAction, IkeStateAction } from '@ipsec/ike';
import type { LiveState } from '../live/live-state.ts';
import { activePeerRow, type PeerRecord } from '../live/rows.ts';

interface Peer extends PeerRecord {
  /** Initiator SPI (hex). */
  spiI: string;
}

export class ActivePeers {
  private readonly byId = new Map<number, Peer>();
  private readonly bySpi = new Map<string, Peer>();

  constructor(
    private readonly live: LiveState,
    /** Our IKE and NAT-T ports. */
    private readonly ports: readonly [number, number],
  ) {}

  state(a: IkeStateAction): void {
    let row = this.byId.get(a.ikeSa);
    if (a.state === 'dead') {
      if (row) this.bySpi.delete(row.spiI);
      this.byId.delete(a.ikeSa);
      this.live.peers.delete(a.ikeSa);
      return;
    }
    if (!row) {
      row = {
        id: a.ikeSa,
        peer: a.peer,
        spiI: a.spiI,
        side: a.initiator ? 'initiator' : 'responder',
        state: a.state,
        local: a.local,
        remote: a.remote,
        lastSeen: Date.now(),
        rx: { bytes: 0, packets: 0 },
        tx: { bytes: 0, packets: 0 },
        children: new Set(),
      };
      this.byId.set(a.ikeSa, row);
      this.bySpi.set(a.spiI, row);
      this.live.peers.set(a.ikeSa, activePeerRow(row, this.ports));
    }
    row.state = a.state;
    row.peer = a.peer; // IKE_AUTH may pick another peer on the same address by the initiator's identity
    // replaced by its rekeyed successor, only waiting for the Delete
    if (a.state === 'rekeyed') this.live.peers.delete(a.ikeSa);
    row.local = a.local;
    row.remote = a.remote;
    if (a.virtualIp) row.virtualIp = a.virtualIp;
    if (a.remoteId) row.remoteId = a.remoteId;
    if (a.eapUser) row.eapUser = a.eapUser;
    if (a.version) row.version = a.version;
    if (a.state === 'established' && !row.establishedAt) row.establishedAt = Date.now();
  }

  /** The IKE SA was rekeyed: the same peer, counters and CHILD_SAs now live under the new IKE SA id. */
  rekeyed(a: IkeSaRekeyedAction): void {
    const from = this.byId.get(a.replaces);
    const to = this.byId.get(a.ikeSa);
    if (from && to) {
      to.side = from.side;
      if (from.establishedAt) to.establishedAt = from.establishedAt;
      to.rx = from.rx;
      to.tx = from.tx;
      to.virtualIp ??= from.virtualIp;
      to.remoteId ??= from.remoteId;
      to.eapUser ??= from.eapUser;
      from.children.clear();
      from.rx = { bytes: 0, packets: 0 };
      from.tx = { bytes: 0, packets: 0 };
    }
    if (to) for (const c of a.children) to.children.add(c);
  }

  childAdded(ikeSa: number, child: number): void {
    this.byId.get(ikeSa)?.children.add(child);
  }

  childRemoved(ikeSa: number, child: number): void {
    this.byId.get(ikeSa)?.children.delete(child);
  }

  /** The IKE SA a CHILD_SA belongs to. */
  ikeSaOf(child: number): number | undefined {
    for (const p of this.byId.values()) if (p.children.has(child)) return p.id;
    return undefined;
  }

  /** Every CHILD_SA of every IKE SA. */
  children(): { ikeSa: number; child: number }[] {
    return [...this.byId.values()].flatMap((p) => [...p.children].map((child) => ({ ikeSa: p.id, child })));
  }

  /** An IKE datagram arrived (natt: on the NAT-T port, after its non-ESP marker). */
  received(data: Uint8Array, natt: boolean): void {
    const row = this.bySpi.get(ikeSpiOf(data, natt));
    if (!row) return;
    row.lastSeen = Date.now();
    row.rx.bytes += data.length;
    row.rx.packets += 1;
  }

  sent(data: Uint8Array, natt: boolean): void {
    const row = this.bySpi.get(ikeSpiOf(data, natt));
    if (!row) return;
    row.tx.bytes += data.length;
    row.tx.packets += 1;
  }
}

/** The initiator SPI of an IKE datagram (after the 4-byte non-ESP marker on the NAT-T port). */
function ikeSpiOf(data: Uint8Array, natt: boolean): string {
  const off = natt ? 4 : 0;
  return data.length >= off + 8 ? Buffer.from(data.buffer, data.byteOffset + off, 8).toString('hex') : '';
}
