/**
 * The hard-example store of one job: the folder the GM mounts as HE_SAVED_URL in the inference pod,
 * where the worker SDK writes `<time>-<seq>.<png|json>` and then `<time>-<seq>.meta.json` =
 * `{result, modelVersion, time}`. An example is indexed once its meta file exists (the SDK writes it
 * last); the folder is watched, with a slow poll as a fallback. A count and a size budget evict the
 * oldest examples. The index (path, time, model version, inference result) is an append-only log in the
 * folder, `.sedna-index.jsonl`, which `readHardExampleIndex` reads without a running LC (the CLI, a
 * labelling tool). Examples whose files are removed (labelled and moved away) leave the index.
 *
 * Hard examples written the way of the original's Python library (its helmet example saves each hard
 * frame as `<HE_SAVED_URL>/<n>.jpeg`, a counter, and no meta file) are indexed too: an image file
 * without a meta file is taken once it has not changed for `settleMs` (the library writes in place, so
 * a younger file may be half written), with the file's mtime as its time and no model version.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { AppendLog } from '../storage/appendLog.js';
import { isNotFound } from '../storage/files.js';
import { type LcLogger } from '../logger.js';

/** Name of the index log in a hard-example folder. */
export const HARD_EXAMPLE_INDEX = '.sedna-index.jsonl';
const META_SUFFIX = '.meta.json';
const SAMPLE_EXTENSIONS = ['png', 'json', 'jpg', 'jpeg', 'webp', 'bin'];
/** Files taken as hard examples without a meta file (the original's library writes `<n>.jpeg`). */
export const BARE_IMAGE = /^([^.][^/]*)\.(jpe?g|png|webp|bmp)$/i;
/** How long an image without a meta file must stay unchanged before it is indexed (default). */
export const DEFAULT_SETTLE_MS = 1000;

/** How many evicted ids a store remembers (see {@link HardExampleStore.wasEvicted}). */
export const EVICTED_REMEMBERED = 10_000;

/** One indexed hard example. */
export interface HardExample {
  /** `<time>-<seq>`: the common stem of its files. */
  id: string;
  /** The sample file (image or JSON input). */
  path: string;
  /** Its `.meta.json`; absent for an example written the library's way (an image alone). */
  metaPath?: string;
  /** When the worker saved it (the meta's `time`, else the meta file's mtime), RFC 3339. */
  time: string;
  /** Version of the model that served it (the round), or null for the initial model. */
  modelVersion: string | null;
  /** The inference result the worker recorded. */
  result: unknown;
  /** Bytes of the sample and meta files. */
  bytes: number;
}

/**
 * A record of the index: an example indexed, an example gone, or an example kept out of the budget's
 * eviction (restored from the skipped list: see {@link HardExampleStore.keep}) until it leaves the queue.
 */
type IndexRecord = { t: 'add'; e: HardExample } | { t: 'del'; id: string } | { t: 'keep'; id: string };

function replay(records: readonly IndexRecord[]): { entries: Map<string, HardExample>; kept: Set<string> } {
  const entries = new Map<string, HardExample>();
  const kept = new Set<string>();
  for (const record of records) {
    if (record.t === 'add' && record.e?.id) entries.set(record.e.id, record.e);
    else if (record.t === 'del') {
      entries.delete(record.id);
      kept.delete(record.id);
    } else if (record.t === 'keep' && typeof record.id === 'string') kept.add(record.id);
  }
  return { entries, kept };
}

/** Why the store refused to keep an example (see {@link HardExampleStore.keep}). */
export class HardExampleBudgetError extends Error {}

function byAge(a: HardExample, b: HardExample): number {
  return a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The hard examples indexed in `dir` (a job's hard-example folder), oldest first. Reads the index the
 * LC keeps there; an empty list when there is none.
 *
 * @example
 * const examples = await readHardExampleIndex(hardExampleDir(`${home}/hard-examples`, 'default', 'helmet'));
 * for (const e of examples) console.log(e.time, e.modelVersion, e.path);
 */
export async function readHardExampleIndex(dir: string): Promise<HardExample[]> {
  let text: string;
  try {
    text = await readFile(join(dir, HARD_EXAMPLE_INDEX), 'utf8');
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
  const records: IndexRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as IndexRecord);
    } catch {
      // A torn last line while the LC writes: skip it.
    }
  }
  return [...replay(records).entries.values()].sort(byAge);
}

