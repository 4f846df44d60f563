// EAP (RFC 3748) with EAP-MSCHAPv2 (draft-kamath-pppext-eap-mschapv2) as carried in IKE_AUTH (RFC 7296 2.16):
// the server (authenticator) and peer conversations as plain state + step functions, no IKE in here.
// Server: optional EAP-Identity round, Challenge -> Response (NT-Response checked against the user's password)
// -> Success request ("S=<authenticator response> M=...") -> the peer's Success response -> EAP-Success, with
// the MSK for the IKE AUTH payloads. A wrong password ends in EAP-Failure at once (no MS-CHAPv2 retry: strongSwan
// and Windows peers do not answer a Failure request). Reasons are for the log and never carry a password.
import { PayloadType } from '../codec/constants.ts';
import type { EapPayload } from '../codec/payloads/eap.ts';
import type { RandomSource } from '../crypto/random.ts';
import { concat, equal, utf8 } from '../util/bytes.ts';
import { authenticatorResponse, mschapv2Msk, ntPasswordHash, ntResponse, userNameOnly } from './mschapv2.ts';

export const EapCode = { REQUEST: 1, RESPONSE: 2, SUCCESS: 3, FAILURE: 4 } as const;
export const EapType = { IDENTITY: 1, NOTIFICATION: 2, NAK: 3, MD5: 4, TLS: 13, MSCHAPV2: 26 } as const;
export const MsChapOp = { CHALLENGE: 1, RESPONSE: 2, SUCCESS: 3, FAILURE: 4, CHANGE_PASSWORD: 7 } as const;

/** An entry of /ip/ipsec/user: EAP (and XAuth) users checked locally. */
export interface EapUser {
  name: string;
  password?: string;
  /** Mode config address for this user instead of the pool's. */
  address?: string;
  disabled?: boolean;
}

/** Name we send in the MS-CHAPv2 Challenge (the peer shows it at most). */
const SERVER_NAME = 'ipsec';
const SUCCESS_TEXT = 'M=Welcome';
const RESPONSE_VALUE_SIZE = 49;

function packet(code: number, identifier: number, data: Uint8Array = new Uint8Array(0)): EapPayload {
  return { type: PayloadType.EAP, code, identifier, data };
}

/** EAP type data of an MS-CHAPv2 packet: type 26, OpCode, MS-CHAPv2-ID, MS-Length (= EAP Length - 5), body. */
function mschap(op: number, msId: number, body: Uint8Array): Uint8Array {
  const msLength = 4 + body.length;
  return concat(new Uint8Array([EapType.MSCHAPV2, op, msId & 0xff, msLength >> 8, msLength & 0xff]), body);
}

/** OpCode, MS-CHAPv2-ID and body of an MS-CHAPv2 packet (short Success/Failure responses: OpCode only). */
export function parseMschap(p: EapPayload): { op: number; msId: number; body: Uint8Array } | undefined {
  const d = p.data;
  if (d[0] !== EapType.MSCHAPV2 || d.length < 2) return undefined;
  if (d.length < 5) return { op: d[1] as number, msId: -1, body: new Uint8Array(0) };
  return { op: d[1] as number, msId: d[2] as number, body: d.subarray(5) };
}

function describe(p: EapPayload): string {
  const names: Record<number, string> = { 1: 'Request', 2: 'Response', 3: 'Success', 4: 'Failure' };
  return `EAP ${names[p.code] ?? p.code}${p.data.length ? ` type ${p.data[0]}` : ''}`;
}

/** The enabled user of that name; "DOMAIN\user" also finds "user". */
export function findUser(users: readonly EapUser[] | undefined, name: string): EapUser | undefined {
  const all = users ?? [];
  return all.find((u) => u.name === name) ?? all.find((u) => u.name === userNameOnly(name));
}

// ------------------------------------------------------------------------------------------ server

export interface EapServerState {
  /**
   * What we wait for, with what that step needs: the Identity response, the MS-CHAPv2 Response to our challenge,
   * the peer's Success response (the user is authenticated, the MSK known), nothing.
   */
  wait:
    | { stage: 'identity' }
    | { stage: 'response'; challenge: Uint8Array }
    | { stage: 'success'; user: EapUser; msk: Uint8Array }
    | { stage: 'done' };
  /** Identifier of our outstanding request; the response must carry it. */
  identifier: number;
  /** EAP-Identity the peer gave (or its IKE ID when we started MS-CHAPv2 directly). */
  identity?: string;
}

