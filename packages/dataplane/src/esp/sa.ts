// ESP (RFC 4303) for one SA: encapsulate / decapsulate the ESP payload (SPI .. ICV).
// Ciphers: AES-GCM (RFC 4106), AES-CBC and 3DES-CBC + HMAC (RFC 3602 / 2451 / 2404 / 4868), AES-CTR + HMAC (RFC 3686),
// ChaCha20-Poly1305 (RFC 7634), NULL + HMAC (RFC 2410). All through node:crypto (OpenSSL).
//
// Allocations: node:crypto has no "update into this buffer" API, so each packet costs a cipher/decipher object and
// the update() output buffer; the AAD / nonce / IV scratch buffers and the output packet layout are reused or written
// in place. The decapsulated payload is a view into the decrypted buffer (no extra copy).
import { createCipheriv, createDecipheriv, createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';
import { HASHES, type EspCipherName, type HashName, type StatCounter } from '@ipsec/schema';
import { checkEncKey, kernelCipher } from '../algorithms.ts';
import type { SaSpec } from '../types.ts';
import { ReplayWindow } from './replay.ts';

export type EspSaParams = Pick<
  SaSpec,
  'spi' | 'encAlgorithm' | 'encKey' | 'integAlgorithm' | 'integKey' | 'esn' | 'replayWindow'
>;

type Kind = 'gcm' | 'chacha' | 'cbc' | 'ctr' | 'null';

export type DecapResult =
  /** `sa`: the SA that verified the packet (EspInbound picks it by SPI). */
  | { ok: true; nextHeader: number; payload: Buffer; seqHi: number; seqLo: number; sa: EspSa }
  | { ok: false; counter: StatCounter; reason: string };

export type EncapResult = { ok: true; packet: Buffer } | { ok: false; counter: StatCounter; reason: string };

const TWO32 = 0x1_0000_0000;

/**
 * How userspace ESP runs each cipher it implements, in one place: the mode, node's cipher name, the IV each packet
 * carries and the padding block (RFC 4303 2.4: 4 bytes for counter and AEAD modes; the cipher's block for CBC,
 * AES 16 and 3DES 8 per RFC 3602 / 2451).
 */
function implementationOf(name: EspCipherName): { kind: Kind; node: string; ivBytes: number; block: number } {
  if (name.endsWith('-gcm')) return { kind: 'gcm', node: name, ivBytes: 8, block: 4 };
  if (name === 'chacha20poly1305') return { kind: 'chacha', node: 'chacha20-poly1305', ivBytes: 8, block: 4 };
  if (name.startsWith('aes-') && name.endsWith('-cbc')) return { kind: 'cbc', node: name, ivBytes: 16, block: 16 };
  if (name === '3des') return { kind: 'cbc', node: 'des-ede3-cbc', ivBytes: 8, block: 8 };
  if (name.endsWith('-ctr')) return { kind: 'ctr', node: name, ivBytes: 8, block: 4 };
  if (name === 'null') return { kind: 'null', node: name, ivBytes: 0, block: 4 };
  throw new Error(`userspace ESP does not implement ${name}`);
}

export class EspSa {
  readonly spi: number;
  readonly esn: boolean;
  readonly kind: Kind;
  readonly aead: boolean;
  /** Explicit IV bytes carried in each packet. */
  readonly ivBytes: number;
  /** Ciphertext alignment (payload + 2 trailer bytes is padded to it; at least 4, RFC 4303 2.4). */
  readonly block: number;
  readonly icvBytes: number;
  readonly replay: ReplayWindow;
  /** Per-SA counters (SaCounters' packet fields): bytes are payload bytes (the inner packet in tunnel mode), not ESP overhead. */
  readonly counters = { bytes: 0, packets: 0, replayDropped: 0, integrityFailed: 0 };
  private readonly nodeCipher: string;
  private readonly key: Buffer;
  private readonly salt: Buffer;
  private readonly hash?: HashName;
  private readonly integKey?: Buffer;
  /** Next outbound sequence number (64-bit as hi/lo). */
  private seqHi = 0;
  private seqLo = 0;
  // Scratch buffers reused for every packet.
  private readonly nonce = Buffer.alloc(12);
  private readonly ctrIv = Buffer.alloc(16);
  private readonly aad = Buffer.alloc(12);
  private readonly seqHiBuf = Buffer.alloc(4);

  constructor(p: EspSaParams) {
    this.spi = p.spi >>> 0;
    this.esn = p.esn;
    const impl = implementationOf(p.encAlgorithm);
    this.kind = impl.kind;
    this.nodeCipher = impl.node;
    this.ivBytes = impl.ivBytes;
    this.block = impl.block;
    checkEncKey(p.encAlgorithm, p.encKey);
    const kc = kernelCipher(p.encAlgorithm);
    this.key = Buffer.from(p.encKey.subarray(0, kc.keyBytes));
    this.salt = Buffer.from(p.encKey.subarray(kc.keyBytes));
    this.aead = kc.aead;
    if (this.aead) {
      this.icvBytes = (kc.icvBits ?? 128) / 8;
      if (p.integAlgorithm) throw new Error(`${p.encAlgorithm} is AEAD: no integrity algorithm`);
    } else {
      if (!p.integAlgorithm || !p.integKey) throw new Error(`${p.encAlgorithm} needs an integrity algorithm and key`);
      const h = HASHES.find((x) => x.name === p.integAlgorithm);
      if (!h) throw new Error(`unknown hash ${p.integAlgorithm}`);
      this.hash = p.integAlgorithm;
      this.icvBytes = h.icvBytes;
      this.integKey = Buffer.from(p.integKey);
    }
    if (this.kind === 'gcm' || this.kind === 'chacha' || this.kind === 'ctr') this.salt.copy(this.nonce, 0);
    if (this.kind === 'ctr') {
      this.salt.copy(this.ctrIv, 0);
      this.ctrIv.writeUInt32BE(1, 12); // RFC 3686: block counter starts at 1
    }
    this.replay = new ReplayWindow(p.replayWindow, p.esn);
  }

  /** Sequence number the next encapsulate() uses (for tests and counters). */
  get nextSeq(): number {
    return this.seqHi * TWO32 + this.seqLo + 1;
  }

  /** Set the last-sent sequence number (tests; resuming an SA). */
  setSeq(hi: number, lo: number): void {
    this.seqHi = hi;
    this.seqLo = lo >>> 0;
  }

  /** Bytes encapsulate() adds to a payload of `len` bytes. */
  overhead(len: number): number {
    return this.layout(len).total - len;
  }

  private layout(len: number): { padLen: number; ctLen: number; total: number } {
    const padLen = (this.block - ((len + 2) % this.block)) % this.block;
    const ctLen = len + padLen + 2;
    return { padLen, ctLen, total: 8 + this.ivBytes + ctLen + this.icvBytes };
  }

  /**
   * ESP-protect `payload` (an inner IP packet in tunnel mode, the upper-layer data in transport mode).
   * `iv` fixes the explicit IV (known-answer tests only: never reuse an IV with GCM/ChaCha/CTR).
   */
  encapsulate(payload: Uint8Array, nextHeader: number, iv?: Uint8Array): EncapResult {
    // Next sequence number; without ESN the 32-bit counter must not cycle (RFC 4303 3.3.3): rekey first.
    let hi = this.seqHi;
    let lo = this.seqLo + 1;
    if (lo >= TWO32) {
      if (!this.esn) return { ok: false, counter: 'out-state-sequence-errors', reason: 'sequence number overflow' };
      lo = 0;
      hi++;
      if (hi >= TWO32) return { ok: false, counter: 'out-state-sequence-errors', reason: 'sequence number overflow' };
    }
    this.seqHi = hi;
    this.seqLo = lo;

    const { padLen, ctLen, total } = this.layout(payload.length);
    const out = Buffer.allocUnsafe(total);
    out.writeUInt32BE(this.spi, 0);
    out.writeUInt32BE(lo, 4);
    const ivOff = 8;
    const ctOff = ivOff + this.ivBytes;
    // Plaintext laid out in place: payload, padding 1, 2, 3... (RFC 4303 2.4), pad length, next header.
    out.set(payload, ctOff);
    let o = ctOff + payload.length;
    for (let i = 1; i <= padLen; i++) out[o++] = i;
    out[o++] = padLen;
    out[o] = nextHeader;
    const pt = out.subarray(ctOff, ctOff + ctLen);

    if (this.ivBytes) {
      if (iv) {
        if (iv.length !== this.ivBytes) throw new Error(`IV must be ${this.ivBytes} bytes`);
        out.set(iv, ivOff);
      } else if (this.kind === 'cbc')
        randomFillSync(out, ivOff, this.ivBytes); // CBC: unpredictable IV (RFC 3602 2.3)
      else {
        // GCM / ChaCha / CTR: the IV only has to be unique per key; the 64-bit sequence number is (RFC 4106 3.1).
        out.writeUInt32BE(hi, ivOff);
        out.writeUInt32BE(lo, ivOff + 4);
      }
    }
    const ivv = out.subarray(ivOff, ctOff);

    if (this.aead) {
      out.copy(this.nonce, 4, ivOff, ctOff);
      const aad = this.aadFor(hi, lo);
      const c = createCipheriv(this.nodeCipher as 'aes-128-gcm', this.key, this.nonce, {
        authTagLength: this.icvBytes,
      });
      c.setAAD(aad, { plaintextLength: ctLen });
      const ct = c.update(pt);
      c.final();
      ct.copy(out, ctOff);
      c.getAuthTag().copy(out, ctOff + ctLen);
      this.counters.packets++;
      this.counters.bytes += payload.length;
      return { ok: true, packet: out };
    }
    if (this.kind === 'cbc') {
      const c = createCipheriv(this.nodeCipher, this.key, ivv);
      c.setAutoPadding(false);
      const ct = c.update(pt);
      c.final();
      ct.copy(out, ctOff);
    } else if (this.kind === 'ctr') {
      out.copy(this.ctrIv, 4, ivOff, ctOff);
      const c = createCipheriv(this.nodeCipher, this.key, this.ctrIv);
      c.update(pt).copy(out, ctOff);
      c.final();
    }
    this.icv(out.subarray(0, ctOff + ctLen), hi).copy(out, ctOff + ctLen, 0, this.icvBytes);
    this.counters.packets++;
    this.counters.bytes += payload.length;
    return { ok: true, packet: out };
  }

  /**
   * Verify and decrypt one ESP packet (SPI .. ICV). The SPI is assumed to be this SA's (EspInbound demultiplexes).
   * Never throws on malformed input. On success the replay window has recorded the packet.
   */
  decapsulate(pkt: Uint8Array): DecapResult {
    const b = Buffer.isBuffer(pkt) ? pkt : Buffer.from(pkt.buffer, pkt.byteOffset, pkt.byteLength);
    const ctOff = 8 + this.ivBytes;
    const ctLen = b.length - ctOff - this.icvBytes;
    if (ctLen < 2 || ctLen % this.block !== 0)
      return { ok: false, counter: 'in-state-protocol-errors', reason: 'bad length' };
    const lo = b.readUInt32BE(4);
    const verdict = this.replay.check(lo);
    if (verdict !== 'ok') {
      this.counters.replayDropped++;
      return { ok: false, counter: 'in-state-sequence-errors', reason: `replay: ${verdict}` };
    }
    const hi = this.replay.hi;
    const ct = b.subarray(ctOff, ctOff + ctLen);
    const tag = b.subarray(ctOff + ctLen);
    let pt: Buffer;
    try {
      if (this.aead) {
        b.copy(this.nonce, 4, 8, ctOff);
        const d = createDecipheriv(this.nodeCipher as 'aes-128-gcm', this.key, this.nonce, {
          authTagLength: this.icvBytes,
        });
        d.setAAD(this.aadFor(hi, lo), { plaintextLength: ctLen });
        d.setAuthTag(tag);
        pt = d.update(ct);
        d.final(); // throws on a bad tag
      } else {
        const want = this.icv(b.subarray(0, ctOff + ctLen), hi);
        if (!timingSafeEqual(want.subarray(0, this.icvBytes), tag)) {
          this.counters.integrityFailed++;
          return { ok: false, counter: 'in-state-protocol-errors', reason: 'ICV mismatch' };
        }
        if (this.kind === 'cbc') {
          const d = createDecipheriv(this.nodeCipher, this.key, b.subarray(8, ctOff));
          d.setAutoPadding(false);
          pt = d.update(ct);
          d.final();
        } else if (this.kind === 'ctr') {
          b.copy(this.ctrIv, 4, 8, ctOff);
          const d = createDecipheriv(this.nodeCipher, this.key, this.ctrIv);
          pt = d.update(ct);
          d.final();
        } else pt = Buffer.from(ct); // null: copy so the caller may reuse the receive buffer
      }
    } catch {
      this.counters.integrityFailed++;
      return { ok: false, counter: 'in-state-protocol-errors', reason: 'ICV mismatch' };
    }
    const padLen = pt[ctLen - 2]!;
    const nextHeader = pt[ctLen - 1]!;
    if (padLen > ctLen - 2) return { ok: false, counter: 'in-state-protocol-errors', reason: 'bad pad length' };
    // The ICV is valid: the packet is authentic, record it even if its padding is odd (RFC 4303 3.4.3).
    this.replay.update(hi, lo);
    const end = ctLen - 2 - padLen;
    for (let i = 0; i < padLen; i++)
      if (pt[end + i] !== i + 1) return { ok: false, counter: 'in-state-protocol-errors', reason: 'bad padding' };
    this.counters.packets++;
    this.counters.bytes += end;
    return { ok: true, nextHeader, payload: pt.subarray(0, end), seqHi: hi, seqLo: lo, sa: this };
  }

  /** AAD for GCM/ChaCha: SPI | seq, or SPI | seq-hi | seq-lo with ESN (RFC 4106 5, RFC 7634 2.1). */
  private aadFor(hi: number, lo: number): Buffer {
    this.aad.writeUInt32BE(this.spi, 0);
    if (!this.esn) {
      this.aad.writeUInt32BE(lo, 4);
      return this.aad.subarray(0, 8);
    }
    this.aad.writeUInt32BE(hi, 4);
    this.aad.writeUInt32BE(lo, 8);
    return this.aad;
  }

  // Not done (RFC 4303 A2.2 optional): retrying the ICV with seq-hi + 1 when the inferred high bits fail.

  /** HMAC over SPI .. ciphertext, with seq-hi appended (not sent) under ESN (RFC 4303 2.2.1). Full length: truncate. */
  private icv(data: Buffer, hi: number): Buffer {
    const h = createHmac(this.hash!, this.integKey!);
    h.update(data);
    if (this.esn) {
      this.seqHiBuf.writeUInt32BE(hi, 0);
      h.update(this.seqHiBuf);
    }
    return h.digest();
  }
}
