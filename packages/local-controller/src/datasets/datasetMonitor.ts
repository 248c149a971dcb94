/**
 * The dataset monitor: watches one index file, event-driven (`fs.watch` on its folder, since editors and
 * tools often replace the file, plus a slow poll as a fallback where watching is unreliable), reads only
 * the appended bytes, counts only complete lines, recounts when the index is truncated, replaced or
 * rewritten, and emits a change only when something changed. Its cursor is persisted, so a restart
 * resumes without a recount when the file is the same. Each read opens the index through the
 * configured opener, which may refuse it (a file outside the folders the LC may read): nothing of a
 * refused index is read, and the verdict goes to `onAccess`.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { writeFileAtomic } from '@sedna-ts/internal';
import { readJsonFile } from '../storage/files.js';
import { readIndex, START_CURSOR, type IndexCursor, type IndexFormat, type IndexOpener, type RefusedIndex } from './indexReader.js';
import { type LcLogger } from '../logger.js';

/** A change of the index, as the monitor hands it to the jobs of the dataset. */
export interface DatasetChange {
  /** Samples in the index now. */
  count: number;
  previousCount: number;
  /** Set when the index was recounted: replaced, truncated or rewritten in place. */
  reset?: 'replaced' | 'truncated' | 'rewritten';
  /** Cursor before and after this change. */
  from: IndexCursor;
  to: IndexCursor;
  /**
   * The new sample lines, from `from` to `to` (after a reset: the samples past `previousCount`), when
   * they fit the hand-over limit; otherwise undefined and a job reads them itself.
   */
  lines?: string[];
}

/** Whether the index may be read, as the opener judged at the last read. */
export type IndexAccess = { readable: true } | { readable: false; reason: string; message: string };

/** Options of a `DatasetMonitor`. */
export interface DatasetMonitorOptions {
  /** The index file as this process sees it. */
  path: string;
  format: IndexFormat;
  /** Where the cursor is persisted (undefined: not persisted). */
  statePath?: string;
  /** Period of the fallback poll, ms. */
  pollMs: number;
  logger: LcLogger;
  /** Called after every change, in order; the next read waits for it. */
  onChange: (change: DatasetChange) => void | Promise<void>;
  /** Most bytes of lines handed over in one change (default 8 MiB). */
  handOverBytes?: number;
  /** How the index is opened (default: as it is). */
  open?: IndexOpener;
  /** Called at every read that found the index: readable, or refused by the opener (before `onChange`). */
  onAccess?: (access: IndexAccess) => void | Promise<void>;
}

/** See the module comment. */
export class DatasetMonitor {
  private cursor: IndexCursor = START_CURSOR;
  private watcher: FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private missingLogged = false;
  /** The message of the last refusal, until the index is readable again. */
  private refusal: string | undefined;
  private readonly handOverBytes: number;

  constructor(private readonly options: DatasetMonitorOptions) {
    this.handOverBytes = options.handOverBytes ?? 8 * 1024 * 1024;
  }

  /** Samples counted so far. */
  get count(): number {
    return this.cursor.count;
  }

  /** The cursor of the last read. */
  get position(): IndexCursor {
    return this.cursor;
  }

  /** Restore the persisted cursor, read the index once, then watch it. */
  async start(): Promise<void> {
    if (this.options.statePath) {
      const saved = await readJsonFile<IndexCursor>(this.options.statePath);
      if (saved.status === 'ok' && typeof saved.value?.offset === 'number' && typeof saved.value.count === 'number') this.cursor = saved.value;
      else if (saved.status === 'corrupt') this.options.logger.warn({ path: this.options.statePath, error: saved.error.message }, 'dataset cursor unreadable; recounting');
    }
    this.watchFolder();
    this.schedulePoll();
    await this.check();
  }

  private watchFolder(): void {
    if (this.watcher || this.stopped) return;
    const name = basename(this.options.path);
    try {
      this.watcher = watch(dirname(this.options.path), { persistent: false }, (_event, filename) => {
        if (!filename || filename.toString() === name) void this.check();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // The folder may not exist yet; the poll retries.
      this.watcher = undefined;
    }
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.pollTimer = setTimeout(() => {
      this.watchFolder();
      void this.check().finally(() => this.schedulePoll());
    }, this.options.pollMs);
    this.pollTimer.unref();
  }

  /** Read what changed now; concurrent calls coalesce into one more read. */
  check(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.readOnce();
        } while (this.again && !this.stopped);
      } catch (error) {
        this.options.logger.error({ path: this.options.path, error: (error as Error).message }, 'dataset index read failed');
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async readOnce(): Promise<void> {
    const { path, format } = this.options;
    const from = this.cursor;
    let lines: string[] | undefined = [];
    let bytes = 0;
    const collect = (chunk: string[]) => {
      if (!lines) return;
      for (const line of chunk) bytes += line.length + 1;
      if (bytes > this.handOverBytes) lines = undefined;
      else lines.push(...chunk);
    };
    const open = this.options.open;
    let result = await readIndex(path, format, from, { onSamples: collect, ...(open ? { open } : {}) });
    let reset: DatasetChange['reset'];
    if (result.kind === 'missing') {
      if (!this.missingLogged) this.options.logger.warn({ path }, 'dataset index does not exist (yet)');
      this.missingLogged = true;
      return;
    }
    this.missingLogged = false;
    if (result.kind === 'refused') return this.refused(result);
    await this.readable();
    if (result.kind === 'reset') {
      reset = result.reason;
      lines = [];
      bytes = 0;
      this.options.logger.info({ path, reason: reset, previousCount: from.count }, 'dataset index changed under the cursor; recounting');
      result = await readIndex(path, format, START_CURSOR, { skipSamples: from.count, onSamples: collect, ...(open ? { open } : {}) });
      if (result.kind === 'refused') return this.refused(result);
      if (result.kind !== 'read') return;
    }
    const to = result.cursor;
    if (!reset && to.offset === from.offset && to.fileId === from.fileId) return;
    this.cursor = to;
    if (this.options.statePath) await writeFileAtomic(this.options.statePath, JSON.stringify(to));
    if (!reset && to.count === from.count && result.samples === 0 && from.fileId !== '') return;
    const change: DatasetChange = { count: to.count, previousCount: from.count, from, to };
    if (reset) change.reset = reset;
    if (lines) change.lines = lines;
    await this.options.onChange(change);
  }

  private async refused(result: RefusedIndex): Promise<void> {
    if (this.refusal !== result.message) this.options.logger.warn({ path: this.options.path, reason: result.reason }, result.message);
    this.refusal = result.message;
    await this.options.onAccess?.({ readable: false, reason: result.reason, message: result.message });
  }

  private async readable(): Promise<void> {
    if (this.refusal !== undefined) this.options.logger.info({ path: this.options.path }, 'dataset index readable again');
    this.refusal = undefined;
    await this.options.onAccess?.({ readable: true });
  }

  /** Stop watching and polling; waits for a read in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.watcher?.close();
    this.watcher = undefined;
    await this.running;
  }
}