/** Options of a `HardExampleStore`. */
export interface HardExampleStoreOptions {
  dir: string;
  maxCount: number;
  maxBytes: number;
  pollMs: number;
  logger: LcLogger;
  /** How long an image without a meta file must stay unchanged before it is indexed (default `DEFAULT_SETTLE_MS`). */
  settleMs?: number;
  /** Called after the index changed, with the count and the examples evicted. */
  onChange?: (count: number, evicted: number) => void;
}

/** See the module comment. */
export class HardExampleStore {
  private log: AppendLog<IndexRecord> | undefined;
  private entries = new Map<string, HardExample>();
  private bytes = 0;
  private dels = 0;
  private watcher: FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  // Examples already warned about (a meta file being written, or broken): retried on the next event or poll.
  private readonly warned = new Set<string>();
  // An append to the index failed (a full disk): the index is rewritten from memory at the next chance.
  private indexStale = false;
  // Examples the budget never evicts: restored from the skipped list (persisted in the index) until
  // they leave the folder, and examples being labelled (in memory).
  private kept = new Set<string>();
  private readonly busy = new Set<string>();
  // The ids the budget evicted lately (in memory, the newest EVICTED_REMEMBERED): a page asking for one
  // is told it was evicted rather than that it is unknown.
  private readonly evictedIds = new Set<string>();

  constructor(private readonly options: HardExampleStoreOptions) {}

  /** Examples indexed. */
  get count(): number {
    return this.entries.size;
  }

  /** The indexed examples, oldest first. */
  list(): HardExample[] {
    return [...this.entries.values()].sort(byAge);
  }

  /** Whether the budget evicted the example `id` (one of the last {@link EVICTED_REMEMBERED}, since this LC started). */
  wasEvicted(id: string): boolean {
    return this.evictedIds.has(id);
  }

  /** Create the folder, open the index, index what is there, and watch. */
  async start(): Promise<void> {
    await mkdir(this.options.dir, { recursive: true });
    const opened = await AppendLog.open<IndexRecord>(join(this.options.dir, HARD_EXAMPLE_INDEX));
    this.log = opened.log;
    ({ entries: this.entries, kept: this.kept } = replay(opened.records));
    this.bytes = [...this.entries.values()].reduce((sum, e) => sum + e.bytes, 0);
    try {
      this.watcher = watch(this.options.dir, { persistent: false }, (_event, filename) => {
        const name = filename?.toString();
        if (name && name.endsWith(META_SUFFIX)) this.enqueue(() => this.indexOne(name.slice(0, -META_SUFFIX.length)));
        else if (!name) this.rescan();
        else if (BARE_IMAGE.test(name)) this.rescanWhenSettled();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined;
    }
    const poll = () => {
      if (this.stopped) return;
      this.pollTimer = setTimeout(() => {
        this.rescan();
        void this.chain.then(poll);
      }, this.options.pollMs);
      this.pollTimer.unref();
    };
    poll();
    this.rescan();
    await this.chain;
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    this.chain = this.chain
      .then(async () => {
        if (!this.stopped) await work();
      })
      .catch((error: unknown) => this.options.logger.error({ dir: this.options.dir, error: (error as Error).message }, 'hard-example indexing failed'));
    return this.chain;
  }

  private settleTimer: NodeJS.Timeout | undefined;

  /** A rescan once an image written just now has settled (several writes: one rescan). */
  private rescanWhenSettled(): void {
    if (this.settleTimer || this.stopped) return;
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      void this.rescan();
    }, (this.options.settleMs ?? DEFAULT_SETTLE_MS) + 50);
    this.settleTimer.unref();
  }

  /** Index every complete example in the folder and drop the ones whose files are gone. */
  rescan(): Promise<void> {
    return this.enqueue(async () => {
      let names: string[];
      try {
        names = await readdir(this.options.dir);
      } catch (error) {
        if (isNotFound(error)) return;
        throw error;
      }
      const metas = new Set(names.filter((n) => n.endsWith(META_SUFFIX)).map((n) => n.slice(0, -META_SUFFIX.length)));
      const present = new Set(names);
      let changed = false;
      for (const [id, entry] of [...this.entries]) {
        const gone = entry.metaPath ? !metas.has(id) : !present.has(basename(entry.path));
        if (gone) changed = (await this.drop(id)) || changed;
      }
      for (const id of [...metas].sort()) if (!this.entries.has(id)) changed = (await this.add(id, names)) || changed;
      let unsettled = false;
      for (const name of names) {
        const match = BARE_IMAGE.exec(name);
        if (!match || metas.has(match[1] as string) || this.entries.has(match[1] as string)) continue;
        const added = await this.addBare(match[1] as string, name);
        if (added === 'unsettled') unsettled = true;
        else changed = added || changed;
      }
      if (unsettled) this.rescanWhenSettled();
      if (changed || this.indexStale) await this.enforceBudget();
    });
  }

