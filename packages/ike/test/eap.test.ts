// EAP-MSCHAPv2 in IKE_AUTH (RFC 7296 2.16): MS-CHAPv2 (RFC 2759) and MPPE key (RFC 3079) known answers, the
// EAP conversation functions, and engine to engine: a road warrior (auth-method=eap) against a responder with
// auth-method=eap-radius that checks IPsec Users itself, mode config and the first CHILD_SA.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { formatTsRange } from '../src/ts.ts';
import { describe, expect, it } from 'vitest';
import type { Action, IkeConfig, IkeStateAction } from '../src/index.ts';
import { PayloadType } from '../src/codec/constants.ts';
import type { EapPayload } from '../src/codec/payloads/eap.ts';
import {
  eapClientProcess,
  eapServerProcess,
  eapServerStart,
  EapCode,
  type EapClientState,
  type EapUser,
} from '../src/auth/eap.ts';
import {
  asymmetricStartKey,
  authenticatorResponse,
  challengeHash,
  masterKey,
  md4Digest,
  mschapv2Msk,
  ntPasswordHash,
  ntResponse,
} from '../src/auth/mschapv2.ts';
import { fromHex, hex, utf8 } from '../src/util/bytes.ts';
import { seededRandom } from './helpers.ts';
import { pair } from './world.ts';

const H = (s: string) => fromHex(s);
const X = (b: Uint8Array) => hex(b).toUpperCase();

describe('MS-CHAPv2 and MPPE keys: RFC 2759 9.2 and RFC 3079 3.5.3 known answers', () => {
  const authChallenge = H('5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28');
  const peerChallenge = H('21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E');
  const nt = H('82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF');

  it('MD4 (RFC 1320 A.5)', () => {
    expect(hex(md4Digest(utf8('')))).toBe('31d6cfe0d16ae931b73c59d7e0c089c0');
    expect(hex(md4Digest(utf8('abc')))).toBe('a448017aaf21d8525fc10ae87aa6729d');
    expect(hex(md4Digest(utf8('message digest')))).toBe('d9130a8164549fe818874806e1c7014b');
    expect(
      hex(md4Digest(utf8('12345678901234567890123456789012345678901234567890123456789012345678901234567890'))),
    ).toBe('e33b4ddc9c38f2199c3e7b164fcc0536');
  });

  it('UserName "User", Password "clientPass": challenge hash, password hashes, NT-Response, authenticator response', () => {
    const ph = ntPasswordHash('clientPass');
    expect(X(challengeHash(peerChallenge, authChallenge, 'User'))).toBe('D02E4386BCE91226');
    expect(X(ph)).toBe('44EBBA8D5312B8D611474411F56989AE');
    expect(X(md4Digest(ph))).toBe('41C00C584BD2D91C4017A2A12FA59F3F');
    expect(X(ntResponse(authChallenge, peerChallenge, 'User', ph))).toBe(X(nt));
    expect(authenticatorResponse(ph, nt, peerChallenge, authChallenge, 'User')).toBe(
      'S=407A5589115FD0D6209F510FE9C04566932CDA56',
    );
  });

  it('a "DOMAIN\\" prefix does not enter the challenge hash', () => {
    expect(X(ntResponse(authChallenge, peerChallenge, 'CORP\\User', ntPasswordHash('clientPass')))).toBe(X(nt));
  });

  it('master key, the server send key (SendStartKey128), and the 64-octet MSK layout', () => {
    const ph = ntPasswordHash('clientPass');
    const mk = masterKey(ph, nt);
    expect(X(mk)).toBe('FDECE3717A8C838CB388E527AE3CDD31');
    expect(X(asymmetricStartKey(mk, true, true))).toBe('8B7CDC149B993A1BA118CB153F56DCCB');
    // The client's receive key is the server's send key, and the other way round.
    expect(asymmetricStartKey(mk, false, false)).toEqual(asymmetricStartKey(mk, true, true));
    expect(asymmetricStartKey(mk, true, false)).toEqual(asymmetricStartKey(mk, false, true));
    const msk = mschapv2Msk(ph, nt);
    expect(msk.length).toBe(64);
    expect(msk.subarray(0, 16)).toEqual(asymmetricStartKey(mk, false, true));
    expect(msk.subarray(16, 32)).toEqual(asymmetricStartKey(mk, true, true));
    expect(msk.subarray(32)).toEqual(new Uint8Array(32));
  });
});

