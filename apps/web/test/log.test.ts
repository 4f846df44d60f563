import { describe, expect, it } from 'vitest';
import { appendLine, filterLines, formatLogTime, type LogLine } from '../src/log/lines.ts';

const line = (seq: number, message = `line ${seq}`, topics: LogLine['topics'] = ['ipsec', 'info']): LogLine => ({
  seq,
  at: 0,
  topics,
  message,
});

describe('appendLine', () => {
  it('appends newer lines and ignores replayed ones', () => {
    const one = appendLine([], line(1));
    const two = appendLine(one, line(2));
    expect(two.map((l) => l.seq)).toEqual([1, 2]);
    expect(appendLine(two, line(2))).toBe(two);
    expect(appendLine(two, line(1))).toBe(two);
  });

  it('keeps at most the last `keep` lines', () => {
    let lines: LogLine[] = [];
    for (let i = 1; i <= 5; i++) lines = appendLine(lines, line(i), 3);
    expect(lines.map((l) => l.seq)).toEqual([3, 4, 5]);
  });
});

describe('filterLines', () => {
  const lines = [
    line(1, 'peer 192.0.2.1 established'),
    line(2, 'Bad proposal', ['ipsec', 'error']),
    line(3, 'config changed', ['system', 'info']),
  ];

  it('keeps lines with any chosen topic; none chosen keeps all', () => {
    expect(filterLines(lines, [], '').length).toBe(3);
    expect(filterLines(lines, ['error', 'system'], '').map((l) => l.seq)).toEqual([2, 3]);
  });

  it('finds text in the message, case-insensitively, or in the topics', () => {
    expect(filterLines(lines, [], '  bad PROPOSAL ').map((l) => l.seq)).toEqual([2]);
    expect(filterLines(lines, [], 'system').map((l) => l.seq)).toEqual([3]);
    expect(filterLines(lines, ['ipsec'], 'config')).toEqual([]);
  });
});

describe('formatLogTime', () => {
  it('prints local date and time with zero padding', () => {
    expect(formatLogTime(new Date(2025, 0, 2, 3, 4, 5).getTime())).toBe('2025-01-02 03:04:05');
    expect(formatLogTime(new Date(2025, 10, 23, 17, 40, 59).getTime())).toBe('2025-11-23 17:40:59');
  });
});
