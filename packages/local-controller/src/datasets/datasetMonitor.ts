/**
 * The dataset monitor: watches one index file, event-driven (`fs.watch` on its folder, since editors and
 * tools often replace the file, plus a slow poll as a fallback where watching is unreliable), reads only
 * the appended bytes, counts only complete lines, and emits a change only when something changed.
 *
 * What it keeps, in its state folder (private), each append-only with its committed length in
 * `cursor.json`, which is written last (a crash before it is undone at the next start, so nothing is
 * counted twice or lost):
 * - `samples.log`: every sample line it counted, exact bytes, in order: the jobs of the dataset take
 *   their new samples from there (a position in it), never from the index, so a job behind the monitor
 *   (created later, or after a crash) gets exactly the samples it has not had, whatever became of the
 *   index meanwhile;
 * - `quarantine.jsonl`: the bad lines (see indexReader.ts), with the line number, the reason and the
 *   bytes (base64): never samples, never lost;
 * - `counted.bin`: an 8-byte hash of every line counted or quarantined (countedLines.ts); not synced
 *   at each append (a power loss may cut it: the next start finds it shorter than recorded and says
 *   that a recount cannot tell counted lines from new ones, see below).
 *
 * When the index is replaced (another inode), truncated or rewritten in place, it is read again from its
 * start and every line is compared with the counted ones, by content and with multiplicity: a line is
 * new when the file has more of it than were counted before (if `a` was counted twice and the new file
 * has it three times, one `a` is new). The comparison goes on for that file, appends included, until
 * every line counted before was met again. Without the record of counted lines (lost, or a cursor from
 * before it existed whose file changed since), the first samples of the new file, as many as were
 * counted before, are taken as counted and `onUnattributed` names them.
 *
 * Each read goes through `read` (the LC's: in a reader process, with a deadline, see readerPool.ts);
 * a read that fails is tried again with backoff, and `onReadError` says why. The folder is watched
 * from the first read that answered (`fs.watch` looks it up in this process, synchronously).
 */
import { randomUUID } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { backoffDelay, writeFileAtomic } from '@sedna-ts/internal';
import { CommittedFile, joinLines } from '../storage/committedFile.js';
import { readJsonFile, type FileAccess } from '../storage/files.js';
import { CountedLines, lineHash } from './countedLines.js';
import { readIndex, START_CURSOR, type BadLine, type IndexCursor, type IndexFormat, type IndexLine, type IndexOpener, type IndexRead, type LineChecks, type RefusedIndex } from './indexReader.js';
import { type LcLogger } from '../logger.js';

/** A place in a dataset's sample log: the log (`id`, new when the log starts over) and how far. */
export interface LogPosition {
  id: string;
  bytes: number;
  lines: number;
}

/** A change of the index, as the monitor hands it to the jobs of the dataset. */
export interface DatasetChange {
  /** Samples in the index now. */
  count: number;
  previousCount: number;
  /** Set when the index was recounted: replaced, truncated or rewritten in place. */
  reset?: 'replaced' | 'truncated' | 'rewritten';
  /** Cursor in the index before and after this change. */
  from: IndexCursor;
  to: IndexCursor;
  /** Where the new samples are in the sample log. */
  log: { from: LogPosition; to: LogPosition };
  /** The new sample lines (the log from `log.from` to `log.to`) when they fit the hand-over limit; otherwise undefined and a job reads the log. */
  lines?: Buffer[];
}

/** Whether the index may be read, as the last read found: readable (with its owner and mode), or why not. */
export type IndexAccess = { readable: true; access?: FileAccess } | { readable: false; reason: string; message: string };

/** A bad line put in quarantine. */
export type QuarantinedLine = BadLine;

/** How the monitor reads: `readIndex` from `cursor`, with the line checks or without (a recount of lines already checked). */
export type MonitorRead = (cursor: IndexCursor, options: { checks: boolean; maxBytes?: number }) => Promise<IndexRead>;