describe('EAP conversation (server and peer step functions)', () => {
  const users: EapUser[] = [
    { name: 'alice', password: 'wonder land' },
    { name: 'bob', password: 'builder', disabled: true },
  ];

  /** Run server and client against each other; returns the server's last step and every packet. */
  function converse(username: string, password: string, knownName?: string) {
    const rs = seededRandom(7);
    const rc = seededRandom(8);
    const { state, reply } = eapServerStart(rs, users, knownName);
    const client: EapClientState = { username };
    const packets: EapPayload[] = [reply];
    let req: EapPayload = reply;
    for (let i = 0; i < 6; i++) {
      const c = eapClientProcess(client, password, req, rc);
      if (c.type !== 'continue') return { client: c, packets, state };
      packets.push(c.reply);
      const s = eapServerProcess(state, c.reply, users, rs);
      packets.push(s.reply);
      if (s.type === 'failure') return { server: s, packets, state };
      req = s.reply;
      if (s.type === 'success') {
        const done = eapClientProcess(client, password, req, rc);
        return { server: s, client: done, packets, state };
      }
    }
    throw new Error('conversation did not end');
  }

  it('EAP-Identity round, then Challenge/Response/Success: both sides hold the same MSK', () => {
    const r = converse('alice', 'wonder land');
    expect(r.packets.map((p) => [p.code, p.data[0] ?? 0])).toEqual([
      [1, 1],
      [2, 1],
      [1, 26],
      [2, 26],
      [1, 26],
      [2, 26],
      [3, 0],
    ]);
    expect(r.server?.type).toBe('success');
    expect(r.client?.type).toBe('success');
    if (r.server?.type !== 'success' || r.client?.type !== 'success') return;
    expect(r.server.msk).toEqual(r.client.msk);
    expect(r.server.user.name).toBe('alice');
    // Identifiers: each request a new one, each response echoes it, Success echoes the last response.
    const ids = r.packets.map((p) => p.identifier);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).toBe((ids[0]! + 1) & 0xff);
    expect(ids[6]).toBe(ids[5]);
  });

  it('starts MS-CHAPv2 directly when the IKE ID names a user', () => {
    const r = converse('alice', 'wonder land', 'alice');
    expect(r.packets[0]!.data[0]).toBe(26);
    expect(r.server?.type).toBe('success');
  });

  it('a wrong password ends in EAP-Failure with a reason that names the user, not the password', () => {
    const r = converse('alice', 'wrong secret');
    expect(r.server?.type).toBe('failure');
    expect(r.packets.at(-1)!.code).toBe(EapCode.FAILURE);
    if (r.server?.type !== 'failure') return;
    expect(r.server.reason).toBe("EAP-MSCHAPv2: wrong password for user 'alice'");
    expect(r.server.reason).not.toMatch(/wrong secret|wonder land/);
  });

  it('unknown and disabled users fail', () => {
    const unknown = converse('mallory', 'x');
    expect(unknown.server?.type === 'failure' && unknown.server.reason).toBe(
      "EAP-MSCHAPv2: user 'mallory' is not in IPsec Users",
    );
    const disabled = converse('bob', 'builder');
    expect(disabled.server?.type === 'failure' && disabled.server.reason).toBe("EAP-MSCHAPv2: user 'bob' is disabled");
  });

  it('a Nak and a wrong identifier end the conversation', () => {
    const rs = seededRandom(3);
    const start = eapServerStart(rs, users, undefined);
    const nak = eapServerProcess(
      start.state,
      { type: PayloadType.EAP, code: 2, identifier: start.reply.identifier, data: new Uint8Array([3, 13]) },
      users,
      rs,
    );
    expect(nak.type === 'failure' && nak.reason).toMatch(/declined EAP-MSCHAPv2 \(Nak, it proposes type 13\)/);
    const again = eapServerStart(rs, users, undefined);
    const bad = eapServerProcess(
      again.state,
      {
        type: PayloadType.EAP,
        code: 2,
        identifier: (again.reply.identifier + 1) & 0xff,
        data: new Uint8Array([1, 0x61]),
      },
      users,
      rs,
    );
    expect(bad.type).toBe('failure');
  });

  it('random EAP packets never throw, on either side, at any stage', () => {
    const eapArb = fc.record({
      code: fc.integer({ min: 1, max: 4 }),
      identifier: fc.integer({ min: 0, max: 255 }),
      data: fc.uint8Array({ maxLength: 80 }),
    });
    fc.assert(
      fc.property(
        fc.array(eapArb, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.integer(),
        (msgs, direct, seed) => {
          const r = seededRandom(seed);
          const { state } = eapServerStart(r, users, direct ? 'alice' : undefined);
          const client: EapClientState = { username: 'alice' };
          for (const m of msgs) {
            const p: EapPayload = { type: PayloadType.EAP, ...m, data: m.data.length ? m.data : new Uint8Array([26]) };
            // Steer some packets to the expected identifier and type so later stages are reached too.
            if (m.identifier % 2 === 0) p.identifier = state.identifier;
            expect(() => eapServerProcess(state, p, users, r)).not.toThrow();
            expect(() => eapClientProcess(client, 'x', p, r)).not.toThrow();
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the peer refuses a server whose authenticator response is wrong', () => {
    const rs = seededRandom(5);
    const { state, reply } = eapServerStart(rs, users, 'alice');
    const client: EapClientState = { username: 'alice' };
    const resp = eapClientProcess(client, 'wonder land', reply, rs);
    if (resp.type !== 'continue') throw new Error('no response');
    const success = eapServerProcess(state, resp.reply, users, rs);
    const forged = { ...success.reply, data: success.reply.data.slice() };
    forged.data[8] = forged.data[8] === 0x41 ? 0x42 : 0x41; // first hex digit after "S="
    expect(eapClientProcess(client, 'wonder land', forged, rs)).toMatchObject({
      type: 'failure',
      reason: "the server's MS-CHAPv2 authenticator response does not verify",
    });
  });
});

// ------------------------------------------------------------------------------------------ engine to engine

const fx = (f: string) => readFileSync(join(import.meta.dirname, 'fixtures', f), 'utf8');
const NOW = Date.parse('2030-06-01T00:00:00Z');
const CA = { name: 'ca', certificate: fx('ca.crt'), trusted: true };
const USERS: EapUser[] = [
  { name: 'alice', password: 'alice-pass-1' },
  { name: 'carol', password: 'carol-pass-3', address: '10.99.0.77' },
  { name: 'dave', password: 'dave-pass-4', disabled: true },
];
const profile = {
  name: 'p',
  'hash-algorithm': 'sha256',
  'enc-algorithm': ['aes-256'],
  'dh-group': ['ecp256'],
  'dpd-interval': 'disable-dpd',
  lifetime: 3600,
} as const;
const proposal = {
  name: 'esp',
  'auth-algorithms': ['sha256'],
  'enc-algorithms': ['aes-256-cbc'],
  'pfs-group': 'none',
} as const;

function eapConfigs(
  o: {
    user?: string;
    password?: string;
    myId?: string;
    serverIdentities?: IkeConfig['identities'];
    users?: EapUser[];
  } = {},
): { a: IkeConfig; b: IkeConfig } {
  const a: IkeConfig = {
    peers: [
      { name: 'to-b', address: '198.51.100.2', 'exchange-mode': 'ike2', profile: 'p', 'local-address': '192.0.2.1' },
    ],
    profiles: [profile as never],
    proposals: [proposal as never],
    identities: [
      {
        peer: 'to-b',
        'auth-method': 'eap',
        'eap-methods': ['eap-mschapv2'],
        username: o.user ?? 'alice',
        password: o.password ?? 'alice-pass-1',
        'remote-id': 'fqdn:b.example',
        'mode-config': 'request-only',
        ...(o.myId ? { 'my-id': o.myId } : {}),
      },
    ],
    policies: [
      { peer: 'to-b', tunnel: true, 'src-address': '0.0.0.0/0', 'dst-address': '10.2.0.0/24', proposal: 'esp' },
    ],
    certificates: [CA],
  };
  const b: IkeConfig = {
    peers: [{ name: 'rw', address: '0.0.0.0/0', 'exchange-mode': 'ike2', profile: 'p', passive: true }],
    profiles: [profile as never],
    proposals: [proposal as never],
    identities: o.serverIdentities ?? [
      { peer: 'rw', 'auth-method': 'eap-radius', certificate: 'b-rsa', 'my-id': 'fqdn:b.example', 'mode-config': 'rw' },
    ],
    policies: [
      { peer: 'rw', tunnel: true, 'src-address': '10.2.0.0/24', 'dst-address': '10.99.0.0/24', proposal: 'esp' },
    ],
    modeConfigs: [{ name: 'rw', responder: true, 'address-pool': 'rw-pool' }],
    pools: [{ name: 'rw-pool', ranges: ['10.99.0.10-10.99.0.20'] }],
    certificates: [CA, { name: 'b-rsa', certificate: fx('b-rsa.crt'), 'private-key': fx('b-rsa.key') }],
    users: o.users ?? USERS,
  };
  return { a, b };
}

function connect(cfg: { a: IkeConfig; b: IkeConfig }) {
  const n = pair(cfg, { start: NOW });
  n.deliver('a', n.a.command({ type: 'initiate', peer: 'to-b' }));
  return n;
}

const allText = (log: { action: Action }[]) => JSON.stringify(log.map((l) => l.action));

describe('EAP-MSCHAPv2 engine to engine (responder auth-method=eap-radius with IPsec Users)', () => {
  it('EAP-Identity round: the IKE SA and CHILD_SA come up, mode config leases from the pool, AUTH after EAP uses the MSK', () => {
    const n = connect(eapConfigs());
    const a = n.a.list()[0];
    const b = n.b.list()[0];
    expect(a?.state).toBe('established');
    expect(b?.state).toBe('established');
    expect(a?.virtualIp).toBe('10.99.0.10');
    expect(b?.virtualIp).toBe('10.99.0.10');
    expect(b?.eapUser).toBe('alice');
    expect(a?.eapUser).toBe('alice');
    expect(n.installs('a')).toHaveLength(1);
    expect(n.installs('b')).toHaveLength(1);
    expect(n.installs('b')[0]!.tsRemote.map(formatTsRange)).toEqual(['10.99.0.10-10.99.0.10']);
    const ev = n.events('b');
    expect(ev.some((e) => e.includes('address:192.0.2.1 authenticates with EAP: asking for its EAP identity'))).toBe(
      true,
    );
    expect(ev.some((e) => e.includes("EAP identity 'alice'"))).toBe(true);
    expect(ev.some((e) => e.includes('EAP-MSCHAPv2: user alice authenticated'))).toBe(true);
    expect(
      ev.some((e) => e.includes('IKE SA established with 192.0.2.1:500 (address:192.0.2.1, EAP user alice)')),
    ).toBe(true);
    expect(ev.some((e) => e.includes('leased 10.99.0.10 from pool rw-pool for eap:alice'))).toBe(true);
    expect(n.events('a').some((e) => e.includes('IKE SA established with 198.51.100.2:500 (fqdn:b.example)'))).toBe(
      true,
    );
    // IKE_AUTH: 5 exchanges (first, Identity, Response, Success, AUTH), plus IKE_SA_INIT.
    expect(n.log.filter((l) => l.side === 'a' && l.action.type === 'send')).toHaveLength(6);
    expect(allText(n.log)).not.toContain('alice-pass-1');
    const states = n.log
      .filter((l) => l.side === 'b' && l.action.type === 'ikeSaState')
      .map((l) => l.action as IkeStateAction);
    expect(states.at(-1)).toMatchObject({ state: 'established', eapUser: 'alice', virtualIp: '10.99.0.10' });
  });

  it('IDi naming the user: MS-CHAPv2 starts at once (one exchange less)', () => {
    const n = connect(eapConfigs({ myId: 'fqdn:alice' }));
    expect(n.b.list()[0]?.state).toBe('established');
    expect(
      n.events('b').some((e) => e.includes('fqdn:alice authenticates with EAP: EAP-MSCHAPv2 for user alice')),
    ).toBe(true);
    expect(n.log.filter((l) => l.side === 'a' && l.action.type === 'send')).toHaveLength(5);
  });

  it('a user with an address of its own gets it instead of a pool lease', () => {
    const n = connect(eapConfigs({ user: 'carol', password: 'carol-pass-3' }));
    expect(n.a.list()[0]?.virtualIp).toBe('10.99.0.77');
    expect(n.installs('b')[0]!.tsRemote.map(formatTsRange)).toEqual(['10.99.0.77-10.99.0.77']);
    expect(n.events('b').some((e) => e.includes('assigned 10.99.0.77 to the peer (address of user carol)'))).toBe(true);
    expect(n.events('b').some((e) => e.includes('leased'))).toBe(false);
  });

  it('wrong password: EAP-Failure with AUTHENTICATION_FAILED, nothing installed, the password in no action', () => {
    const n = connect(eapConfigs({ password: 'not-alices-pass' }));
    expect(n.a.list()).toEqual([]);
    expect(n.b.list()).toEqual([]);
    expect(n.installs('a')).toEqual([]);
    expect(n.installs('b')).toEqual([]);
    expect(
      n
        .events('b')
        .some((e) => e.includes("peer rw: EAP-MSCHAPv2: wrong password for user 'alice'; AUTHENTICATION_FAILED")),
    ).toBe(true);
    expect(
      n
        .events('a')
        .some((e) =>
          e.includes('peer rejected our authentication (AUTHENTICATION_FAILED) with EAP-Failure: EAP user alice'),
        ),
    ).toBe(true);
    const text = allText(n.log);
    expect(text).not.toContain('not-alices-pass');
    expect(text).not.toContain('alice-pass-1');
    expect(n.events('b').some((e) => e.includes('released'))).toBe(false); // no lease was taken
  });

  it('disabled and unknown users are refused', () => {
    const d = connect(eapConfigs({ user: 'dave', password: 'dave-pass-4' }));
    expect(d.b.list()).toEqual([]);
    expect(d.events('b').some((e) => e.includes("user 'dave' is disabled; AUTHENTICATION_FAILED"))).toBe(true);
    const u = connect(eapConfigs({ user: 'erin', password: 'x' }));
    expect(u.b.list()).toEqual([]);
    expect(u.events('b').some((e) => e.includes("user 'erin' is not in IPsec Users; AUTHENTICATION_FAILED"))).toBe(
      true,
    );
  });

  it('a client that wants EAP against a PSK identity is refused; an EAP identity is chosen over a PSK one for it', () => {
    const psk = {
      peer: 'rw',
      'auth-method': 'pre-shared-key',
      secret: 'correct horse',
      'my-id': 'fqdn:b.example',
    } as const;
    const eap = {
      peer: 'rw',
      'auth-method': 'eap-radius',
      certificate: 'b-rsa',
      'my-id': 'fqdn:b.example',
      'mode-config': 'rw',
    } as const;
    const refused = connect(eapConfigs({ serverIdentities: [psk] }));
    expect(refused.b.list()).toEqual([]);
    expect(
      refused
        .events('b')
        .some((e) => e.includes('sent no AUTH (wants EAP), but the identity has auth-method=pre-shared-key')),
    ).toBe(true);
    const chosen = connect(eapConfigs({ serverIdentities: [psk, eap] }));
    expect(chosen.b.list()[0]?.state).toBe('established');
    const wrongId = connect(eapConfigs({ serverIdentities: [{ ...eap, 'remote-id': 'fqdn:someone.else' }] }));
    expect(wrongId.b.list()).toEqual([]);
    expect(
      wrongId
        .events('b')
        .some((e) => e.includes('identity address:192.0.2.1 does not match remote-id fqdn:someone.else')),
    ).toBe(true);
  });

  it('the EAP SA rekeys like any other and keeps its user and address', () => {
    const n = connect(eapConfigs());
    const before = n.b.list()[0]!;
    n.deliver('a', n.a.command({ type: 'rekey-ike', ikeSa: n.a.list()[0]!.id }));
    const after = n.b.list().find((s) => s.state === 'established' && s.id !== before.id);
    expect(after?.eapUser).toBe('alice');
    expect(after?.virtualIp ?? n.b.list().find((s) => s.state === 'established')?.virtualIp).toBeDefined();
    expect(n.installs('b')).toHaveLength(1); // CHILD_SAs move, nothing reinstalled
  });
});
