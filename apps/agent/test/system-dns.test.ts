// system-dns=yes hands clients this router's DNS servers: the ones in resolv.conf a remote client can reach.
import { describe, expect, it } from 'vitest';
import { systemDnsServers } from '../src/ike/ike-service.ts';

describe('systemDnsServers', () => {
  it('takes the nameserver lines, skipping loopback stubs (systemd-resolved, dnsmasq on ::1)', () => {
    const conf =
      '# generated\nnameserver 127.0.0.53\nnameserver 192.0.2.53\n  nameserver 2001:db8::53 \nnameserver ::1\n' +
      'search example.net\noptions edns0\n';
    expect(systemDnsServers(conf)).toEqual(['192.0.2.53', '2001:db8::53']);
  });

  it("reads this machine's /etc/resolv.conf without throwing", () => {
    const servers = systemDnsServers();
    expect(Array.isArray(servers)).toBe(true);
    for (const s of servers) expect(s.startsWith('127.') || s === '::1', s).toBe(false); // never a loopback stub
  });
});
