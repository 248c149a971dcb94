/**
 * The knowledge base on disk: one folder per job, `<dataDir>/jobs/<namespace>/<job>/`, holding
 *
 * - `index.json`: the job's current index;
 * - `history/<create_time>.json`: every version `update` stored (`:` made `-`), and
 *   `history/<create_time>.status-<n>.json` for the n-th `update/status` change of that version;
 * - `files/<name>`: the artifacts the job's workers uploaded.
 *
 * Every write is atomic and durable (temp file beside the target, fsync, rename, folder fsync), so a
 * SIGKILL at any moment leaves the previous version or the new one. Writes of one job are serialised
 * (an upload streams to its temp file on its own and only its rename waits its turn). Folders are 0700,
 * files 0600; the data folder must be this user's. One process per data folder (a pid lock).
 */
import { lstat, mkdir, readdir, readFile, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import { compareKbCreateTimes, KB_INDEX_FILE, KB_ROUTE_PREFIX, KB_ROUTES, type KbIndex } from '@sedna-ts/api-types/contract';
import { ensurePrivateDirSync, PrivateFilesError, takePidLockSync, writeAtomic, writeFileAtomic } from '@sedna-ts/internal';
import type { JobIdentity } from './auth.js';
import { KnowledgeBaseError, errorMessage } from './errors.js';
import type { KbLogger } from './logger.js';

/** How far ahead of this service's clock an index's create_time may be (clocks of machines differ). */
export const MAX_CREATE_TIME_SKEW_MS = 5 * 60_000;

/** Folder of the jobs under the data folder. */
export const JOBS_DIR = 'jobs';
/** Folder of a job's index versions. */
export const HISTORY_DIR = 'history';
/** Folder of a job's uploaded files. */
export const FILES_DIR = 'files';
/** The pid lock of a data folder. */
export const LOCK_FILE = 'sedna-kb.lock';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** A temp file of an interrupted write (internal's `tempPathFor`): `.<name>.<pid>.<hex>.tmp`. */
const TEMP_FILE = /^\..+\.\d+\.[0-9a-f]+\.tmp$/;

function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** A `create_time` as a file name: RFC 3339 with `:` (and anything else unsafe) made `-`. */
export function versionFileName(createTime: string): string {
  const safe = createTime.replace(/[^A-Za-z0-9._+-]/g, '-').replace(/^\.+/, '').slice(0, 200);
  return safe === '' ? 'unnamed' : safe;
}

/** A file found for a download. */
export interface StoredFile {
  /** Its real path (links resolved), inside the job's folder. */
  path: string;
  size: number;
}

/** The knowledge base's files. Open with {@link KbStore.open}. */
export class KbStore {
  private readonly chains = new Map<string, Promise<unknown>>();

  private constructor(
    /** The data folder, resolved (links followed). */
    readonly dataDir: string,
    private readonly logger: KbLogger,
    private readonly releaseLock: () => void,
  ) {}

  /**
   * Makes the data folder private (0700, everything in it tightened to 0700/0600), takes its pid lock
   * and removes the temp files of writes a kill interrupted.
   *
   * @throws KnowledgeBaseError `DATA_DIR`: the folder (or a file in it) is another user's, cannot be
   *   made, or another live process serves it.
   */
  static async open(dataDir: string, logger: KbLogger): Promise<KbStore> {
    let real: string;
    try {
      ensurePrivateDirSync(dataDir, { recursive: true, logger });
      real = await realpath(dataDir);
    } catch (error) {
      const why = error instanceof PrivateFilesError ? error.message : errorMessage(error);
      throw new KnowledgeBaseError('DATA_DIR', `data folder ${dataDir}: ${why}`, { cause: error });
    }
    let release: () => void;
    try {
      release = takePidLockSync(path.join(real, LOCK_FILE), {
        held: (pid) => new KnowledgeBaseError('DATA_DIR', `data folder ${dataDir}: already served by process ${pid}`),
        heldHere: () => new KnowledgeBaseError('DATA_DIR', `data folder ${dataDir}: already served by this process`),
      });
    } catch (error) {
      throw error instanceof KnowledgeBaseError ? error : new KnowledgeBaseError('DATA_DIR', `data folder ${dataDir}: ${errorMessage(error)}`, { cause: error });
    }
    const store = new KbStore(real, logger, release);
    await store.sweepTempFiles(path.join(real, JOBS_DIR));
    return store;
  }

  /** The folder of a job. */
  jobDir(id: JobIdentity): string {
    return path.join(this.dataDir, JOBS_DIR, id.namespace, id.job);
  }

  /** The job's current index as stored (JSON text), or undefined before its first `update`. */
  async readIndexText(id: JobIdentity): Promise<string | undefined> {
    try {
      return await readFile(path.join(this.jobDir(id), KB_INDEX_FILE), 'utf8');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The job's current index, or undefined before its first `update`. */
  async readIndex(id: JobIdentity): Promise<KbIndex | undefined> {
    const text = await this.readIndexText(id);
    return text === undefined ? undefined : (JSON.parse(text) as KbIndex);
  }

  /**
   * Stores `index` as the job's current index and as the version `history/<create_time>.json`, when its
   * `create_time` is after the current index's. The same content again under a stored `create_time` (a
   * retried upload) changes nothing and resolves to `unchanged`; if a kill had cut that version's write
   * between history and `index.json`, the write is finished (`stored`).
   *
   * @throws KnowledgeBaseError `CONFLICT` naming both times: a `create_time` not after the current
   *   index's (it would roll the job back), or one naming a stored version of other content.
   */
  putIndex(id: JobIdentity, index: KbIndex): Promise<'stored' | 'unchanged'> {
    return this.exclusive(id, async () => {
      const historyName = `${versionFileName(index.create_time)}.json`;
      const [stored, current] = await Promise.all([this.readJson(path.join(this.jobDir(id), HISTORY_DIR, historyName)), this.readIndex(id)]);
      const currentTime = current?.create_time;
      const notAfterCurrent = currentTime !== undefined && !this.isAfter(id, index.create_time, currentTime);
      // A time far ahead of this clock would block every later version (a worker's clock running fast, or a hostile one).
      const ahead = Date.parse(index.create_time) - Date.now();
      if (ahead > MAX_CREATE_TIME_SKEW_MS) {
        throw new KnowledgeBaseError(
          'CONFLICT',
          `index: create_time: ${JSON.stringify(index.create_time)} of job ${id.key} is ${Math.round(ahead / 1000)} s ahead of this service's clock (at most ${MAX_CREATE_TIME_SKEW_MS / 1000} s): it would block every later version; check the worker's clock`,
        );
      }
      if (stored !== undefined) {
        if (!isDeepStrictEqual(stored, index)) {
          throw new KnowledgeBaseError(
            'CONFLICT',
            `index: create_time: ${JSON.stringify(index.create_time)} names a stored version of job ${id.key} (history/${historyName}) with other content; a new version needs a create_time after the current index's ${JSON.stringify(currentTime)}`,
          );
        }
        if (notAfterCurrent) return 'unchanged';
      } else if (notAfterCurrent) {
        throw new KnowledgeBaseError(
          'CONFLICT',
          `index: create_time: ${JSON.stringify(index.create_time)} is not after the current index's create_time ${JSON.stringify(currentTime)} of job ${id.key}: an older version would roll the job back; a new version needs a later create_time`,
        );
      }
      await this.writeVersion(id, index, historyName);
      return 'stored';
    });
  }

  /** Whether `time` is after `current`; a current time stored before they were checked (not RFC 3339) yields to any. */
  private isAfter(id: JobIdentity, time: string, current: string): boolean {
    try {
      return compareKbCreateTimes(time, current) > 0;
    } catch {
      this.logger.warn({ job: id.key, create_time: time, current }, 'the current index has a create_time that is not an RFC 3339 time (stored by an earlier release): the new index replaces it');
      return true;
    }
  }

  /** A JSON file, parsed, or undefined when it does not exist. */
  private async readJson(file: string): Promise<unknown> {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as unknown;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Sets `deploy` on the task groups named `tasks` (seen and unseen) of the job's current index and
   * stores the result as a new version of the same `create_time`.
   *
   * @throws KnowledgeBaseError `NOT_FOUND` (no index yet), `INVALID_INPUT` (groups the index does not have).
   */
  setDeploy(id: JobIdentity, tasks: readonly string[], deploy: boolean): Promise<KbIndex> {
    return this.exclusive(id, async () => {
      const index = await this.readIndex(id);
      if (!index) throw new KnowledgeBaseError('NOT_FOUND', `job ${id.key} has no index yet: POST one to ${KB_ROUTE_PREFIX}${KB_ROUTES.update} first`);
      const groups = [...index.seen_task.task_groups, ...index.unseen_task.task_groups];
      const unknown = tasks.filter((t) => !groups.some((g) => g.entry === t));
      if (unknown.length > 0) {
        throw new KnowledgeBaseError('INVALID_INPUT', `tasks: ${unknown.map((t) => JSON.stringify(t)).join(', ')} ${unknown.length === 1 ? 'is not a task group' : 'are not task groups'} of the index ${index.create_time} of job ${id.key} (it has ${groups.map((g) => JSON.stringify(g.entry)).join(', ') || 'none'})`);
      }
      for (const group of groups) if (tasks.includes(group.entry)) group.deploy = deploy;
      const stem = versionFileName(index.create_time);
      const names = await readdir(path.join(this.jobDir(id), HISTORY_DIR)).catch(() => [] as string[]);
      const changes = names.filter((n) => n.startsWith(`${stem}.status-`) && n.endsWith('.json')).length;
      await this.writeVersion(id, index, `${stem}.status-${changes + 1}.json`);
      return index;
    });
  }

  /**
   * Streams `content` to `files/<segments>` of the job: to a temp file first, renamed into place (in
   * the job's turn) once whole and synced. Returns the path relative to the job's folder.
   *
   * @throws KnowledgeBaseError `INVALID_INPUT` (a folder, or a link, in the way), or the stream's error.
   */
  async saveFile(id: JobIdentity, segments: readonly string[], content: Readable): Promise<string> {
    const filesDir = path.join(this.jobDir(id), FILES_DIR);
    const parent = await this.privateFolders(filesDir, segments.slice(0, -1), `file: ${JSON.stringify(segments.join('/'))}`);
    const target = path.join(parent, segments.at(-1) as string);
    const existing = await lstat(target).catch(() => undefined);
    if (existing && !existing.isFile()) throw new KnowledgeBaseError('INVALID_INPUT', `file: ${JSON.stringify(segments.join('/'))} is a ${existing.isDirectory() ? 'folder' : 'link or special file'} in the job's folder`);
    await writeAtomic(
      target,
      async (handle) => {
        for await (const chunk of content as AsyncIterable<Buffer>) await handle.write(chunk);
      },
      { mode: FILE_MODE, commit: (rename) => this.exclusive(id, rename) },
    );
    return [FILES_DIR, ...segments].join('/');
  }

  /**
   * The file `segments` of the job's folder, links resolved, if it is a regular file inside that folder.
   * Undefined otherwise (missing, a folder, a link leading out of the job's folder).
   */
  async findFile(id: JobIdentity, segments: readonly string[]): Promise<StoredFile | undefined> {
    let base: string;
    let real: string;
    try {
      base = await realpath(this.jobDir(id));
      real = await realpath(path.join(this.jobDir(id), ...segments));
    } catch (error) {
      if (isNotFound(error) || (error as NodeJS.ErrnoException).code === 'ELOOP') return undefined;
      throw error;
    }
    if (!real.startsWith(base + path.sep)) {
      this.logger.warn({ job: id.key, file: segments.join('/'), target: real }, 'download refused: a link leads out of the job folder');
      return undefined;
    }
    const stats = await stat(real);
    return stats.isFile() ? { path: real, size: stats.size } : undefined;
  }

  /** Waits for the writes in flight (up to `deadlineMs`), then releases the data folder. */
  async close(deadlineMs = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), deadlineMs)));
    const pending = Promise.allSettled([...this.chains.values()]);
    const outcome = await Promise.race([pending, deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.logger.warn({ deadlineMs }, 'writes still in flight at close: each is atomic, the next start finds the previous or the new version');
    this.releaseLock();
  }

  /** Runs `work` after the job's earlier writes (one write of a job at a time). */
  private exclusive<T>(id: JobIdentity, work: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(id.key) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.catch(() => undefined);
    this.chains.set(id.key, tail);
    void tail.then(() => {
      if (this.chains.get(id.key) === tail) this.chains.delete(id.key);
    });
    return run;
  }

  /** A version to history, then the current index: a kill between the two leaves the previous index current. */
  private async writeVersion(id: JobIdentity, index: KbIndex, historyName: string): Promise<void> {
    const dir = this.jobDir(id);
    await this.privateFolders(path.join(this.dataDir, JOBS_DIR), [id.namespace, id.job, HISTORY_DIR], `job ${id.key}`);
    const text = `${JSON.stringify(index, null, 2)}\n`;
    await writeFileAtomic(path.join(dir, HISTORY_DIR, historyName), text, { mode: FILE_MODE });
    await writeFileAtomic(path.join(dir, KB_INDEX_FILE), text, { mode: FILE_MODE });
  }

  /**
   * Makes `root/segments...` one folder at a time (0700), refusing any that is a link or not a folder,
   * so that nothing planted in the tree makes a write land outside it. Returns the last folder.
   */
  private async privateFolders(root: string, segments: readonly string[], what: string): Promise<string> {
    await mkdir(root, { recursive: true, mode: DIR_MODE });
    let dir = root;
    for (const segment of segments) {
      dir = path.join(dir, segment);
      try {
        await mkdir(dir, { mode: DIR_MODE });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const stats = await lstat(dir);
      if (!stats.isDirectory()) throw new KnowledgeBaseError('INVALID_INPUT', `${what}: ${path.relative(this.dataDir, dir)} is ${stats.isSymbolicLink() ? 'a link' : 'a file'}, not a folder`);
    }
    return dir;
  }

  /** Removes the temp files that writes interrupted by a kill left (`.<name>.<pid>.<hex>.tmp`). */
  private async sweepTempFiles(dir: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    for (const entry of entries) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) await this.sweepTempFiles(file);
      else if (entry.isFile() && TEMP_FILE.test(entry.name)) {
        await rm(file, { force: true });
        this.logger.info({ file }, 'removed the temp file of an interrupted write');
      }
    }
  }
}
