import { createHash } from 'node:crypto';
import type { RandomSource } from '../src/crypto/random.ts';

/** Deterministic RandomSource for tests: SHA-256 in counter mode over a seed. */
export function seededRandom(seed: number): RandomSource {
  let counter = 0;
  return (n: number) => {
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, n - o)), o);
      o += 32;
    }
    return out;
  };
}
