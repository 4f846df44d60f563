// Configuration payload in IKE_AUTH (RFC 7296 2.19, 3.15), driven by RouterOS mode-config entries:
// responder=yes hands out `address` (or a lease from its `address-pool`, see pools.ts), `static-dns` and
// `split-include`; responder=no (request-only) asks for an address and DNS servers and accepts what comes back.
import { CfgType, PayloadType } from '../codec/constants.ts';
import type { Payload } from '../codec/payload.ts';
import { CpAttr, type CpAttribute, type CpPayload } from '../codec/payloads/cp.ts';
import type { Ctx } from '../context.ts';
import type { IkeSa } from '../ike-sa.ts';
import { concat } from '../util/bytes.ts';
import { formatIp, parseIp, prefixRange } from '../util/ip.ts';
import { find, formatId } from './common.ts';

/** Initiator: the CP request to add to IKE_AUTH, when the identity's mode-config is a client one. */
export function cpRequest(sa: IkeSa): CpPayload | undefined {
  const mc = sa.rp.modeConfig;
  if (!mc || mc.responder !== false) return undefined;
  const empty = new Uint8Array(0);
  return {
    type: PayloadType.CP,
    cfgType: CfgType.REQUEST,
    attributes: [
      { type: CpAttr.INTERNAL_IP4_ADDRESS, value: empty },
      { type: CpAttr.INTERNAL_IP4_DNS, value: empty },
      { type: CpAttr.INTERNAL_IP6_DNS, value: empty },
    ],
  };
}

function maskOf(len: number): Uint8Array {
  const m = new Uint8Array(4);
  for (let i = 0; i < 4; i++) m[i] = 0xff & (0xff << Math.max(0, Math.min(8, 8 - (len - 8 * i))));
  return m;
}

/** Responder: who the peer is for mode config, when more than its IKE ID tells (EAP users). */
export interface CpClient {
  /** Lease owner instead of the IDi (an EAP user name). */
  owner: string;
  /** An address of its own (IPsec Users `address`), given instead of the mode config's address or pool. */
  address?: string;
  /** Where `address` comes from, for the log. */
  addressFrom?: string;
}

/**
 * Responder: answer a CP request from the identity's responder mode-config. Sets sa.virtualIp when an
 * address is assigned (CHILD_SA selectors are then narrowed to it). Returns undefined without a request.
 */
