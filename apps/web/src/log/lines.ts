// The Log window's lines: kept in arrival order up to a limit, filtered by topic and text, timed
// in the browser's local time.
import type { RouterOutputs, Yielded } from '../api/trpc.ts';

export type LogLine = Yielded<RouterOutputs['live']['log']>['data'];

/** Lines kept in memory; older ones drop off the top. */
export const KEEP = 2000;

/** `prev` with `line` at the end, the oldest dropped past `keep`; a line already seen (a resume replays) changes nothing. */
export function appendLine(prev: LogLine[], line: LogLine, keep = KEEP): LogLine[] {
  return prev.length && prev[prev.length - 1]!.seq >= line.seq ? prev : [...prev.slice(-(keep - 1)), line];
}

/** Lines with any of `topics` (none chosen: all) whose message or topics contain `find`, case-insensitively. */
export function filterLines(lines: LogLine[], topics: string[], find: string): LogLine[] {
  const f = find.trim().toLowerCase();
  return lines.filter(
    (l) =>
      (topics.length === 0 || l.topics.some((t) => topics.includes(t))) &&
      (!f || l.message.toLowerCase().includes(f) || l.topics.join(',').includes(f)),
  );
}

/** "2025-11-23 17:40:05", local time. */
export function formatLogTime(at: number): string {
  const d = new Date(at);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
