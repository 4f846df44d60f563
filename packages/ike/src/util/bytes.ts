// Byte helpers shared by the codec and crypto. Everything works on Uint8Array; node Buffers are
// Uint8Arrays too, so callers may pass either.

export class ParseError extends Error {
  constructor(
    message: string,
    /** Notify type to answer with (RFC 7296 3.10.1), when the error maps to one. */
    readonly notify: number = 7 /* INVALID_SYNTAX */,
    readonly notifyData?: Uint8Array,
  ) {
    super(message);
  }
}

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

export function fromHex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

export function utf8(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'utf8'));
}

export function u16(v: number): Uint8Array {
  return new Uint8Array([(v >>> 8) & 0xff, v & 0xff]);
}

export function u32(v: number): Uint8Array {
  return new Uint8Array([(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
}

export function isZero(b: Uint8Array): boolean {
  for (const x of b) if (x !== 0) return false;
  return true;
}

/** Bounds-checked big-endian reader over a view; every overrun is a ParseError. */
export class Reader {
  private off = 0;
  constructor(private readonly buf: Uint8Array) {}
  get offset(): number {
    return this.off;
  }
  get remaining(): number {
    return this.buf.length - this.off;
  }
  private need(n: number, what: string): void {
    if (n < 0 || this.off + n > this.buf.length) throw new ParseError(`truncated ${what}`);
  }
  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.off++] as number;
  }
  u16(what = 'u16'): number {
    this.need(2, what);
    const v = ((this.buf[this.off] as number) << 8) | (this.buf[this.off + 1] as number);
    this.off += 2;
    return v;
  }
  u32(what = 'u32'): number {
    this.need(4, what);
    const b = this.buf;
    const o = this.off;
    const v =
      (((b[o] as number) << 24) | ((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number)) >>>
      0;
    this.off += 4;
    return v;
  }
  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const v = this.buf.slice(this.off, this.off + n);
    this.off += n;
    return v;
  }
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }
  skip(n: number, what = 'reserved'): void {
    this.need(n, what);
    this.off += n;
  }
}

/** Growable big-endian writer. */
export class Writer {
  private parts: Uint8Array[] = [];
  u8(v: number): this {
    this.parts.push(new Uint8Array([v & 0xff]));
    return this;
  }
  u16(v: number): this {
    this.parts.push(u16(v));
    return this;
  }
  u32(v: number): this {
    this.parts.push(u32(v));
    return this;
  }
  bytes(b: Uint8Array): this {
    this.parts.push(b);
    return this;
  }
  zeros(n: number): this {
    this.parts.push(new Uint8Array(n));
    return this;
  }
  finish(): Uint8Array {
    return concat(...this.parts);
  }
}