/** Options of a `DatasetMonitor`. */
export interface DatasetMonitorOptions {
  /** The index file as this process sees it. */
  path: string;
  format: IndexFormat;
  /** The monitor's private folder (see the module comment). */
  stateDir: string;
  /** A cursor file of an older LC (`IndexCursor` JSON), taken over when `stateDir` has none. */
  legacyCursorPath?: string;
  /** Period of the fallback poll, ms. */
  pollMs: number;
  logger: LcLogger;
  /** Called after every change, in order; the next read waits for it. */
  onChange: (change: DatasetChange) => void | Promise<void>;
  /** Most bytes of lines handed over in one change (default 8 MiB). */
  handOverBytes?: number;
  /** How the index is read (default: `readIndex` in this process, with `open` and `checks`). */
  read?: MonitorRead;
  /** For the default `read`: how the index is opened. */
  open?: IndexOpener;
  /** For the default `read`: the checks of sample paths. */
  checks?: LineChecks;
  /** Called at every read that found the index: readable, or refused by the opener (before `onChange`). */
  onAccess?: (access: IndexAccess) => void | Promise<void>;
  /** Called with the bad lines of a read, once they are in quarantine. */
  onQuarantine?: (lines: QuarantinedLine[]) => void | Promise<void>;
  /** Called when samples of a recount could not be told counted or new (see the module comment). */
  onUnattributed?: (message: string) => void | Promise<void>;
  /** Called when a read failed (it is tried again with backoff). */
  onReadError?: (error: Error) => void | Promise<void>;
  /** Backoff of the retries after a failed read, ms (default 1 s to the poll period). */
  retry?: { initialMs: number; maxMs: number };
}

/** `cursor.json`. */
interface MonitorState {
  schema: 2;
  cursor: IndexCursor;
  log: LogPosition;
  quarantine: { bytes: number; lines: number };
  /** Bytes of `counted.bin`. */
  counted: number;
  /** The index is compared with the counted lines (it replaced the file they came from). */
  compare?: boolean;
  /** The record of counted lines is lost: the next recount takes this many samples as counted. */
  lost?: boolean;
  /** Samples of the current recount still to take as counted (the record being lost). */
  skip?: number;
  /** A recount in progress: why, and the count before it. */
  recount?: { reason: 'replaced' | 'truncated' | 'rewritten'; previousCount: number };
  /** A cursor of an older LC to take over: its lines go into the record of counted lines first. */
  legacy?: boolean;
}

function isCursor(value: unknown): value is IndexCursor {
  const c = value as IndexCursor | null;
  return typeof c === 'object' && c !== null && typeof c.offset === 'number' && typeof c.count === 'number' && typeof c.fileId === 'string';
}

function lineRange(lines: readonly IndexLine[]): string {
  const first = lines[0]?.lineNumber;
  const last = lines[lines.length - 1]?.lineNumber;
  return first === last ? `line ${first}` : `lines ${first} to ${last}`;
}

/** See the module comment. */
export class DatasetMonitor {
  private state: MonitorState = { schema: 2, cursor: START_CURSOR, log: { id: randomUUID(), bytes: 0, lines: 0 }, quarantine: { bytes: 0, lines: 0 }, counted: 0 };
  private samples!: CommittedFile;
  private quarantine!: CommittedFile;
  private countedFile!: CommittedFile;
  /** While comparing: the counted lines not met again in the current file. */
  private table: CountedLines | undefined;
  private watcher: FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private started = false;
  private missingLogged = false;
  /** The message of the last refusal, until the index is readable again. */
  private refusal: string | undefined;
  private readonly handOverBytes: number;
  private readonly read: MonitorRead;

  constructor(private readonly options: DatasetMonitorOptions) {
    this.handOverBytes = options.handOverBytes ?? 8 * 1024 * 1024;
    this.read =
      options.read ??
      ((cursor, { checks, maxBytes }) =>
        readIndex(options.path, options.format, cursor, { ...(options.open ? { open: options.open } : {}), ...(checks && options.checks ? { checks: options.checks } : {}), ...(maxBytes !== undefined ? { maxBytes } : {}) }));
  }

  /** Samples in the index, as counted so far. */
  /** Whether the last read found no index file at the path (it may appear later). */
  get indexMissing(): boolean {
    return this.missingLogged;
  }

  get count(): number {
    return this.state.cursor.count;
  }

  /** The cursor of the last read. */
  get position(): IndexCursor {
    return this.state.cursor;
  }

