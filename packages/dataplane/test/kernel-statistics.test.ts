// The kernel backend's Statistics: the kernel's XFRM counters under the manual's names (runs without namespaces).
import { readFileSync } from 'node:fs';
import { STAT_COUNTERS } from '@ipsec/schema';
import { describe, expect, it } from 'vitest';
import { kernelStatistics } from '../src/kernel/statistics.ts';

describe('kernel statistics', () => {
  it('reads /proc/net/xfrm_stat into every Statistics counter the manual lists', () => {
    const text = readFileSync('/proc/net/xfrm_stat', 'utf8');
    const stats = kernelStatistics(text);
    const manual = STAT_COUNTERS.map(([n]) => n);
    expect(Object.keys(stats).sort()).toEqual([...manual].sort());
    for (const v of Object.values(stats)) expect(Number.isInteger(v)).toBe(true);
  });

  it('maps the kernel names and keeps the values', () => {
    const stats = kernelStatistics('XfrmInNoStates          \t7\nXfrmOutPolBlock\t3\nXfrmInIptfsError 9\n');
    expect(stats).toEqual({ 'in-no-states': 7, 'out-policy-blocked': 3 });
  });
});