export type EapServerStep =
  | { type: 'continue'; reply: EapPayload }
  | { type: 'success'; reply: EapPayload; user: EapUser; msk: Uint8Array }
  | { type: 'failure'; reply: EapPayload; reason: string };

function challengeRequest(st: EapServerState, random: RandomSource): EapPayload {
  const challenge = random(16);
  st.wait = { stage: 'response', challenge };
  return packet(
    EapCode.REQUEST,
    st.identifier,
    mschap(MsChapOp.CHALLENGE, st.identifier, concat(new Uint8Array([16]), challenge, utf8(SERVER_NAME))),
  );
}

/**
 * First EAP request: MS-CHAPv2 Challenge right away when `knownName` (the peer's IKE ID as text) is an enabled
 * user, as clients whose IDi is their user name expect; otherwise an EAP-Identity request.
 */
export function eapServerStart(
  random: RandomSource,
  users: readonly EapUser[] | undefined,
  knownName: string | undefined,
): { state: EapServerState; reply: EapPayload } {
  const state: EapServerState = { wait: { stage: 'identity' }, identifier: random(1)[0] as number };
  const known = knownName !== undefined ? findUser(users, knownName) : undefined;
  if (known && !known.disabled) {
    state.identity = knownName;
    return { state, reply: challengeRequest(state, random) };
  }
  return { state, reply: packet(EapCode.REQUEST, state.identifier, new Uint8Array([EapType.IDENTITY])) };
}

export function eapServerProcess(
  st: EapServerState,
  msg: EapPayload,
  users: readonly EapUser[] | undefined,
  random: RandomSource,
): EapServerStep {
  const fail = (reason: string): EapServerStep => {
    st.wait = { stage: 'done' };
    return { type: 'failure', reply: packet(EapCode.FAILURE, msg.identifier), reason };
  };
  if (msg.code !== EapCode.RESPONSE) return fail(`peer sent ${describe(msg)} where a Response belongs`);
  if (msg.identifier !== st.identifier)
    return fail(`EAP Response with identifier ${msg.identifier}, expected ${st.identifier}`);
  const type = msg.data[0];
  if (type === EapType.NAK)
    return fail(
      `peer declined EAP-MSCHAPv2 (Nak, it proposes type${msg.data.length > 2 ? 's' : ''} ` +
        `${Array.from(msg.data.subarray(1)).join(', ') || 'none'})`,
    );
  st.identifier = (st.identifier + 1) & 0xff;
  const wait = st.wait;
  switch (wait.stage) {
    case 'identity': {
      if (type !== EapType.IDENTITY) return fail(`expected an EAP-Identity response, got ${describe(msg)}`);
      st.identity = Buffer.from(msg.data.subarray(1)).toString('utf8');
      return { type: 'continue', reply: challengeRequest(st, random) };
    }
    case 'response': {
      const m = parseMschap(msg);
      if (!m || m.op !== MsChapOp.RESPONSE)
        return fail(`expected an MS-CHAPv2 Response, got ${describe(msg)}${m ? ` OpCode ${m.op}` : ''}`);
      if (m.body.length < 1 + RESPONSE_VALUE_SIZE || m.body[0] !== RESPONSE_VALUE_SIZE)
        return fail('malformed MS-CHAPv2 Response');
      const peerChallenge = m.body.subarray(1, 17);
      const nt = m.body.subarray(25, 49);
      const name = Buffer.from(m.body.subarray(1 + RESPONSE_VALUE_SIZE)).toString('utf8');
      const user = findUser(users, name);
      // Unknown users cost the same work as known ones.
      const hash = user ? ntPasswordHash(user.password ?? '') : random(16);
      const expected = ntResponse(wait.challenge, peerChallenge, name, hash);
      if (!user) return fail(`EAP-MSCHAPv2: user '${name}' is not in IPsec Users`);
      if (user.disabled) return fail(`EAP-MSCHAPv2: user '${name}' is disabled`);
      if (!equal(expected, nt)) return fail(`EAP-MSCHAPv2: wrong password for user '${name}'`);
      st.wait = { stage: 'success', user, msk: mschapv2Msk(hash, nt) };
      const text = `${authenticatorResponse(hash, nt, peerChallenge, wait.challenge, name)} ${SUCCESS_TEXT}`;
      return {
        type: 'continue',
        reply: packet(EapCode.REQUEST, st.identifier, mschap(MsChapOp.SUCCESS, m.msId, utf8(text))),
      };
    }
    case 'success': {
      const m = parseMschap(msg);
      if (!m || m.op !== MsChapOp.SUCCESS)
        return fail(`peer did not accept our MS-CHAPv2 Success (${describe(msg)}${m ? ` OpCode ${m.op}` : ''})`);
      st.wait = { stage: 'done' };
      return { type: 'success', reply: packet(EapCode.SUCCESS, msg.identifier), user: wait.user, msk: wait.msk };
    }
    default:
      return fail(`unexpected ${describe(msg)} after the EAP conversation ended`);
  }
}

