import { describe, expect, it } from 'vitest';
import { ReplayWindow } from '../src/esp/replay.ts';

/** check + update as decapsulation does after a valid ICV. */
function accept(w: ReplayWindow, lo: number): string {
  const v = w.check(lo);
  if (v === 'ok') w.update(w.hi, lo);
  return v;
}

describe('anti-replay window', () => {
  it('rejects sizes outside 64..1024 (0 = off)', () => {
    expect(() => new ReplayWindow(32, false)).toThrow();
    expect(() => new ReplayWindow(2048, false)).toThrow();
    expect(() => new ReplayWindow(0, false)).not.toThrow();
    expect(() => new ReplayWindow(100, false)).not.toThrow();
  });

  it('accepts in order, rejects duplicates and sequence number 0', () => {
    const w = new ReplayWindow(64, false);
    expect(w.check(0)).toBe('too-old');
    for (let i = 1; i <= 10; i++) expect(accept(w, i)).toBe('ok');
    expect(accept(w, 10)).toBe('duplicate');
    expect(accept(w, 3)).toBe('duplicate');
    expect(w.top).toBe(10);
  });

  it('check alone does not record (ICV failure must not move the window)', () => {
    const w = new ReplayWindow(64, false);
    expect(w.check(5)).toBe('ok');
    expect(w.check(5)).toBe('ok');
    expect(w.top).toBe(0);
  });

  for (const size of [64, 100, 128, 1024]) {
    it(`window ${size}: exact left edge, out-of-order inside, slide clears old bits`, () => {
      const w = new ReplayWindow(size, false);
      const top = 5000;
      expect(accept(w, top)).toBe('ok');
      expect(w.check(top - size + 1)).toBe('ok'); // the oldest still inside
      expect(w.check(top - size)).toBe('too-old'); // one beyond
      expect(accept(w, top - size + 1)).toBe('ok');
      expect(accept(w, top - size + 1)).toBe('duplicate');
      expect(accept(w, top - 1)).toBe('ok');
      // Slide by less than the window: already seen bits that stay inside stay set.
      expect(accept(w, top + 10)).toBe('ok');
      expect(accept(w, top - 1)).toBe('duplicate');
      expect(accept(w, top)).toBe('duplicate');
      expect(w.check(top - size + 1)).toBe('too-old');
      // Numbers skipped over by the slide are new, not stale bits from the ring.
      for (let s = top + 1; s < top + 10; s++) expect(w.check(s)).toBe('ok');
      // Jump far ahead (more than the bitmap): everything clears.
      expect(accept(w, top + 10 + 5000)).toBe('ok');
      for (let s = top + 10 + 5000 - size + 1; s < top + 10 + 5000; s++) expect(w.check(s)).toBe('ok');
    });
  }

  it('ring positions reused after a slide of exactly the bitmap size are cleared', () => {
    const w = new ReplayWindow(64, false);
    for (let i = 1; i <= 64; i++) accept(w, i);
    expect(accept(w, 128)).toBe('ok');
    for (let i = 65; i < 128; i++) expect(w.check(i)).toBe('ok');
  });

  it('anti-replay off: duplicates pass', () => {
    const w = new ReplayWindow(0, false);
    expect(accept(w, 7)).toBe('ok');
    expect(accept(w, 7)).toBe('ok');
    expect(accept(w, 1)).toBe('ok');
  });

  it('without ESN the 32-bit space ends at 2^32-1 (no wrap)', () => {
    const w = new ReplayWindow(64, false);
    expect(accept(w, 0xffffffff)).toBe('ok');
    expect(w.check(1)).toBe('too-old');
    expect(w.check(0xffffffff - 63)).toBe('ok');
    expect(w.check(0xffffffff - 64)).toBe('too-old');
  });

  describe('ESN (RFC 4303 A2)', () => {
    it('case A: top low bits >= W-1: later low numbers wrap into the next subspace', () => {
      const w = new ReplayWindow(64, true);
      expect(accept(w, 0x80000000)).toBe('ok');
      expect(accept(w, 0xfffffff0)).toBe('ok');
      expect(w.hi).toBe(0);
      expect(w.check(0xffffffe0)).toBe('ok');
      expect(w.hi).toBe(0);
      expect(w.check(5)).toBe('ok');
      expect(w.hi).toBe(1); // 2^32 + 5
      w.update(w.hi, 5);
      expect(w.top).toBe(0x1_0000_0005);
      // Case B now (Tl = 5 < W-1): low numbers near 2^32 belong to the previous subspace
      expect(w.check(0xfffffff0)).toBe('duplicate');
      expect(w.hi).toBe(0);
      expect(w.check(0xfffffff1)).toBe('ok');
      expect(w.hi).toBe(0);
      expect(accept(w, 0xfffffff1)).toBe('ok');
      expect(w.check(0xffffffc6)).toBe('ok'); // 2^32+5 - 63 = 2^32 - 58 = 0xffffffc6
      // One below the left edge cannot be told from 2^33 - 59: A2 takes it as ahead (the ICV decides).
      expect(w.check(0xffffffc5)).toBe('ok');
      expect(w.hi).toBe(1);
      expect(accept(w, 5)).toBe('duplicate');
      expect(accept(w, 4)).toBe('ok');
      expect(w.hi).toBe(1);
      // Case B: a low number beyond the window's left edge is taken as ahead (same subspace).
      expect(w.check(1000)).toBe('ok');
      expect(w.hi).toBe(1);
    });

    it('seq 0 is valid after the first wrap, not before', () => {
      const w = new ReplayWindow(128, true);
      expect(w.check(0)).toBe('too-old');
      accept(w, 0x1000);
      expect(w.check(0xffffffff)).toBe('ok'); // case A: same subspace, far ahead
      expect(w.hi).toBe(0);
      accept(w, 0x90000000);
      expect(accept(w, 0xffffffff)).toBe('ok');
      expect(w.hi).toBe(0);
      expect(w.check(0)).toBe('ok');
      expect(w.hi).toBe(1);
      w.update(1, 0);
      expect(w.top).toBe(0x1_0000_0000);
      expect(accept(w, 0)).toBe('duplicate');
      expect(accept(w, 0xffffffff)).toBe('duplicate');
      expect(accept(w, 0xfffffffe)).toBe('ok');
    });

    it('early in the first subspace nothing is inferred below 0', () => {
      const w = new ReplayWindow(64, true);
      accept(w, 3);
      expect(w.check(0xfffffffe)).toBe('too-old'); // would be hi = -1
      expect(w.check(2)).toBe('ok');
      expect(w.hi).toBe(0);
    });

    it('many wraps: high bits follow', () => {
      const w = new ReplayWindow(1024, true);
      let hi = 0;
      for (let i = 0; i < 5; i++) {
        for (const lo of [0x40000000, 0x80000000, 0xc0000000, 0xfffffff0, 0x10]) {
          expect(accept(w, lo)).toBe('ok');
          if (lo === 0x10) hi++;
          expect(w.hi).toBe(hi);
        }
      }
    });
  });
});
