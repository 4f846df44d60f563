// Live state the browser watches: Active Peers, Installed SAs, Statistics and the Log.
// The IKE engine and the data plane write here; the API reads and streams it. Until an engine
// is running these are simply empty (no peers, no SAs, zero counters), never invented.
import { EventEmitter } from 'node:events';
import { STATISTICS_COUNTERS, type IkeStatCounter, type StatCounter } from '@ipsec/schema';
import { logger } from '../log.ts';
import { DynamicEntries } from './dynamic-entries.ts';

export type LogTopic = 'ipsec' | 'error' | 'debug' | 'system' | 'info' | 'warning';

export interface LogLine {
  seq: number;
  at: number;
  topics: LogTopic[];
  message: string;
}

export interface ActivePeer {
  id: number;
  [prop: string]: unknown;
}

export interface InstalledSa {
  id: number;
  [prop: string]: unknown;
}

/** The Active Peers and Installed SAs commands (the IKE service's); each returns how many it acted on. */
export interface IpsecCommands {
  killConnections(): number;
  flushSas(): number;
}

/** Without an engine there is nothing to kill or flush. */
export const NO_ENGINE: IpsecCommands = { killConnections: () => 0, flushSas: () => 0 };

const LOG_KEEP = 2000;

export class LiveState extends EventEmitter<{ log: [LogLine] }> {
  readonly peers = new Map<number, ActivePeer>();
  readonly sas = new Map<number, InstalledSa>();
  /** Run-time entries of config menus (generated policies) and stored policies' live status. */
  readonly dynamic = new DynamicEntries();
  /** The Statistics view: the data plane's counters and the IKE engine's drops, each written by its owner. */
  readonly statistics = Object.fromEntries(STATISTICS_COUNTERS.map(([n]) => [n, 0])) as Record<
    StatCounter | IkeStatCounter,
    number
  >;
  private lines: LogLine[] = [];
  private seq = 0;
  /** Which data plane backend runs and why (the UI shows it); undefined = none (no IKE, nothing protected). */
  dataplane?: { backend: 'kernel' | 'userspace'; reason: string; device?: string };

  constructor() {
    super();
    this.setMaxListeners(0);
  }

  log(topics: LogTopic[], message: string): void {
    const line = { seq: ++this.seq, at: Date.now(), topics, message };
    // The same lines go to the agent's own log (journal), at a level matching their topics.
    const level = topics.includes('error')
      ? 'error'
      : topics.includes('warning')
        ? 'warn'
        : topics.includes('debug')
          ? 'debug'
          : 'info';
    logger[level]({ topics }, message);
    this.lines.push(line);
    if (this.lines.length > LOG_KEEP) this.lines.splice(0, this.lines.length - LOG_KEEP);
    this.emit('log', line);
  }

  logSince(seq: number): LogLine[] {
    return this.lines.filter((l) => l.seq > seq);
  }
}
