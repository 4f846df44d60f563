// What the kernel backend needs from the IKE sockets (as every IKE daemon on Linux does):
// - IKE packets must never be caught by IPsec policies (a policy covering the gateways' own addresses would
//   otherwise encrypt or drop IKE itself): a per-socket "allow" policy in and out (IP_XFRM_POLICY).
// - On the NAT-T port the kernel must take ESP-in-UDP off the socket and decapsulate it (UDP_ENCAP_ESPINUDP,
//   RFC 3948); IKE (non-ESP marker) still reaches the socket.
// The userspace backend needs neither: it reads ESP from the socket itself and has no kernel policies.
import { writeUserpolicyInfo, emptySelector, infiniteLifetime, zeroCur } from '../xfrm/codec.ts';
import { XFRM_POLICY_ALLOW, XFRM_POLICY_IN, XFRM_POLICY_OUT } from '../xfrm/constants.ts';
import { findUdpFd, setsockoptBytes, setsockoptInt } from './sys.ts';

const SOL_IP = 0;
const SOL_IPV6 = 41;
const SOL_UDP = 17;
const IP_XFRM_POLICY = 17;
const IPV6_XFRM_POLICY = 35;
const UDP_ENCAP = 100;
const UDP_ENCAP_ESPINUDP = 2;
const USERPOLICY_INFO = 168;

/** struct xfrm_userpolicy_info that lets everything through, for one direction. */
export function bypassPolicy(dir: number, family: 4 | 6): Buffer {
  const b = Buffer.alloc(USERPOLICY_INFO);
  writeUserpolicyInfo(b, 0, {
    sel: { ...emptySelector(), family },
    lft: infiniteLifetime(),
    curlft: zeroCur(),
    priority: 0,
    index: 0,
    dir,
    action: XFRM_POLICY_ALLOW,
    flags: 0,
    share: 0,
  });
  return b;
}

/**
 * Prepare the IKE socket bound to address:port for the kernel data plane. Returns what could not be done (empty when
 * all went well), for the log.
 */
export function prepareIkeSocket(address: string, port: number, natt: boolean): string[] {
  const fd = findUdpFd(address, port);
  if (fd === undefined) return [`no file descriptor found for UDP ${address}:${port}`];
  const family = address.includes(':') ? 6 : 4;
  const [level, name] = family === 6 ? [SOL_IPV6, IPV6_XFRM_POLICY] : [SOL_IP, IP_XFRM_POLICY];
  const problems: string[] = [];
  for (const dir of [XFRM_POLICY_IN, XFRM_POLICY_OUT])
    if (!setsockoptBytes(fd, level, name, bypassPolicy(dir, family)))
      problems.push(`policy bypass (${dir === XFRM_POLICY_IN ? 'in' : 'out'}) refused`);
  if (natt && !setsockoptInt(fd, SOL_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP)) problems.push('UDP_ENCAP_ESPINUDP refused');
  return problems;
}
