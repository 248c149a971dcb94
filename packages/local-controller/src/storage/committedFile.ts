/**
 * An append-only file whose committed length is kept in a state file written after each append: opening
 * cuts off what a crash left past that length, so an append counts only once its state is committed.
 * Private (0600, in 0700 folders). The LC's sample logs, quarantine files and counted-lines files.
 */
import { constants } from 'node:fs';
import { mkdir, open, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isNotFound } from './files.js';

const LF = 0x0a;

/** See the module comment. */
export class CommittedFile {
  private constructor(
    readonly path: string,
    /** Bytes in the file as this process wrote it (committed or about to be). */
    public bytes: number,
  ) {}

  /**
   * Open `path` at `committed` bytes: longer is cut back; shorter (or missing while something was
   * committed) is `lost`, the file then starting over from what it has.
   */
  static async open(path: string, committed: number): Promise<{ file: CommittedFile; lost: boolean }> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    let size = 0;
    try {
      size = (await stat(path)).size;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    if (size > committed) await truncate(path, committed);
    return { file: new CommittedFile(path, Math.min(size, committed)), lost: size < committed };
  }

  /** Append `data` and sync it (unless `sync` is false: a power loss may then cut it); the caller then commits `bytes`. */
  async append(data: Buffer, sync = true): Promise<number> {
    if (data.length === 0) return this.bytes;
    const handle = await open(this.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
    try {
      await handle.write(data);
      if (sync) await handle.datasync();
    } finally {
      await handle.close();
    }
    this.bytes += data.length;
    return this.bytes;
  }

  /** Start over empty (the file is cut to 0; the caller commits 0). */
  async reset(): Promise<void> {
    await truncate(this.path, 0).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
    this.bytes = 0;
  }

  /** The bytes from `start` to `end`, a chunk at a time. */
  chunks(start: number, end: number): AsyncGenerator<Buffer> {
    return fileChunks(this.path, start, end);
  }

  /** The LF-terminated lines from `start` to `end` (at line boundaries), without their LF, in batches. */
  lines(start: number, end: number): AsyncGenerator<Buffer[]> {
    return fileLines(this.path, start, end);
  }
}

/** The bytes of `path` from `start` to `end`, a chunk of at most about `chunkBytes` at a time. */
export async function* fileChunks(path: string, start: number, end: number, chunkBytes = 4 * 1024 * 1024): AsyncGenerator<Buffer> {
  if (end <= start) return;
  const handle = await open(path, 'r');
  try {
    for (let position = start; position < end; ) {
      const buffer = Buffer.allocUnsafe(Math.min(chunkBytes, end - position));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** The LF-terminated lines of a byte stream, without their LF, in batches (a last line without LF is dropped). */
export async function* splitLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer[]> {
  let carry = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const batch: Buffer[] = [];
    let from = 0;
    for (let lf = data.indexOf(LF, from); lf >= 0; lf = data.indexOf(LF, from)) {
      batch.push(Buffer.from(data.subarray(from, lf)));
      from = lf + 1;
    }
    carry = Buffer.from(data.subarray(from));
    if (batch.length > 0) yield batch;
  }
}

/** The LF-terminated lines of `path` from `start` to `end`, without their LF, in batches. */
export function fileLines(path: string, start: number, end: number): AsyncGenerator<Buffer[]> {
  return splitLines(fileChunks(path, start, end));
}

/** Lines joined into the bytes appended to a line file: each followed by LF. */
export function joinLines(lines: readonly Uint8Array[]): Buffer {
  const parts: Uint8Array[] = [];
  const lf = Buffer.from([LF]);
  for (const line of lines) parts.push(line, lf);
  return Buffer.concat(parts);
}