export function cpReply(ctx: Ctx, sa: IkeSa, req: Payload[], client?: CpClient): CpPayload | undefined {
  const cp = find(req, PayloadType.CP);
  if (!cp || cp.cfgType !== CfgType.REQUEST) return undefined;
  const mc = sa.rp.modeConfig;
  if (!mc || mc.responder === false) {
    ctx.log(
      'info',
      `peer requested configuration (CP) but identity of ${sa.peerName} has no responder mode-config; ignored`,
      sa,
    );
    return undefined;
  }
  const wants = (t: number) => cp.attributes.some((a) => a.type === t);
  const attrs: CpAttribute[] = [];
  if (wants(CpAttr.INTERNAL_IP4_ADDRESS)) {
    const own = client?.address ? parseIp(client.address.replace(/\/32$/, '')) : undefined;
    if (client?.address && own?.length !== 4)
      ctx.log(
        'warning',
        `${client.addressFrom ?? 'client'}: address ${client.address} is not an IPv4 address; using mode config ${mc.name}`,
        sa,
      );
    let ip = own?.length === 4 ? own : mc.address ? parseIp(mc.address) : undefined;
    const poolName = own?.length === 4 ? undefined : mc['address-pool'];
    if (!ip && poolName) {
      const idi = find(req, PayloadType.IDi);
      const owner = `${sa.peerName}|${client ? client.owner : idi ? formatId(idi) : sa.remote.address}`;
      // an address the Users menu gives one user is never leased to anyone else
      const reserved = new Set(
        (ctx.config.users ?? []).flatMap((u) => (u.address && !u.disabled ? [u.address.replace(/\/32$/, '')] : [])),
      );
      const acquired = ctx.leases.acquire(ctx.config.pools ?? [], poolName, owner, sa.id, reserved);
      if (!acquired.ok)
        ctx.log(
          'error',
          `mode config ${mc.name}: address-pool=${poolName}: ${acquired.error}; no address for the peer (INTERNAL_ADDRESS_FAILURE)`,
          sa,
        );
      else {
        const lease = acquired.value;
        ip = parseIp(lease.address);
        ctx.log(
          'info',
          `mode config ${mc.name}: ${lease.reused ? 'kept' : 'leased'} ${lease.address} from pool ${lease.pool}` +
            ` for ${owner.slice(owner.indexOf('|') + 1)}`,
          sa,
        );
      }
    }
    if (ip && ip.length === 4) {
      attrs.push({ type: CpAttr.INTERNAL_IP4_ADDRESS, value: ip });
      const len = mc['address-prefix-length'] ?? 32;
      if (len < 32) attrs.push({ type: CpAttr.INTERNAL_IP4_NETMASK, value: maskOf(len) });
      sa.virtualIp = formatIp(ip);
      ctx.log(
        'info',
        `mode config ${mc.name}: assigned ${sa.virtualIp} to the peer${own?.length === 4 ? ` (address of ${client?.addressFrom})` : ''}`,
        sa,
      );
    } else if (!poolName)
      ctx.log('error', `mode config ${mc.name}: the peer asked for an address but none is configured`, sa);
  }
  // static-dns when set, else (system-dns=yes) the router's own servers
  const servers = mc['static-dns']?.length ? mc['static-dns'] : mc['system-dns'] ? (ctx.config.systemDns ?? []) : [];
  for (const dns of servers) {
    const ip = parseIp(dns);
    if (ip?.length === 4) attrs.push({ type: CpAttr.INTERNAL_IP4_DNS, value: ip });
    else if (ip?.length === 16) attrs.push({ type: CpAttr.INTERNAL_IP6_DNS, value: ip });
  }
  for (const net of mc['split-include'] ?? []) {
    const r = prefixRange(net);
    const len = Number(net.split('/')[1] ?? '32');
    if (r && r.start.length === 4)
      attrs.push({ type: CpAttr.INTERNAL_IP4_SUBNET, value: concat(r.start, maskOf(len)) });
  }
  for (const domain of mc['split-dns'] ?? [])
    if (domain) attrs.push({ type: CpAttr.INTERNAL_DNS_DOMAIN, value: new TextEncoder().encode(domain) });
  return { type: PayloadType.CP, cfgType: CfgType.REPLY, attributes: attrs };
}

/** Initiator: take the attributes of the responder's CP reply. */
export function cpAccept(ctx: Ctx, sa: IkeSa, resp: Payload[]): void {
  if (!cpRequest(sa)) return;
  const cp = find(resp, PayloadType.CP);
  if (!cp || cp.cfgType !== CfgType.REPLY)
    return ctx.log('warning', 'asked for mode config but the peer sent none', sa);
  const dns: string[] = [];
  const subnets: string[] = [];
  const domains: string[] = [];
  for (const a of cp.attributes) {
    if (a.type === CpAttr.INTERNAL_DNS_DOMAIN && a.value.length > 0 && a.value.length <= 255)
      domains.push(new TextDecoder().decode(a.value));
    else if (a.type === CpAttr.INTERNAL_IP4_ADDRESS && a.value.length === 4) sa.virtualIp = formatIp(a.value);
    else if (a.type === CpAttr.INTERNAL_IP4_DNS && a.value.length === 4) dns.push(formatIp(a.value));
    else if (a.type === CpAttr.INTERNAL_IP6_DNS && a.value.length === 16) dns.push(formatIp(a.value));
    else if (a.type === CpAttr.INTERNAL_IP4_SUBNET && a.value.length === 8) {
      const mask = a.value.subarray(4);
      let len = 0;
      for (const b of mask) for (let i = 7; i >= 0; i--) if (b & (1 << i)) len++;
      subnets.push(`${formatIp(a.value.subarray(0, 4))}/${len}`);
    }
  }
  sa.cpReceived = { dns, subnets };
  ctx.log(
    'info',
    `mode config received: address ${sa.virtualIp ?? '(none)'}${dns.length ? `, dns ${dns.join(',')}` : ''}` +
      `${subnets.length ? `, split-include ${subnets.join(',')}` : ''}` +
      `${domains.length ? `, split-dns ${domains.join(',')}` : ''}`,
    sa,
  );
}
