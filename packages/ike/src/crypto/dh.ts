// Diffie-Hellman for every group in the schema's DH_GROUPS: MODP (RFC 2409/3526) via node's built-in primes,
// ECP (RFC 5903: public value x|y, shared secret x) and Curve25519 (RFC 8031). Private keys come from the
// injected RandomSource, so runs are reproducible. Peer public values are validated (RFC 7296 5, RFC 6989).
import {
  createDiffieHellman,
  createECDH,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  getDiffieHellman,
  type KeyObject,
} from 'node:crypto';
import { DH_GROUPS, err, ok, type DhGroupName, type Result } from '@ipsec/schema';
import { concat, isZero } from '../util/bytes.ts';
import type { RandomSource } from './random.ts';

export interface DhKeyPair {
  readonly group: DhGroupName;
  readonly id: number;
  /** The Key Exchange Data for the KE payload. */
  readonly publicValue: Uint8Array;
  /** The shared secret g^ir, or why the peer value is invalid. */
  computeSecret(peer: Uint8Array): Result<Uint8Array>;
}

export interface DhGroupImpl {
  name: DhGroupName;
  id: number;
  /** Length of a valid public value (and of the shared secret for MODP). */
  publicLength: number;
  generate(random: RandomSource): DhKeyPair;
  /** Build from a fixed private value (known-answer tests). */
  fromPrivate(priv: Uint8Array): DhKeyPair;
}

const MODP_NODE: Partial<Record<DhGroupName, string>> = {
  modp768: 'modp1',
  modp1024: 'modp2',
  modp1536: 'modp5',
  modp2048: 'modp14',
  modp3072: 'modp15',
  modp4096: 'modp16',
  modp6144: 'modp17',
  modp8192: 'modp18',
};

/** Private exponent sizes: twice the group's estimated strength (RFC 3526 section 8), in bytes. */
const MODP_EXP_BYTES: Record<number, number> = {
  768: 32,
  1024: 32,
  1536: 32,
  2048: 40,
  3072: 48,
  4096: 56,
  6144: 64,
  8192: 80,
};

const ECP_CURVE: Partial<Record<DhGroupName, { curve: string; len: number }>> = {
  ecp256: { curve: 'prime256v1', len: 32 },
  ecp384: { curve: 'secp384r1', len: 48 },
  ecp521: { curve: 'secp521r1', len: 66 },
};

function pad(b: Uint8Array, len: number): Uint8Array {
  return b.length >= len ? b : concat(new Uint8Array(len - b.length), b);
}

function toBig(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + Buffer.from(b).toString('hex'));
}

function modp(name: DhGroupName, id: number, bits: number, nodeName: string): DhGroupImpl {
  const ref = getDiffieHellman(nodeName);
  const prime = ref.getPrime();
  const gen = ref.getGenerator();
  const len = prime.length;
  const p = toBig(prime);
  const make = (priv: Uint8Array): DhKeyPair => {
    const dh = createDiffieHellman(prime, gen);
    dh.setPrivateKey(Buffer.from(priv));
    const pub = pad(new Uint8Array(dh.generateKeys()), len);
    return {
      group: name,
      id,
      publicValue: pub,
      computeSecret(peer) {
        if (peer.length !== len) return err(`MODP public value must be ${len} bytes, got ${peer.length}`);
        const y = toBig(peer);
        if (y <= 1n || y >= p - 1n) return err('MODP public value out of range (1 < y < p-1)');
        try {
          return ok(pad(new Uint8Array(dh.computeSecret(Buffer.from(peer))), len));
        } catch (e) {
          return err(`MODP: ${(e as Error).message}`);
        }
      },
    };
  };
  const expBytes = MODP_EXP_BYTES[bits] ?? len - 1;
  return {
    name,
    id,
    publicLength: len,
    fromPrivate: make,
    generate(random) {
      const priv = random(expBytes);
      if (isZero(priv)) priv[priv.length - 1] = 1;
      return make(priv);
    },
  };
}

function ecp(name: DhGroupName, id: number, curve: string, len: number): DhGroupImpl {
  const make = (priv: Uint8Array): DhKeyPair => {
    const ec = createECDH(curve);
    ec.setPrivateKey(Buffer.from(priv));
    const pub = new Uint8Array(ec.getPublicKey()).slice(1); // drop the 0x04 uncompressed marker
    return {
      group: name,
      id,
      publicValue: pub,
      computeSecret(peer) {
        if (peer.length !== 2 * len) return err(`ECP public value must be ${2 * len} bytes, got ${peer.length}`);
        try {
          // computeSecret rejects points that are not on the curve.
          return ok(pad(new Uint8Array(ec.computeSecret(Buffer.from(concat(new Uint8Array([4]), peer)))), len));
        } catch (e) {
          return err(`ECP: ${(e as Error).message}`);
        }
      },
    };
  };
  return {
    name,
    id,
    publicLength: 2 * len,
    fromPrivate: make,
    generate(random) {
      for (let i = 0; i < 64; i++) {
        const priv = random(len);
        if (len === 66) priv[0] = (priv[0] as number) & 0x01;
        try {
          return make(priv);
        } catch {
          // scalar out of range: draw again
        }
      }
      throw new Error('random source keeps producing invalid EC scalars');
    },
  };
}

const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');

function x25519(name: DhGroupName, id: number): DhGroupImpl {
  const make = (priv: Uint8Array): DhKeyPair => {
    const privateKey: KeyObject = createPrivateKey({
      key: Buffer.concat([X25519_PKCS8, Buffer.from(priv)]),
      format: 'der',
      type: 'pkcs8',
    });
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
    const pub = new Uint8Array(Buffer.from(jwk.x as string, 'base64url'));
    return {
      group: name,
      id,
      publicValue: pub,
      computeSecret(peer) {
        if (peer.length !== 32) return err(`Curve25519 public value must be 32 bytes, got ${peer.length}`);
        try {
          const publicKey = createPublicKey({
            key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(peer).toString('base64url') },
            format: 'jwk',
          });
          const secret = new Uint8Array(diffieHellman({ privateKey, publicKey }));
          if (isZero(secret)) return err('Curve25519 shared secret is all zero');
          return ok(secret);
        } catch (e) {
          return err(`Curve25519: ${(e as Error).message}`);
        }
      },
    };
  };
  return { name, id, publicLength: 32, fromPrivate: make, generate: (random) => make(random(32)) };
}

export const DH_IMPLS: readonly DhGroupImpl[] = DH_GROUPS.map((g): DhGroupImpl => {
  if (g.kind === 'modp') return modp(g.name, g.iana, g.bits, MODP_NODE[g.name] as string);
  if (g.kind === 'ecp') {
    const c = ECP_CURVE[g.name];
    if (!c) throw new Error(`no curve for ${g.name}`);
    return ecp(g.name, g.iana, c.curve, c.len);
  }
  return x25519(g.name, g.iana);
});

export function dhById(id: number): DhGroupImpl | undefined {
  return DH_IMPLS.find((g) => g.id === id);
}

export function dhByName(name: string): DhGroupImpl | undefined {
  return DH_IMPLS.find((g) => g.name === name);
}