  private async indexOne(id: string): Promise<void> {
    if (this.entries.has(id)) return;
    if (await this.add(id)) await this.enforceBudget();
  }

  private async add(id: string, names?: string[]): Promise<boolean> {
    if (id.startsWith('.')) return false;
    const dir = this.options.dir;
    const metaPath = join(dir, `${id}${META_SUFFIX}`);
    let meta: { result?: unknown; modelVersion?: unknown; time?: unknown };
    let metaBytes: number;
    let mtime: Date;
    try {
      const [text, info] = await Promise.all([readFile(metaPath, 'utf8'), stat(metaPath)]);
      meta = JSON.parse(text) as typeof meta;
      metaBytes = info.size;
      mtime = info.mtime;
    } catch (error) {
      // A writer that does not rename into place may be mid-write: not indexed yet, tried again later.
      if (!isNotFound(error) && !this.warned.has(id)) {
        this.warned.add(id);
        this.options.logger.warn({ metaPath, error: (error as Error).message }, 'hard-example meta file unreadable; not indexed (retried on the next change or poll)');
      }
      return false;
    }
    let samplePath: string | undefined;
    let sampleBytes = 0;
    const candidates = names ? names.filter((n) => n.startsWith(`${id}.`) && n !== `${id}${META_SUFFIX}` && !n.endsWith('.tmp')) : SAMPLE_EXTENSIONS.map((e) => `${id}.${e}`);
    for (const candidate of candidates) {
      try {
        const info = await stat(join(dir, candidate));
        if (!info.isFile()) continue;
        samplePath = join(dir, candidate);
        sampleBytes = info.size;
        break;
      } catch {
        // not this extension
      }
    }
    if (!samplePath) {
      if (!this.warned.has(id)) this.options.logger.warn({ metaPath }, 'hard example without its sample file; not indexed (retried on the next change or poll)');
      this.warned.add(id);
      return false;
    }
    this.warned.delete(id);
    const time = typeof meta.time === 'string' && !Number.isNaN(Date.parse(meta.time)) ? new Date(meta.time).toISOString() : mtime.toISOString();
    const modelVersion = meta.modelVersion === undefined || meta.modelVersion === null ? null : String(meta.modelVersion);
    const entry: HardExample = { id, path: samplePath, metaPath, time, modelVersion, result: meta.result ?? null, bytes: sampleBytes + metaBytes };
    this.entries.set(id, entry);
    this.bytes += entry.bytes;
    await this.record({ t: 'add', e: entry });
    return true;
  }

  /** An image without a meta file (the library's way), once it has settled. */
  private async addBare(id: string, name: string): Promise<boolean | 'unsettled'> {
    const path = join(this.options.dir, name);
    let info;
    try {
      info = await stat(path);
    } catch {
      return false; // gone meanwhile
    }
    if (!info.isFile()) return false;
    if (Date.now() - info.mtimeMs < (this.options.settleMs ?? DEFAULT_SETTLE_MS)) return 'unsettled';
    // An example of the SDK whose meta file came meanwhile is indexed with it instead.
    if (await stat(join(this.options.dir, `${id}${META_SUFFIX}`)).then(() => true, () => false)) return this.add(id);
    const entry: HardExample = { id, path, time: info.mtime.toISOString(), modelVersion: null, result: null, bytes: info.size };
    this.entries.set(id, entry);
    this.bytes += entry.bytes;
    await this.record({ t: 'add', e: entry });
    return true;
  }

