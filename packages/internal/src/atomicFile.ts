/**
 * Atomic file writes: a reader sees the old content or the new one, never a part, and once the call
 * returns a crash or a power loss leaves the new one. The content goes to a new temp file beside the
 * target (`.name.<pid>.<random>.tmp`, opened with `wx` so it is never something planted at that name),
 * which is fsynced, renamed over the target, and the folder fsynced (the rename is only durable once
 * the folder entry is; a file system that refuses a folder fsync is ignored, the rename is still
 * atomic). A failed write removes its temp file and leaves the target as it was.
 *
 * Async for the services; the `Sync` variants are for start-up code that cannot await (constructors,
 * the node agent's records).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** How a file is written atomically. */
export interface AtomicWriteOptions {
  /**
   * The file's mode, whatever the umask (e.g. `0o600` for a token). Default: `0o666` less the umask,
   * as `fs.writeFile` gives.
   */
  mode?: number;
  /**
   * fsync the file and its folder (default true). Only for files that matter while the process lives
   * (a pid record) and that a power loss makes moot anyway: false skips both fsyncs, the rename stays
   * atomic.
   */
  durable?: boolean;
}

/** A name for a temp file beside `file`, unique to this process and call. */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** fsync a folder, so a rename or a new file in it survives a crash (a file system that refuses is ignored). */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // A folder fsync is not supported everywhere; the rename itself is still atomic.
  } finally {
    await handle?.close();
  }
}

/** `fsyncDir` for code that cannot await. */
export function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // As fsyncDir.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes `file` atomically with `write` filling the temp file through its handle (for content that is
 * streamed or copied); resolves to what `write` returned. Creates the folder. `prepare` runs on the new,
 * empty temp file first (to give it an owner and mode before it holds anything). `commit` wraps the
 * rename and folder fsync, once the temp file is whole and synced: a caller that serialises writes to
 * the target runs it in its turn (a long stream fills the temp file meanwhile).
 *
 * @example
 * await writeAtomic('/d/pool.txt', async (handle) => { await handle.write(header); await handle.write(lines); });
 */
export async function writeAtomic<T>(
  file: string,
  write: (handle: FileHandle) => Promise<T>,
  options: AtomicWriteOptions & { prepare?: (handle: FileHandle) => Promise<void>; commit?: (rename: () => Promise<void>) => Promise<void> } = {},
): Promise<T> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  const handle = await open(temp, 'wx', options.mode ?? 0o666);
  let result: T;
  try {
    // open's mode is filtered by the umask: chmod makes it exact.
    if (options.mode !== undefined) await handle.chmod(options.mode);
    await options.prepare?.(handle);
    result = await write(handle);
    if (options.durable !== false) await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  const commit = async (): Promise<void> => {
    await rename(temp, file);
    if (options.durable !== false) await fsyncDir(path.dirname(file));
  };
  try {
    await (options.commit ? options.commit(commit) : commit());
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return result;
}

/**
 * Writes `data` to `file` atomically and durably (temp file, fsync, rename, folder fsync), creating
 * the folder.
 *
 * @example
 * await writeFileAtomic('/var/lib/sedna/token', `${token}\n`, { mode: 0o600 });
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  return writeAtomic(file, (handle) => handle.writeFile(data), options);
}

/** `writeFileAtomic` for code that cannot await. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  const fd = openSync(temp, 'wx', options.mode ?? 0o666);
  try {
    try {
      if (options.mode !== undefined) fchmodSync(fd, options.mode);
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      if (options.durable !== false) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  if (options.durable !== false) fsyncDirSync(path.dirname(file));
}
