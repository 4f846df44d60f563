// The UDP sockets of IKE and NAT-T (RouterOS: 500 and 4500) on every local address. IKE and ESP-in-UDP share the
// NAT-T port (RFC 3948): what arrives there is told apart here and announced as an 'ike' datagram or an 'esp'
// payload; the composition root (server.ts) wires those to the IKE service and the data plane.
import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { networkInterfaces } from 'node:os';
import { esp } from '@ipsec/dataplane';
import type { Datagram, Endpoint } from '@ipsec/ike';
import type { LiveState } from '../live/live-state.ts';
import { logger } from '../log.ts';

export interface UdpSocketsEvents {
  /** A socket is bound (natt: the NAT-T port); sent before any datagram arrives on it. */
  bound: [address: string, port: number, natt: boolean];
  /** An IKE datagram (on the NAT-T port still carrying its non-ESP marker, as the engine expects). */
  ike: [Datagram];
  /** An ESP payload (SPI..ICV) that arrived in UDP on the NAT-T port. */
  esp: [Uint8Array];
}

export class UdpSockets extends EventEmitter<UdpSocketsEvents> {
  private readonly sockets = new Map<string, Socket>(); // "address|port"
  private closed = false;

  constructor(
    private readonly live: LiveState,
    /** IKE and NAT-T ports. */
    readonly ports: readonly [number, number],
  ) {
    super();
  }

  isNatt(port: number): boolean {
    return port === this.ports[1];
  }

  /** Bind both ports on every local address. Failures (e.g. port 500 without root) are logged, not fatal. */
  async bindAll(): Promise<void> {
    for (const address of localAddresses()) for (const port of this.ports) await this.bind(address, port);
    const bound = [...this.sockets.keys()].map((k) => k.replace('|', ':'));
    this.live.log(
      ['ipsec', 'info'],
      bound.length ? `IKE listening on ${bound.join(', ')}` : 'IKE could not bind any UDP socket',
    );
  }

  /** Send from one of our sockets; false when none is bound there (or we are closed). */
  send(from: Endpoint, to: Endpoint, data: Uint8Array): boolean {
    const socket = this.closed ? undefined : this.sockets.get(`${from.address}|${from.port}`);
    socket?.send(data, to.port, to.address);
    return socket !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sockets.values()].map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.sockets.clear();
  }

  private bind(address: string, port: number): Promise<void> {
    return new Promise((resolve) => {
      const socket = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
      socket.once('error', (e) => {
        this.live.log(['ipsec', 'error'], `cannot bind UDP ${address}:${port}: ${e.message}`);
        socket.close();
        resolve();
      });
      socket.bind({ address, port, exclusive: true }, () => {
        socket.removeAllListeners('error');
        socket.on('error', (e) => logger.warn({ err: e.message, address, port }, 'IKE socket error'));
        const to = { address, port };
        socket.on('message', (data, rinfo) => this.received(data, { address: rinfo.address, port: rinfo.port }, to));
        this.sockets.set(`${address}|${port}`, socket);
        this.emit('bound', address, port, this.isNatt(port));
        resolve();
      });
    });
  }

  private received(data: Buffer, from: Endpoint, to: Endpoint): void {
    if (this.closed) return;
    if (this.isNatt(to.port)) {
      // RFC 3948: on the NAT-T port a non-zero first word is an ESP SPI, a lone 0xff a keepalive, a zero marker IKE
      const kind = esp.classifyUdpPayload(data);
      if (kind === 'keepalive') return;
      if (kind === 'esp') return void this.emit('esp', data);
    }
    this.emit('ike', { from, to, data: new Uint8Array(data.buffer, data.byteOffset, data.length) });
  }
}

function localAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.family === 'IPv6' && i.address.startsWith('fe80')) continue;
      out.push(i.address);
    }
  }
  return out;
}
