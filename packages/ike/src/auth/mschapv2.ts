// MS-CHAPv2 (RFC 2759 section 8) and its MPPE master keys (RFC 3079 section 3), as EAP-MSCHAPv2 uses them
// (draft-kamath-pppext-eap-mschapv2): the NT-Response check, the authenticator response ("S=...") and the MSK
// (MasterReceiveKey | MasterSendKey | 32 zero octets, the layout Windows and strongSwan use).
// MD4 and DES-ECB are not in the default provider of Node's OpenSSL 3: js-md4 (its pure JS path) and des.js.
// The triple-slash reference is on purpose: the agent's and e2e's typecheck reach this file through imports, not
// through this package's include.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- see the comment above
/// <reference path="./legacy-crypto.d.ts" />
import { createHash } from 'node:crypto';
import md4 from 'js-md4';
import des from 'des.js';
import { concat, utf8 } from '../util/bytes.ts';

const sha1 = (...parts: Uint8Array[]): Uint8Array =>
  new Uint8Array(
    createHash('sha1')
      .update(concat(...parts))
      .digest(),
  );

export function md4Digest(data: Uint8Array): Uint8Array {
  return new Uint8Array(md4.arrayBuffer(data));
}

/** NtPasswordHash: MD4 of the password in UTF-16LE (RFC 2759 8.3). */
export function ntPasswordHash(password: string): Uint8Array {
  return md4Digest(new Uint8Array(Buffer.from(password, 'utf16le')));
}

/** The user name without a "DOMAIN\" prefix, as ChallengeHash takes it (RFC 2759 8.2). */
export function userNameOnly(name: string): string {
  const i = name.indexOf('\\');
  return i < 0 ? name : name.slice(i + 1);
}

/** ChallengeHash: first 8 octets of SHA-1(PeerChallenge | AuthenticatorChallenge | UserName) (RFC 2759 8.2). */
export function challengeHash(peerChallenge: Uint8Array, authChallenge: Uint8Array, userName: string): Uint8Array {
  return sha1(peerChallenge, authChallenge, utf8(userNameOnly(userName))).subarray(0, 8);
}

/** 7 key octets -> 8 octet DES key, one parity bit (odd) per octet (RFC 2759 8.6). */
function desKey(k7: Uint8Array): Uint8Array {
  let bits = 0n;
  for (const b of k7) bits = (bits << 8n) | BigInt(b);
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) {
    const v = Number((bits >> BigInt(49 - 7 * i)) & 0x7fn) << 1;
    let ones = 0;
    for (let x = v; x; x >>= 1) ones += x & 1;
    out[i] = v | (ones % 2 === 0 ? 1 : 0);
  }
  return out;
}

function desEncrypt(k7: Uint8Array, block: Uint8Array): Uint8Array {
  const c = des.DES.create({ type: 'encrypt', key: Array.from(desKey(k7)), padding: false });
  return new Uint8Array([...c.update(Array.from(block)), ...c.final()]);
}

/** ChallengeResponse: the 8-octet challenge DES-encrypted under the zero-padded 21-octet hash, 3 keys (RFC 2759 8.5). */
export function challengeResponse(challenge: Uint8Array, passwordHash: Uint8Array): Uint8Array {
  const z = new Uint8Array(21);
  z.set(passwordHash);
  return concat(
    desEncrypt(z.subarray(0, 7), challenge),
    desEncrypt(z.subarray(7, 14), challenge),
    desEncrypt(z.subarray(14, 21), challenge),
  );
}

/** GenerateNTResponse (RFC 2759 8.1). */
export function ntResponse(
  authChallenge: Uint8Array,
  peerChallenge: Uint8Array,
  userName: string,
  passwordHash: Uint8Array,
): Uint8Array {
  return challengeResponse(challengeHash(peerChallenge, authChallenge, userName), passwordHash);
}

const MAGIC_S1 = utf8('Magic server to client signing constant');
const MAGIC_S2 = utf8('Pad to make it do more than one iteration');

/** GenerateAuthenticatorResponse: "S=" and 40 upper-case hex digits (RFC 2759 8.7). */
export function authenticatorResponse(
  passwordHash: Uint8Array,
  ntResp: Uint8Array,
  peerChallenge: Uint8Array,
  authChallenge: Uint8Array,
  userName: string,
): string {
  const digest = sha1(md4Digest(passwordHash), ntResp, MAGIC_S1);
  const out = sha1(digest, challengeHash(peerChallenge, authChallenge, userName), MAGIC_S2);
  return `S=${Buffer.from(out).toString('hex').toUpperCase()}`;
}

const MAGIC_MASTER = utf8('This is the MPPE Master Key');
const MAGIC_CLIENT_SEND = utf8('On the client side, this is the send key; on the server side, it is the receive key.');
const MAGIC_CLIENT_RECEIVE = utf8(
  'On the client side, this is the receive key; on the server side, it is the send key.',
);
const SHS_PAD1 = new Uint8Array(40);
const SHS_PAD2 = new Uint8Array(40).fill(0xf2);

/** GetMasterKey (RFC 3079 3.4): 16 octets. */
export function masterKey(passwordHash: Uint8Array, ntResp: Uint8Array): Uint8Array {
  return sha1(md4Digest(passwordHash), ntResp, MAGIC_MASTER).subarray(0, 16);
}

/** GetAsymmetricStartKey (RFC 3079 3.4), 16 octets: the send or receive key of the client or the server. */
export function asymmetricStartKey(master: Uint8Array, isSend: boolean, isServer: boolean): Uint8Array {
  const magic = isSend === isServer ? MAGIC_CLIENT_RECEIVE : MAGIC_CLIENT_SEND;
  return sha1(master, SHS_PAD1, magic, SHS_PAD2).subarray(0, 16);
}

/** EAP-MSCHAPv2 MSK, 64 octets: MasterReceiveKey | MasterSendKey (the server's) | 32 zero octets. */
export function mschapv2Msk(passwordHash: Uint8Array, ntResp: Uint8Array): Uint8Array {
  const m = masterKey(passwordHash, ntResp);
  return concat(asymmetricStartKey(m, false, true), asymmetricStartKey(m, true, true), new Uint8Array(32));
}
