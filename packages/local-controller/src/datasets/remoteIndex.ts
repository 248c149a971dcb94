/**
 * Datasets whose index is in S3 (`s3://bucket/dir/index.txt`, `obs://` alike), as the original LC
 * handles them: the LC keeps a local copy of the index, fetched again every `datasetPollSeconds` with
 * the storage initializer's S3 client (the LC's own S3 settings: `S3_ENDPOINT_URL`, `ACCESS_KEY_ID`,
 * `SECRET_ACCESS_KEY`), and the dataset monitor counts that copy like any index. The copy is replaced
 * (temp file + rename) only when its bytes changed. When a round is cut, the LC writes beside the round
 * file a data index (the index's S3 folder on the first line, then the path of each sample of the
 * round) and hands it over as `dataIndexURL`: the GM makes it an indirect download, so the worker pod's
 * storage initializer fetches exactly the round's samples from S3 with the Dataset's credential.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { download } from '@sedna-ts/storage-initializer';
import { splitLines } from '../storage/committedFile.js';
import { type FileAccess } from '../storage/files.js';
import { writeLinesAtomic } from '../jobs/jobState.js';
import { type LcLogger } from '../logger.js';

const REMOTE_INDEX = /^(s3|obs):\/\/[^/]+\/.+/i;

/** Whether a Dataset url names an index in S3 (the LC mirrors it) rather than a host path. */
export function isRemoteIndex(url: string): boolean {
  return REMOTE_INDEX.test(url);
}

/** The folder of a remote index: the base URI of the sample paths in it. */
export function remoteBase(url: string): string {
  return url.slice(0, url.lastIndexOf('/'));
}

/** Where the LC keeps its copy of a Dataset's remote index. */
export function mirrorPath(dataDir: string, namespace: string, name: string, url: string): string {
  return join(dataDir, 'datasets', namespace, name, basename(url));
}

async function digest(file: string): Promise<string | undefined> {
  try {
    return createHash('sha256').update(await readFile(file)).digest('hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Options of a `RemoteIndexMirror`. */
export interface RemoteIndexMirrorOptions {
  url: string;
  /** The local copy (see `mirrorPath`). */
  file: string;
  pollMs: number;
  logger: LcLogger;
  /** Where the S3 settings come from (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Keeps a local copy of a remote index up to date. */
export class RemoteIndexMirror {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private failures = 0;

  constructor(private readonly options: RemoteIndexMirrorOptions) {}

  /** Fetch once (a failure is logged; the next poll tries again), then every `pollMs`. */
  async start(): Promise<void> {
    await this.refresh();
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.refresh().finally(() => this.schedule());
    }, this.options.pollMs);
    this.timer.unref();
  }

  /** Fetch the index now; replaces the copy only when it changed. */
  refresh(): Promise<void> {
    this.running ??= this.fetch().finally(() => (this.running = undefined));
    return this.running;
  }

  private async fetch(): Promise<void> {
    const { url, file, logger } = this.options;
    const staging = join(dirname(file), '.staging');
    const log = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string) => logger[level]({ index: url }, message);
    try {
      await mkdir(staging, { recursive: true });
      await download(url, staging, { ...(this.options.env ? { env: this.options.env } : {}), logger: { debug: log('debug'), info: log('debug'), warn: log('warn'), error: log('warn') } });
      const fetched = join(staging, basename(url));
      if ((await digest(fetched)) === (await digest(file))) await rm(fetched, { force: true });
      else await rename(fetched, file);
      if (this.failures > 0) logger.info({ index: url }, 'remote dataset index reachable again');
      this.failures = 0;
    } catch (error) {
      if (this.failures++ % 10 === 0) logger.error({ index: url, error: (error as Error).message, attempts: this.failures }, 'cannot fetch the remote dataset index; trying again at the next poll');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

/**
 * Writes the data index of a round (`dataIndexURL`): `base` on the first line, then the sample path
 * (first field) of each line of `roundFile`, the csv header skipped, with the owner and mode of `access`
 * when given. Resolves to the number of samples. The round file was just written by the LC: a symlink
 * found at its name instead is not followed.
 */
export async function writeDataIndex(roundFile: string, target: string, base: string, csv: boolean, access?: FileAccess): Promise<number> {
  const handle = await open(roundFile, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await writeLinesAtomic(target, base, (async function* () {
      let first = true;
      for await (const batch of splitLines(handle.createReadStream({ autoClose: false }))) {
        for (const line of batch) {
          const header = csv && first;
          first = false;
          const path = firstField(line, csv);
          if (path.length === 0 || header) continue;
          yield path;
        }
      }
    })(), access);
  } finally {
    await handle.close();
  }
}

/** The sample path of a line, exact bytes: its first csv field, or its first blank-separated token. */
function firstField(line: Buffer, csv: boolean): Buffer {
  const blank = (b: number | undefined) => b === 0x20 || b === 0x09 || b === 0x0b || b === 0x0c || b === 0x0d;
  let start = 0;
  while (start < line.length && blank(line[start])) start++;
  let end = start;
  while (end < line.length && !(csv ? line[end] === 0x2c : blank(line[end]))) end++;
  if (csv) while (end > start && blank(line[end - 1])) end--;
  return line.subarray(start, end);
}