// ------------------------------------------------------------------------------------------ peer (client)

export interface EapClientState {
  /** User name for EAP-Identity and MS-CHAPv2. */
  username: string;
  /** The authenticator response we expect in the server's Success request, and the MSK it unlocks. */
  expect?: string;
  msk?: Uint8Array;
  /** The MS-CHAPv2 part succeeded (we answered the Success request). */
  succeeded?: boolean;
}

export type EapClientStep =
  | { type: 'continue'; reply: EapPayload }
  | { type: 'success'; msk: Uint8Array }
  | { type: 'failure'; reason: string; reply?: EapPayload };

export function eapClientProcess(
  st: EapClientState,
  password: string,
  msg: EapPayload,
  random: RandomSource,
): EapClientStep {
  if (msg.code === EapCode.SUCCESS)
    return st.succeeded && st.msk
      ? { type: 'success', msk: st.msk }
      : { type: 'failure', reason: 'EAP-Success before MS-CHAPv2 completed' };
  if (msg.code === EapCode.FAILURE)
    return { type: 'failure', reason: 'server sent EAP-Failure (user name or password refused)' };
  if (msg.code !== EapCode.REQUEST) return { type: 'failure', reason: `unexpected ${describe(msg)}` };
  const reply = (data: Uint8Array): EapClientStep => ({
    type: 'continue',
    reply: packet(EapCode.RESPONSE, msg.identifier, data),
  });
  const type = msg.data[0];
  if (type === EapType.IDENTITY) return reply(concat(new Uint8Array([EapType.IDENTITY]), utf8(st.username)));
  if (type === EapType.NOTIFICATION) return reply(new Uint8Array([EapType.NOTIFICATION]));
  if (type !== EapType.MSCHAPV2) return reply(new Uint8Array([EapType.NAK, EapType.MSCHAPV2]));
  const m = parseMschap(msg);
  if (!m) return { type: 'failure', reason: 'malformed MS-CHAPv2 request' };
  if (m.op === MsChapOp.CHALLENGE) {
    if (m.body[0] !== 16 || m.body.length < 17) return { type: 'failure', reason: 'malformed MS-CHAPv2 Challenge' };
    const challenge = m.body.subarray(1, 17);
    const peerChallenge = random(16);
    const hash = ntPasswordHash(password);
    const nt = ntResponse(challenge, peerChallenge, st.username, hash);
    st.expect = authenticatorResponse(hash, nt, peerChallenge, challenge, st.username);
    st.msk = mschapv2Msk(hash, nt);
    const value = concat(peerChallenge, new Uint8Array(8), nt, new Uint8Array([0]));
    return reply(
      mschap(MsChapOp.RESPONSE, m.msId, concat(new Uint8Array([RESPONSE_VALUE_SIZE]), value, utf8(st.username))),
    );
  }
  if (m.op === MsChapOp.SUCCESS) {
    const text = Buffer.from(m.body).toString('utf8');
    const s = text.split(' ').find((t) => t.startsWith('S='));
    if (!st.expect || !s || s.toUpperCase() !== st.expect)
      return { type: 'failure', reason: "the server's MS-CHAPv2 authenticator response does not verify" };
    st.succeeded = true;
    return reply(new Uint8Array([EapType.MSCHAPV2, MsChapOp.SUCCESS]));
  }
  if (m.op === MsChapOp.FAILURE) {
    const text = Buffer.from(m.body).toString('utf8');
    const e = /E=(\d+)/.exec(text)?.[1];
    return {
      type: 'failure',
      reason: `server refused MS-CHAPv2${e ? ` (error ${e})` : ''}`,
      reply: packet(EapCode.RESPONSE, msg.identifier, new Uint8Array([EapType.MSCHAPV2, MsChapOp.FAILURE])),
    };
  }
  return { type: 'failure', reason: `unsupported MS-CHAPv2 OpCode ${m.op}` };
}
