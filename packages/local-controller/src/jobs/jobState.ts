/**
 * The persisted state of one job on the LC: where it is in its dataset, the train pool, the open eval
 * version and the closed ones, the actions already taken (keyed by round, stage and attempt), and the
 * action in progress (`intent`). `state.json` is the commit point, written atomically; the pools are
 * append-only files whose committed length is in the state, so a crash between appending and committing
 * is undone by cutting the files back on open. Files are never rewritten in place: a pool that changes
 * otherwise gets a new file, and the state switches to it in one commit.
 */
import { mkdir, open, readdir, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { type WireFrame } from '@sedna-ts/api-types';
import { writeAtomic, writeFileAtomic } from '@sedna-ts/internal';
import { LocalControllerError } from '../errors.js';
import { fileLines, joinLines } from '../storage/committedFile.js';
import { applyAccess, fileSize, readJsonFile, type FileAccess } from '../storage/files.js';
import { type IndexCursor } from '../datasets/indexReader.js';
import { type LogPosition } from '../datasets/datasetMonitor.js';
import { type LcLogger } from '../logger.js';

/** One pool file and its committed size. */
export interface PoolFile {
  file: string;
  bytes: number;
  lines: number;
}

/** A closed eval version: the eval samples that arrived before the eval cut of `round`. */
export interface EvalVersion extends PoolFile {
  round: number;
}

/** An action taken. */
export interface ActionRecord {
  at: string;
  messageId?: string;
  detail?: string;
}

/** The data index written beside a round file of a Dataset whose index is in S3. */
export interface DataIndexFile {
  file: string;
  /** The S3 folder of the Dataset's index (the first line). */
  base: string;
  csv: boolean;
}

/**
 * An action in progress, replayed on open until it completes. A cut's `access` is the owner and mode of
 * its round files (those of the dataset's index when the cut was decided; absent in intents written
 * before it existed); `headerBytes` the base64 of a csv index's header (`header`: as text, in intents
 * written before it).
 */
export type Intent =
  | { kind: 'cutTrain'; key: string; round: number; frame: WireFrame; pool: PoolFile; roundFile: string; header?: string; headerBytes?: string; manual?: string; cause: string; dataIndex?: DataIndexFile; access?: FileAccess }
  | { kind: 'cutEval'; key: string; round: number; frame: WireFrame; versions: EvalVersion[]; roundFile: string; header?: string; headerBytes?: string; manual?: string; dataIndex?: DataIndexFile; access?: FileAccess }
  | { kind: 'report'; key: string; round: number; frame: WireFrame; manual?: string; detail?: string };

/** The whole state. */
export interface JobStateData {
  schema: 1;
  uid: string;
  /** Dataset `<ns>/<name>` the samples come from. */
  dataset: string;
  /** How far in the Dataset's sample log the pools have taken (undefined: from its start). */
  samples?: LogPosition;
  /** States before the sample log: where the job was in the index itself. */
  cursor?: IndexCursor;
  /** Samples handed to the pools, and how many of them went to train (for the exact split). */
  split: { seen: number; train: number };
  train: PoolFile;
  evalOpen: PoolFile;
  evalVersions: EvalVersion[];
  actions: Record<string, ActionRecord>;
  intent?: Intent;
  /** Manual trigger annotations acted on (the last few). */
  manualDone: string[];
  /** Counter for new pool file names. */
  nextFile: number;
}

/** The layout version of `state.json`; a state of another version is refused, not started afresh. */
const STATE_SCHEMA = 1;

/** Eval versions in the eval pool. */
export const EVAL_VERSIONS = 5;
/** Rounds of action records kept. */
const ACTION_ROUNDS_KEPT = 50;

function freshState(uid: string): JobStateData {
  return {
    schema: 1,
    uid,
    dataset: '',
    split: { seen: 0, train: 0 },
    train: { file: 'train-0.txt', bytes: 0, lines: 0 },
    evalOpen: { file: 'eval-1.txt', bytes: 0, lines: 0 },
    evalVersions: [],
    actions: {},
    manualDone: [],
    nextFile: 2,
  };
}

/** See the module comment. */
export class JobState {
  private constructor(
    readonly dir: string,
    public data: JobStateData,
  ) {}

  private get statePath(): string {
    return join(this.dir, 'state.json');
  }

  /** Path of a pool file. */
  poolPath(file: string): string {
    return join(this.dir, 'pools', file);
  }

  /**
   * Open the state in `dir` for the job of `uid`: a state of another uid (the job was deleted and made
   * again) or an unreadable one starts fresh; pool files are cut back to their committed size and files
   * the state does not name are removed.
   *
   * @throws LocalControllerError `STORAGE_FAILED` for a state of another schema (a later release's).
   */
  static async open(dir: string, uid: string, logger: LcLogger): Promise<JobState> {
    await mkdir(join(dir, 'pools'), { recursive: true });
    const read = await readJsonFile<JobStateData>(join(dir, 'state.json'));
    const schema: unknown = read.status === 'ok' ? (read.value as { schema?: unknown } | undefined)?.schema : undefined;
    if (schema !== undefined && schema !== STATE_SCHEMA) {
      // A later release's state is not taken for none: starting fresh would read the dataset again from its start.
      throw new LocalControllerError(
        'STORAGE_FAILED',
        `${join(dir, 'state.json')}: schema ${JSON.stringify(schema)} was not written by this release of the Local Controller, which reads schema ${STATE_SCHEMA}; the job is left alone (run the release that wrote it, or remove ${dir} to count the dataset again from its start)`,
      );
    }
    let data: JobStateData;
    if (read.status === 'ok' && read.value?.uid === uid) {
      data = read.value;
    } else {
      if (read.status === 'corrupt') logger.error({ dir, error: read.error.message }, 'job state unreadable; starting fresh (the dataset is read again from its start)');
      else if (read.status === 'ok') logger.info({ dir, previousUid: read.value?.uid, uid }, 'job state of another job of that name; starting fresh');
      data = freshState(uid);
      await rm(join(dir, 'pools'), { recursive: true, force: true });
      await mkdir(join(dir, 'pools'), { recursive: true });
    }
    const state = new JobState(dir, data);
    await state.repairPools();
    await state.commit();
    return state;
  }

  private referencedFiles(): PoolFile[] {
    const files: PoolFile[] = [this.data.train, this.data.evalOpen, ...this.data.evalVersions];
    const intent = this.data.intent;
    if (intent?.kind === 'cutTrain') files.push(intent.pool);
    if (intent?.kind === 'cutEval') files.push(...intent.versions);
    return files;
  }

  private async repairPools(): Promise<void> {
    const referenced = new Map<string, number>();
    for (const pool of this.referencedFiles()) referenced.set(pool.file, Math.max(referenced.get(pool.file) ?? 0, pool.bytes));
    for (const entry of await readdir(join(this.dir, 'pools'))) {
      const size = referenced.get(entry);
      if (size === undefined) {
        await rm(this.poolPath(entry), { force: true });
        continue;
      }
      const actual = (await fileSize(this.poolPath(entry))) ?? 0;
      if (actual > size) await truncate(this.poolPath(entry), size);
    }
  }

  /** Write the state atomically: the commit point of every change. */
  async commit(): Promise<void> {
    await writeFileAtomic(this.statePath, JSON.stringify(this.data));
  }

  /** A new, empty pool file. */
  newPool(prefix: 'train' | 'eval'): PoolFile {
    return { file: `${prefix}-${this.data.nextFile++}.txt`, bytes: 0, lines: 0 };
  }

  /** Append lines (exact bytes) to a pool file (fsync); the caller commits the returned sizes. */
  async appendLines(pool: PoolFile, lines: readonly Buffer[]): Promise<PoolFile> {
    if (lines.length === 0) return pool;
    const data = joinLines(lines);
    const handle = await open(this.poolPath(pool.file), 'a', 0o600);
    try {
      await handle.write(data);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    return { file: pool.file, bytes: pool.bytes + data.length, lines: pool.lines + lines.length };
  }

  /** The committed lines of a pool file, exact bytes. */
  async *readLines(pool: PoolFile): AsyncGenerator<Buffer> {
    for await (const batch of fileLines(this.poolPath(pool.file), 0, pool.bytes)) for (const line of batch) if (line.length > 0) yield line;
  }

  /**
   * Write `target` atomically with `header` (if any) and then the committed lines of `pools`, in order.
   * Returns the number of sample lines written.
   */
  async writeRoundFile(target: string, pools: readonly PoolFile[], header?: Buffer, access?: FileAccess): Promise<number> {
    return writeLinesAtomic(target, header, (async function* (self: JobState) {
      for (const pool of pools) yield* self.readLines(pool);
    })(this), access);
  }

  /** A new pool file holding `first` lines then the lines of `then` (to put samples back in front). */
  async mergedPool(prefix: 'train' | 'eval', first: AsyncIterable<Buffer>, then: PoolFile): Promise<PoolFile> {
    const pool = this.newPool(prefix);
    const lines = await writeLinesAtomic(this.poolPath(pool.file), undefined, (async function* (state: JobState) {
      yield* first;
      yield* state.readLines(then);
    })(this));
    return { file: pool.file, bytes: (await fileSize(this.poolPath(pool.file))) ?? 0, lines };
  }

  /** Remove pool files no longer named by the state. */
  async removePools(pools: readonly PoolFile[]): Promise<void> {
    const live = new Set(this.referencedFiles().map((p) => p.file));
    for (const pool of pools) if (!live.has(pool.file)) await rm(this.poolPath(pool.file), { force: true });
  }

  /** Whether `key` was done. */
  done(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.data.actions, key);
  }

  /** Record `key` as done (the caller commits), forgetting records of rounds long past. */
  markDone(key: string, record: ActionRecord, round: number): void {
    this.data.actions[key] = record;
    for (const k of Object.keys(this.data.actions)) {
      const r = Number(k.split('/')[2]);
      if (Number.isFinite(r) && r < round - ACTION_ROUNDS_KEPT) delete this.data.actions[k];
    }
  }

  /** Remember a manual trigger annotation as acted on. */
  markManual(value: string | undefined): void {
    if (!value) return;
    this.data.manualDone = [...this.data.manualDone.filter((v) => v !== value), value].slice(-20);
  }

  /** Remove the whole state folder (the job was deleted). */
  static async remove(dir: string): Promise<void> {
    await rm(dir, { recursive: true, force: true });
  }
}

const LF = Buffer.from('\n');

/**
 * Write `header` and `lines` (exact bytes; text is written as UTF-8), each ended by LF, to `target` by
 * temp file, fsync and rename, with the owner and mode of `access` when given; returns the lines written.
 */
export function writeLinesAtomic(target: string, header: Buffer | string | undefined, lines: AsyncIterable<Buffer | string>, access?: FileAccess): Promise<number> {
  return writeAtomic(target, async (handle) => {
    let count = 0;
    let parts: Buffer[] = [];
    let size = 0;
    const add = (line: Buffer | string) => {
      const bytes = typeof line === 'string' ? Buffer.from(line, 'utf8') : line;
      parts.push(bytes, LF);
      size += bytes.length + 1;
    };
    if (header !== undefined) add(header);
    for await (const line of lines) {
      add(line);
      count++;
      if (size >= 1 << 20) {
        await handle.write(Buffer.concat(parts));
        parts = [];
        size = 0;
      }
    }
    if (size > 0) await handle.write(Buffer.concat(parts));
    return count;
  }, access ? { prepare: (handle) => applyAccess(handle, access) } : {});
}

