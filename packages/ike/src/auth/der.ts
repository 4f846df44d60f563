// The one DER reader the authentication code needs: a tag and the bounds of its contents (definite lengths up to
// 2^24, as certificates use). Throws on a malformed length: callers parse inside a try and report a Result.
export function tlv(b: Uint8Array, off: number): { tag: number; start: number; end: number } {
  const tag = b[off] as number;
  let len = b[off + 1] as number;
  let start = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 3) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | (b[start + i] as number);
    start += n;
  }
  if (start + len > b.length) throw new Error('DER overruns');
  return { tag, start, end: start + len };
}
