// The client compatibility tables (the RouterOS manual's Windows / macOS / iOS / Android sections)
// and the warnings they give: the default proposals suit every subset of clients; a proposal a
// client's defaults do not accept is a warning naming the field and the fix; the known limitations.
import { describe, expect, it } from 'vitest';
import { WIZARD_CLIENTS, roadWarriorInputSchema, type RoadWarriorInput, type WizardClient } from '@ipsec/schema';
import { CLIENT_TABLES, check, coveringPrefix, phase1Accepted, phase2Accepted } from '../src/wizard/compat.ts';
import {
  appleEsp,
  appleIke,
  strongswanEsp,
  strongswanIke,
  windowsEsp,
  windowsIke,
} from '../src/wizard/profiles/algorithms.ts';
import { poolPrefix } from '../src/wizard/plan.ts';

const input = (over: Partial<RoadWarriorInput> = {}) =>
  roadWarriorInputSchema.parse({
    serverAddress: '2.2.2.2',
    pool: '192.168.77.2-192.168.77.254',
    clientCertificates: ['alice'],
    ...over,
  });

const subsets = (xs: readonly WizardClient[]): WizardClient[][] =>
  xs.reduce<WizardClient[][]>((acc, x) => [...acc, ...acc.map((s) => [...s, x])], [[]]).filter((s) => s.length > 0);

describe("the manual's tables", () => {
  it('hold the rows the manual lists', () => {
    expect(CLIENT_TABLES.windows!.phase1).toHaveLength(12);
    expect(CLIENT_TABLES.windows!.phase1.every((r) => r.dh === 'modp1024')).toBe(true);
    expect(CLIENT_TABLES.windows!.phase2.map((r) => `${r.auth}/${r.enc}`)).toEqual([
      'sha1/aes-256-cbc',
      'sha1/aes-128-cbc',
      'sha1/3des',
      'sha1/des',
      'sha1/null',
    ]);
    expect(CLIENT_TABLES.macos!.phase1).toContainEqual({ hash: 'sha256', enc: 'aes-256', dh: 'ecp256' });
    expect(CLIENT_TABLES.ios!.phase2).toEqual(CLIENT_TABLES.macos!.phase2);
    expect(CLIENT_TABLES.android!.phase1.some((r) => r.dh === 'modp1024')).toBe(false);
    expect(CLIENT_TABLES.android!.phase2).toContainEqual({ auth: 'null', enc: 'aes-256-gcm', pfs: 'none' });
    expect(CLIENT_TABLES.linux).toBeUndefined();
  });

  it('the default proposals are accepted by every client of every selection', () => {
    for (const clients of subsets(WIZARD_CLIENTS)) {
      const v = input({ clients });
      for (const c of clients) {
        const t = CLIENT_TABLES[c];
        if (!t) continue;
        expect(phase1Accepted(t, v.proposals.ike), `${clients.join(',')}: ${c} phase 1`).toBe(true);
        expect(phase2Accepted(t, v.proposals.esp), `${clients.join(',')}: ${c} phase 2`).toBe(true);
      }
      expect(
        check(v).filter((w) => w.field.startsWith('proposals')),
        clients.join(','),
      ).toEqual([]);
    }
  });

  it('and every generated profile can name a combination of them', () => {
    const { ike, esp } = input().proposals;
    expect(windowsIke(ike)).toEqual({ EncryptionMethod: 'AES256', IntegrityCheckMethod: 'SHA256', DHGroup: 'Group14' });
    expect(windowsEsp(esp)).toEqual({
      CipherTransformConstants: 'AES256',
      AuthenticationTransformConstants: 'SHA256128',
      PfsGroup: 'None',
    });
    expect(appleIke(ike)).toEqual({
      EncryptionAlgorithm: 'AES-256',
      IntegrityAlgorithm: 'SHA2-256',
      DiffieHellmanGroup: 14,
    });
    expect(appleEsp(esp, 14)).toEqual({
      EncryptionAlgorithm: 'AES-256',
      IntegrityAlgorithm: 'SHA2-256',
      DiffieHellmanGroup: 14,
      pfs: false,
    });
    expect(strongswanIke(ike)).toBe('aes256-aes128-sha256-modp2048-ecp256-modp1024');
    expect(strongswanEsp(esp)).toBe('aes256-aes128-sha256-sha1');
    expect(strongswanIke({ enc: ['aes-256', 'aes-256-gcm'], hash: ['sha384'], dh: ['ecp384'] })).toBe(
      'aes256-sha384-ecp384,aes256gcm16-prfsha384-ecp384',
    );
    expect(strongswanEsp({ enc: ['aes-128-gcm'], auth: ['null'], pfs: 'ecp256' })).toBe('aes128gcm16-ecp256');
    expect(windowsEsp({ enc: ['aes-128-gcm'], auth: ['null'], pfs: 'modp2048' })).toEqual({
      CipherTransformConstants: 'GCMAES128',
      AuthenticationTransformConstants: 'GCMAES128',
      PfsGroup: 'PFS2048',
    });
  });
});