  /**
   * Keeps an example out of the budget's eviction until it leaves the folder (labelled or skipped): call
   * it before moving a skipped example of `bytes` bytes back into the folder (its time is old, so the
   * budget would evict it first). Refused with a {@link HardExampleBudgetError} naming the budget when
   * the examples kept so far and this one would not fit in it; then nothing is recorded. The promise
   * resolves once the keep is in the index (a restart keeps it). `release` undoes it when the move failed.
   */
  keep(id: string, bytes: number): Promise<void> {
    return this.exclusive(async () => {
      if (this.kept.has(id)) return;
      const { maxCount, maxBytes } = this.options;
      const keptBytes = [...this.kept].reduce((sum, k) => sum + (this.entries.get(k)?.bytes ?? 0), 0);
      if (this.kept.size + 1 > maxCount || keptBytes + bytes > maxBytes) {
        throw new HardExampleBudgetError(
          `the hard-example budget of this job (${maxCount} examples, ${maxBytes} bytes: hardExampleBudget of the local controller) is full of restored examples waiting for a label (${this.kept.size} examples, ${keptBytes} bytes): label or skip some of them first`,
        );
      }
      await (this.log as AppendLog<IndexRecord>).append({ t: 'keep', id }, { sync: true });
      this.kept.add(id);
    });
  }

  /** Undoes {@link keep} for an example that did not come back into the folder. */
  release(id: string): Promise<void> {
    return this.exclusive(async () => {
      if (!this.kept.delete(id) || this.entries.has(id)) return;
      await this.record({ t: 'del', id });
    });
  }

  /**
   * Holds an example out of eviction while `work` runs (a label being written reads its sample and
   * then removes it: the budget must not remove it in between).
   */
  async holding<T>(id: string, work: () => Promise<T>): Promise<T> {
    this.busy.add(id);
    try {
      return await work();
    } finally {
      this.busy.delete(id);
    }
  }

  /** Runs `work` in line with the indexing, passing its result or error to the caller. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work);
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async drop(id: string): Promise<boolean> {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.entries.delete(id);
    this.kept.delete(id);
    this.bytes -= entry.bytes;
    this.dels++;
    await this.record({ t: 'del', id });
    return true;
  }

  /**
   * Appends to the index. A failed append (a full disk) does not stop the store: the example counts
   * against the budget all the same, so eviction frees the disk, and the index is rewritten whole once
   * it can be (`indexStale`).
   */
  private async record(entry: IndexRecord): Promise<void> {
    if (this.indexStale) return;
    try {
      await (this.log as AppendLog<IndexRecord>).append(entry, { sync: false });
    } catch (error) {
      this.indexStale = true;
      this.options.logger.error({ dir: this.options.dir, error: (error as Error).message }, 'hard-example index not written; examples are still counted and evicted, and the index is rewritten once the disk takes it');
    }
  }

  private async enforceBudget(): Promise<void> {
    const { maxCount, maxBytes } = this.options;
    let evicted = 0;
    if (this.entries.size > maxCount || this.bytes > maxBytes) {
      for (const entry of this.list()) {
        if (this.entries.size <= maxCount && this.bytes <= maxBytes) break;
        // Never a restored example waiting for its label, nor one being labelled (see keep, holding).
        if (this.kept.has(entry.id) || this.busy.has(entry.id)) continue;
        if (entry.metaPath) await rm(entry.metaPath, { force: true });
        await rm(entry.path, { force: true });
        await this.drop(entry.id);
        this.evictedIds.add(entry.id);
        if (this.evictedIds.size > EVICTED_REMEMBERED) this.evictedIds.delete(this.evictedIds.values().next().value as string);
        evicted++;
      }
      this.options.logger.info({ dir: this.options.dir, evicted, kept: this.entries.size, bytes: this.bytes }, 'hard examples evicted by the budget');
    }
    if (this.indexStale || (this.dels > 1000 && this.dels > this.entries.size)) {
      try {
        const records: IndexRecord[] = this.list().map((e) => ({ t: 'add', e }));
        await (this.log as AppendLog<IndexRecord>).rewrite([...records, ...[...this.kept].map((id): IndexRecord => ({ t: 'keep', id }))]);
        if (this.indexStale) this.options.logger.info({ dir: this.options.dir, count: this.entries.size }, 'hard-example index rewritten');
        this.indexStale = false;
        this.dels = 0;
      } catch (error) {
        if (!this.indexStale) throw error;
        // Still no room: the next change or poll tries again.
      }
    }
    this.options.onChange?.(this.entries.size, evicted);
  }

  /** Stop watching; the index stays on disk. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.watcher?.close();
    await this.chain;
    await this.log?.close();
  }
}
