// The demo's live status line, on a terminal only: one line, redrawn in place every second, saying
// where the round is (stage and state, the train worker's step, the time since the round began), so
// the 50-75 s of a round are not silent. Nothing is written when the stream is not a TTY: a log or a
// pipe gets the demo's table and nothing else.
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Condition } from './demoSupport.js';

/** Where a round is: what the status line says. */
export interface RoundProgress {
  round: number;
  /** The job's latest condition, as last read. */
  latest?: Condition & { data?: string };
  /** `step 120/200` or `epoch 2/5` from the worker's log, when it says one. */
  progress?: string;
  elapsedSeconds: number;
}

/** The status line's text, e.g. `round 2 | Train Running | step 120/200 | 35 s`. */
export function formatProgress(p: RoundProgress): string {
  const parts = [`round ${p.round}`];
  if (p.latest) parts.push(`${p.latest.stage} ${p.latest.type}${p.latest.message && p.latest.type === 'Waiting' ? `: ${p.latest.message}` : ''}`);
  if (p.progress) parts.push(p.progress);
  parts.push(`${Math.floor(p.elapsedSeconds)} s`);
  return parts.join(' | ');
}

/** The worker pod named in a condition's data (`worker`), if any. */
export function workerOf(condition: { data?: string } | undefined): string | undefined {
  try {
    const data = JSON.parse(condition?.data ?? '{}') as { worker?: unknown };
    return typeof data.worker === 'string' ? data.worker : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The last `step N/M` or `epoch N/M` a worker pod wrote to its logs, read from the end of each log file
 * of `<podsDir>/<namespace>/<pod>/` (the node agent's layout).
 */
export async function lastProgress(podsDir: string, namespace: string, pod: string): Promise<string | undefined> {
  const dir = join(podsDir, namespace, pod);
  const files = await readdir(dir).catch(() => [] as string[]);
  let found: string | undefined;
  for (const file of files.filter((f) => f.endsWith('.log') && !f.endsWith('.previous.log'))) {
    const handle = await open(join(dir, file), 'r').catch(() => undefined);
    if (!handle) continue;
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, 4096);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      const matches = [...buffer.toString('utf8').matchAll(/\b(step|epoch) (\d+)\/(\d+)/g)];
      const last = matches[matches.length - 1];
      if (last) found = `${last[1]} ${last[2]}/${last[3]}`;
    } finally {
      await handle.close();
    }
  }
  return found;
}

/** A writable terminal (process.stdout). */
export interface TerminalStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): boolean;
}

/**
 * One line redrawn in place on a TTY (`\r`, erase line). `clear()` before printing anything else;
 * the next tick draws it again below. On a stream that is not a TTY it never writes.
 */
export class StatusLine {
  private timer: NodeJS.Timeout | undefined;
  private shown = false;
  private busy = false;

  constructor(
    private readonly stream: TerminalStream,
    private readonly text: () => Promise<string | undefined>,
    private readonly intervalMs = 1000,
  ) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  start(): void {
    if (!this.enabled || this.timer) return;
    this.timer = setInterval(() => void this.draw(), this.intervalMs);
    this.timer.unref();
  }

  /** Draws the line now (the timer does it every interval). */
  async draw(): Promise<void> {
    if (!this.enabled || this.busy) return;
    this.busy = true;
    try {
      const text = await this.text().catch(() => undefined);
      if (text === undefined || !this.timer) return;
      const width = Math.max(20, (this.stream.columns || 120) - 1);
      this.stream.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
      this.shown = true;
    } finally {
      this.busy = false;
    }
  }

  /** Erases the line, so what is printed next starts at the left. */
  clear(): void {
    if (!this.shown) return;
    this.stream.write('\r\x1b[2K');
    this.shown = false;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }
}