describe('warnings', () => {
  it('Windows 10 proposes only modp1024 for phase 1: add it, or use the PowerShell profile', () => {
    const w = check(
      input({
        clients: ['windows'],
        proposals: {
          ike: { enc: ['aes-256'], hash: ['sha256'], dh: ['modp2048'] },
          esp: { enc: ['aes-256-cbc'], auth: ['sha1'], pfs: 'none' },
        },
      }),
    );
    const p1 = w.find((x) => x.client === 'windows' && x.field === 'proposals.ike.dh');
    expect(p1?.message).toMatch(/Windows 10 built-in client proposes only/);
    expect(p1?.message).toMatch(/modp1024/);
    expect(p1?.fix).toMatch(/add modp1024/);
    expect(p1?.fix).toMatch(/Set-VpnConnectionIPsecConfiguration/);
  });

  it('a phase 2 only SHA256 misses Windows (SHA1 only); PFS is advised against', () => {
    const w = check(
      input({
        clients: ['windows', 'ios'],
        proposals: {
          ike: { enc: ['aes-256'], hash: ['sha256'], dh: ['modp2048', 'modp1024'] },
          esp: { enc: ['aes-256-cbc'], auth: ['sha256'], pfs: 'modp2048' },
        },
      }),
    );
    expect(w).toContainEqual(expect.objectContaining({ client: 'windows', field: 'proposals.esp.pfs' }));
    expect(w).toContainEqual(
      expect.objectContaining({
        client: 'all',
        field: 'proposals.esp.pfs',
        message: expect.stringMatching(/pfs-group=none/),
      }),
    );
    const w2 = check(
      input({
        clients: ['windows'],
        proposals: {
          ike: { enc: ['aes-256'], hash: ['sha256'], dh: ['modp1024'] },
          esp: { enc: ['aes-256-cbc'], auth: ['sha256'], pfs: 'none' },
        },
      }),
    );
    expect(w2).toContainEqual(
      expect.objectContaining({
        client: 'windows',
        field: 'proposals.esp.auth',
        fix: expect.stringMatching(/add sha1/),
      }),
    );
  });

  it('Android (strongSwan defaults) does not offer modp1024 or 3DES', () => {
    const w = check(
      input({
        clients: ['android'],
        proposals: {
          ike: { enc: ['aes-128'], hash: ['sha1'], dh: ['modp1024'] },
          esp: { enc: ['3des'], auth: ['sha1'], pfs: 'none' },
        },
      }),
    );
    expect(w.map((x) => x.field)).toEqual(['proposals.ike.dh', 'proposals.esp.enc']);
    expect(w.every((x) => x.client === 'android')).toBe(true);
    // Two things wrong at once: no single field fixes it, the whole phase 1 is named.
    const w2 = check(
      input({
        clients: ['android'],
        proposals: {
          ike: { enc: ['3des'], hash: ['sha1'], dh: ['modp1024'] },
          esp: { enc: ['aes-128-cbc'], auth: ['sha1'], pfs: 'none' },
        },
      }),
    );
    expect(w2.map((x) => x.field)).toEqual(['proposals.ike']);
  });

  it('known limitations: Windows ignores split-include; Apple takes only the first network and no DNS with split', () => {
    const w = check(input({ splitNetworks: ['10.5.8.0/24', '10.5.9.0/24'] }));
    expect(w).toContainEqual(
      expect.objectContaining({
        client: 'windows',
        field: 'splitNetworks',
        message: expect.stringMatching(/0\.0\.0\.0\/0/),
      }),
    );
    expect(w).toContainEqual(
      expect.objectContaining({
        client: 'macos',
        field: 'splitNetworks',
        fix: expect.stringMatching(/10\.5\.8\.0\/23/),
      }),
    );
    expect(w).toContainEqual(expect.objectContaining({ client: 'ios', field: 'dns' }));
    expect(check(input()).filter((x) => x.field === 'splitNetworks' || x.field === 'dns')).toEqual([]);
  });

  it('auth methods some clients lack: PSK on Windows and the strongSwan app', () => {
    const w = check(input({ auth: 'psk', psk: 'a-long-enough-psk-1' }));
    expect(w).toContainEqual(expect.objectContaining({ client: 'windows', field: 'auth' }));
    expect(w).toContainEqual(expect.objectContaining({ client: 'android', field: 'auth' }));
    expect(w.some((x) => x.client === 'macos' && x.field === 'auth')).toBe(false);
  });

  it('helpers: covering prefixes', () => {
    expect(coveringPrefix(['10.5.8.0/24', '10.5.9.0/24'])).toBe('10.5.8.0/23');
    expect(coveringPrefix(['10.0.0.0/8', '192.168.0.0/16'])).toBe('0.0.0.0/0');
    expect(poolPrefix(['192.168.77.2-192.168.77.254'])).toBe('192.168.77.0/24');
    expect(poolPrefix(['10.10.10.10-10.10.10.200'])).toBe('10.10.10.0/24');
    expect(poolPrefix(['10.0.0.5'])).toBe('10.0.0.5/32');
  });
});