  /** The end of the sample log (what the jobs of the dataset can have). */
  get logEnd(): LogPosition {
    return { ...this.state.log };
  }

  /** Lines put in quarantine so far. */
  get quarantined(): number {
    return this.state.quarantine.lines;
  }

  /** The sample lines of the log from `from` to `to` (default its end), in batches; from its start when `from` is of an older log. */
  async *samplesSince(from: LogPosition, to: LogPosition = this.state.log): AsyncGenerator<Buffer[]> {
    const start = from.id === this.state.log.id ? from.bytes : 0;
    const end = to.id === this.state.log.id ? Math.min(to.bytes, this.state.log.bytes) : this.state.log.bytes;
    yield* this.samples.lines(start, end);
  }

  private get statePath(): string {
    return join(this.options.stateDir, 'cursor.json');
  }

  /** Restore the persisted state, read the index once (waited for unless `waitForRead` is false), then watch it. */
  async start(waitForRead = true): Promise<void> {
    const { stateDir, logger } = this.options;
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    const saved = await readJsonFile<MonitorState | IndexCursor>(this.statePath);
    if (saved.status === 'ok' && (saved.value as MonitorState).schema === 2 && isCursor((saved.value as MonitorState).cursor)) {
      this.state = saved.value as MonitorState;
    } else {
      if (saved.status === 'corrupt') logger.warn({ path: this.statePath, error: saved.error.message }, 'dataset state unreadable; the index is counted again from its start (lines counted before are recognised if the record of counted lines is whole)');
      const legacy = this.options.legacyCursorPath ? await readJsonFile<IndexCursor>(this.options.legacyCursorPath) : undefined;
      if (legacy?.status === 'ok' && isCursor(legacy.value) && legacy.value.fileId !== '') this.state = { ...this.state, cursor: legacy.value, legacy: true };
    }
    const samples = await CommittedFile.open(join(stateDir, 'samples.log'), this.state.log.bytes);
    this.samples = samples.file;
    if (samples.lost) {
      logger.error({ path: samples.file.path, recorded: this.state.log.bytes }, 'the sample log of this dataset is shorter than recorded (removed or damaged): it starts over, and jobs take new samples from now on');
      await this.samples.reset();
      this.state.log = { id: randomUUID(), bytes: 0, lines: 0 };
    }
    const quarantine = await CommittedFile.open(join(stateDir, 'quarantine.jsonl'), this.state.quarantine.bytes);
    this.quarantine = quarantine.file;
    if (quarantine.lost) this.state.quarantine = { bytes: quarantine.file.bytes, lines: this.state.quarantine.lines };
    const counted = await CommittedFile.open(join(stateDir, 'counted.bin'), this.state.counted);
    this.countedFile = counted.file;
    if (counted.lost) {
      logger.error({ path: counted.file.path }, 'the record of counted lines of this dataset is shorter than recorded (removed or damaged): a recount cannot tell counted lines from new ones');
      this.state.lost = true;
    }
    this.started = true;
    this.schedulePoll();
    const first = this.check();
    if (waitForRead) await first;
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
      void this.check().finally(() => this.schedulePoll());
    }, this.options.pollMs);
    this.pollTimer.unref();
  }

  /** Read what changed now; concurrent calls coalesce into one more read. */
  check(): Promise<void> {
    if (this.stopped || !this.started) return Promise.resolve();
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
        this.failures = 0;
      } catch (error) {
        if (!this.stopped) await this.failed(error as Error);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async failed(error: Error): Promise<void> {
    this.failures++;
    const delay = backoffDelay(this.failures, this.options.retry ?? { initialMs: 1000, maxMs: Math.max(1000, this.options.pollMs) });
    this.options.logger.error({ path: this.options.path, error: error.message, attempts: this.failures, retryInMs: Math.round(delay) }, 'dataset index read failed; trying again');
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.check(), delay);
    this.retryTimer.unref();
    await this.options.onReadError?.(error);
  }

  private async commit(): Promise<void> {
    await writeFileAtomic(this.statePath, JSON.stringify(this.state), { mode: 0o600 });
  }

  private async readOnce(): Promise<void> {
    if (this.state.legacy) return this.takeOverLegacy();
    if (this.state.compare && !this.table) return this.rebuildTable();
    const from = this.state.cursor;
    const result = await this.read(from, { checks: true });
    // Watched once a read answered: fs.watch looks the folder up in this process, synchronously, which
    // on a mount that stopped answering would block the LC itself.
    this.watchFolder();
    if (result.kind === 'missing') {
      if (!this.missingLogged) this.options.logger.warn({ path: this.options.path }, 'dataset index does not exist (yet)');
      this.missingLogged = true;
      return;
    }
    this.missingLogged = false;
    if (result.kind === 'refused') return this.refused(result);
    if (result.kind === 'reset') {
      await this.readable(undefined);
      return this.beginRecount(result.reason, from);
    }
    await this.readable(result.access);
    await this.apply(result, from);
    if (result.more) this.again = true;
  }

  /** The index is not the file the cursor was on: count it again from its start, comparing (see the module comment). */
  private async beginRecount(reason: 'replaced' | 'truncated' | 'rewritten', from: IndexCursor): Promise<void> {
    const lost = this.state.lost === true;
    this.table = undefined;
    this.state = { ...this.state, cursor: { ...START_CURSOR }, compare: !lost, recount: { reason, previousCount: from.count } };
    if (lost) this.state.skip = from.count;
    delete this.state.lost;
    const table = lost ? undefined : await this.loadTable();
    this.options.logger.info(
      { path: this.options.path, reason, previousCount: from.count, counted: table?.size, tableBytes: table?.memoryBytes },
      lost ? 'dataset index changed under the cursor; counting it again, without the record of counted lines' : 'dataset index changed under the cursor; counting it again, new lines only',
    );
    await this.commit();
    this.again = true;
  }

  private async loadTable(): Promise<CountedLines> {
    const table = new CountedLines();
    for await (const chunk of this.countedFile.chunks(0, this.state.counted)) table.addAll(chunk);
    this.table = table;
    return table;
  }

  /**
   * Read the index from its start up to `target` (a cursor on it), handing each line (sample or bad) to
   * `each`, without the line checks; undefined when the file is not the one `target` is on any more.
   */
  private async readPrefix(target: IndexCursor, each: (line: IndexLine) => void): Promise<IndexCursor | undefined> {
    let cursor: IndexCursor = { ...START_CURSOR };
    while (cursor.offset < target.offset) {
      const result = await this.read(cursor, { checks: false, maxBytes: target.offset - cursor.offset });
      if (result.kind !== 'read' || result.cursor.fileId !== target.fileId || result.cursor.offset === cursor.offset || result.cursor.offset > target.offset) return undefined;
      for (const line of [...result.samples, ...result.bad]) each(line);
      cursor = result.cursor;
    }
    return cursor;
  }

  /**
   * After a restart in the middle of a comparison: the counted lines not met again are those counted
   * less the lines of the index up to the cursor (each of them was met, or is new and counted since).
   */
  private async rebuildTable(): Promise<void> {
    const table = await this.loadTable();
    const target = this.state.cursor;
    // The file changed while the LC was away: compare it whole.
    if (!(await this.readPrefix(target, (line) => table.take(line.bytes)))) return this.beginRecount('replaced', target);
    this.again = true;
  }

  /** A cursor of an older LC: the lines it counted go into the record of counted lines, then reading goes on from it. */
  private async takeOverLegacy(): Promise<void> {
    const target = this.state.cursor;
    const hashes: Buffer[] = [];
    const reached = await this.readPrefix(target, (line) => hashes.push(lineHash(line.bytes)));
    if (!reached) {
      this.options.logger.warn({ path: this.options.path }, 'the index changed since the cursor of the older LC: its next recount cannot tell which lines were counted');
      this.state.lost = true;
    }
    this.state.counted = await this.countedFile.append(Buffer.concat(reached ? hashes : []));
    this.state.cursor = reached ?? target;
    delete this.state.legacy;
    await this.commit();
    this.options.logger.info({ path: this.options.path, count: this.state.cursor.count }, 'dataset cursor of an older LC taken over');
    this.again = true;
  }

  private async apply(result: Extract<IndexRead, { kind: 'read' }>, from: IndexCursor): Promise<void> {
    const table = this.table;
    const fresh: IndexLine[] = [];
    const skipped: IndexLine[] = [];
    for (const line of result.samples) {
      if ((this.state.skip ?? 0) > 0) {
        this.state.skip = (this.state.skip as number) - 1;
        skipped.push(line);
      } else if (!table?.take(line.bytes)) {
        fresh.push(line);
      }
    }
    const bad = result.bad.filter((line) => !table?.take(line.bytes));
    const recount = this.state.recount;
    const firstRead = from.fileId === '' && !recount;
    if (fresh.length === 0 && bad.length === 0 && skipped.length === 0 && !recount && !firstRead && result.cursor.offset === from.offset) return;
    // The files first, the state last: a crash in between is cut off at the next start.
    const logFrom = { ...this.state.log };
    if (fresh.length > 0) {
      const bytes = await this.samples.append(joinLines(fresh.map((l) => l.bytes)));
      this.state.log = { id: logFrom.id, bytes, lines: logFrom.lines + fresh.length };
    }
    if (bad.length > 0) {
      const at = new Date().toISOString();
      const records = bad.map((l) => Buffer.from(`${JSON.stringify({ at, file: this.options.path, lineNumber: l.lineNumber, reason: l.reason, text: l.bytes.toString('utf8'), bytes: l.bytes.toString('base64') })}\n`));
      this.state.quarantine = { bytes: await this.quarantine.append(Buffer.concat(records)), lines: this.state.quarantine.lines + bad.length };
    }
    const counted = [...fresh, ...skipped, ...bad];
    // Not synced (an fsync less per change): a power loss may cut it, which the next start says (`lost`).
    if (counted.length > 0) this.state.counted = await this.countedFile.append(Buffer.concat(counted.map((l) => lineHash(l.bytes))), false);
    this.state.cursor = result.cursor;
    if (table && table.size === 0) {
      // Every line counted before was met again: from now on every line is new.
      this.table = undefined;
      delete this.state.compare;
    }
    const caughtUp = !result.more;
    if (caughtUp) delete this.state.recount;
    if (caughtUp || this.state.skip === 0) delete this.state.skip;
    await this.commit();
    if (bad.length > 0) {
      for (const line of bad.slice(0, 10)) this.options.logger.warn({ path: this.options.path, line: line.lineNumber, reason: line.reason }, `dataset index line ${line.lineNumber} quarantined: ${line.reason}`);
      await this.options.onQuarantine?.(bad);
    }
    if (skipped.length > 0) {
      await this.options.onUnattributed?.(
        `${lineRange(skipped)} of ${JSON.stringify(this.options.path)} (${skipped.length} samples) were taken as counted before the index was ${recount?.reason ?? 'changed'}, without the record of counted lines to tell (it was lost): they are not counted again`,
      );
    }
    // A change when there are new samples, or the count moved (lines met again while comparing), or a recount ended.
    if (fresh.length === 0 && !firstRead && !(recount && caughtUp) && result.cursor.count === from.count) return;
    const change: DatasetChange = {
      count: result.cursor.count,
      previousCount: recount?.previousCount ?? from.count,
      from,
      to: result.cursor,
      log: { from: logFrom, to: { ...this.state.log } },
    };
    if (recount && caughtUp) change.reset = recount.reason;
    const handOver = fresh.reduce((sum, l) => sum + l.bytes.length + 1, 0);
    if (handOver <= this.handOverBytes) change.lines = fresh.map((l) => l.bytes);
    await this.options.onChange(change);
  }

  private async refused(result: RefusedIndex): Promise<void> {
    if (this.refusal !== result.message) this.options.logger.warn({ path: this.options.path, reason: result.reason }, result.message);
    this.refusal = result.message;
    await this.options.onAccess?.({ readable: false, reason: result.reason, message: result.message });
  }

  private async readable(access: FileAccess | undefined): Promise<void> {
    if (this.refusal !== undefined) this.options.logger.info({ path: this.options.path }, 'dataset index readable again');
    this.refusal = undefined;
    await this.options.onAccess?.(access ? { readable: true, access } : { readable: true });
  }

  /** Stop watching and polling; waits for a read in progress (the LC's reader pool ends its reads first). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.watcher?.close();
    this.watcher = undefined;
    await this.running;
  }
}
