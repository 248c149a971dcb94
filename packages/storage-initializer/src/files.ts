/**
 * Writing files so that a crash never leaves a half file that looks whole: data goes to a hidden
 * temporary name beside the target, is flushed to disk, then renamed over the target. Leftovers of a
 * crashed run carry a marker in their names and are swept at the start of the next one.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Marks the temporary names of this package: `.<name>.sedna-partial-<run>-<random>`, `.sedna-staging-<run>-<random>`. */
const PARTIAL_MARK = '.sedna-partial-';
const STAGING_PREFIX = '.sedna-staging-';
/**
 * This process's token in its temporary names: a sweep removes only other runs' leftovers, never a
 * file this run is writing at the same moment.
 */
const RUN = randomBytes(4).toString('hex');

/** A body that ended before the length the server announced. */
export class TruncatedBodyError extends Error {
  override readonly name = 'TruncatedBodyError';
}

/** A local write failed (disk full, permissions): not a network problem, never retried. */
export class LocalWriteError extends Error {
  override readonly name = 'LocalWriteError';
}

/** A hidden temporary name beside `target`. */
export function partialPath(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}${PARTIAL_MARK}${RUN}-${randomBytes(4).toString('hex')}`);
}

/** A new hidden staging folder in `dir` (created), for extracting or copying a whole tree. */
export async function makeStagingDir(dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  return fs.mkdtemp(path.join(dir, `${STAGING_PREFIX}${RUN}-`));
}

/** A response body and the length its server announced, if it did. */
export interface Body {
  stream: Readable;
  length?: number | undefined;
}

/**
 * Opens `file` (created or truncated), then asks `request` for the body and writes it, flushes the
 * file to disk, and checks its length against the announced one. The file is opened first so that
 * nothing is awaited between the body's arrival and its consumer: a body that fails early still has
 * one to fail to.
 *
 * @returns the number of bytes written.
 * @throws TruncatedBodyError when fewer or more bytes arrived than announced; LocalWriteError when the
 *   file could not be written; the request's or the stream's own error otherwise.
 */
export async function receiveToFile(file: string, request: () => Promise<Body>): Promise<number> {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'w', 0o644);
  } catch (error) {
    throw new LocalWriteError(`cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
  let writeFailed: Error | undefined;
  let expectedBytes: number | undefined;
  try {
    const body = await request();
    const source = body.stream;
    expectedBytes = body.length;
    // On the descriptor (FileHandle.createWriteStream never finishes under jest's vm modules).
    const sink = createWriteStream('', { fd: handle.fd, autoClose: false });
    sink.on('error', (error) => (writeFailed = error));
    try {
      await pipeline(source, counter, sink);
    } catch (error) {
      if (writeFailed) throw new LocalWriteError(`cannot write ${file}: ${writeFailed.message}`, { cause: writeFailed });
      throw error;
    }
    try {
      await handle.sync();
    } catch (error) {
      throw new LocalWriteError(`cannot flush ${file}: ${(error as Error).message}`, { cause: error });
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
  if (expectedBytes !== undefined && bytes !== expectedBytes) {
    const what = bytes < expectedBytes ? 'body cut short' : 'body longer than announced';
    throw new TruncatedBodyError(`${what}: ${bytes} bytes arrived, ${expectedBytes} announced`);
  }
  return bytes;
}

/**
 * Runs `write` on a temporary name beside `target`, then renames it over `target`; on failure the
 * temporary file is removed and `target` is left as it was.
 */
export async function writeAtomically<T>(target: string, write: (temporary: string) => Promise<T>): Promise<T> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temporary = partialPath(target);
  try {
    const result = await write(temporary);
    await replace(temporary, target);
    return result;
  } catch (error) {
    await fs.rm(temporary, { force: true, recursive: true }).catch(() => undefined);
    throw error;
  }
}

/** Renames `from` over `to`; a folder in the way of a file (or the reverse) is removed first. */
async function replace(from: string, to: string): Promise<void> {
  const [source, existing] = await Promise.all([fs.lstat(from), fs.lstat(to).catch(() => undefined)]);
  if (existing && (existing.isDirectory() || source.isDirectory())) await fs.rm(to, { recursive: true, force: true });
  await fs.rename(from, to);
}

/**
 * Moves everything in `from` into `to`, as extracting over an existing tree does: folders are merged,
 * files replace files (each by one rename), and anything of another type in the way is replaced.
 * `from` is left empty.
 */
export async function mergeInto(from: string, to: string): Promise<void> {
  await fs.mkdir(to, { recursive: true });
  for (const entry of await fs.readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    const existing = await fs.lstat(target).catch(() => undefined);
    if (entry.isDirectory() && existing?.isDirectory()) {
      await mergeInto(source, target);
      await fs.rmdir(source);
    } else {
      await replace(source, target);
    }
  }
}

/**
 * Removes what a crashed earlier run left in `dir` (and with `recursive`, in its sub-folders):
 * temporary files and staging folders, found by their marked names; this process's own are kept.
 * Symbolic links are not followed.
 *
 * @returns how many were removed.
 */
export async function sweepPartials(dir: string, recursive: boolean): Promise<number> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let removed = 0;
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    const leftover = entry.name.includes(PARTIAL_MARK) || (entry.isDirectory() && entry.name.startsWith(STAGING_PREFIX));
    const ours = entry.name.includes(`${PARTIAL_MARK}${RUN}-`) || entry.name.startsWith(`${STAGING_PREFIX}${RUN}-`);
    if (leftover && !ours) {
      await fs.rm(full, { recursive: true, force: true });
      removed++;
    } else if (recursive && entry.isDirectory()) {
      removed += await sweepPartials(full, true);
    }
  }
  return removed;
}

/** Creates `dir` and its parents, naming `dir` in the error. */
export async function ensureDir(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (error) {
    throw new LocalWriteError(`cannot create folder ${dir}: ${(error as Error).message}`, { cause: error });
  }
}
