/**
 * Incremental reading of a dataset index: one sample per line, `txt` or `csv` (whose first line is a
 * header, not a sample). A cursor remembers which file was read (device and inode), how far (the bytes
 * of complete lines), how many samples that was, and the last bytes before that point. Reading from a
 * cursor reads only the appended bytes, stops at the last complete line (a writer may be mid-append),
 * and tells when the file was replaced (another inode), truncated (shorter than the cursor) or rewritten
 * in place (the bytes before the cursor changed), so the caller recounts.
 *
 * Blank lines are not samples (the original counted them); `\r\n` line ends are accepted.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { isNotFound } from '../storage/files.js';

/** Index formats the LC counts. */
export type IndexFormat = 'txt' | 'csv';

/** Where a reader is in an index file. */
export interface IndexCursor {
  /** `<dev>:<ino>` of the file read; empty before the first read. */
  fileId: string;
  /** Bytes of complete lines read. */
  offset: number;
  /** Samples in those bytes (blank lines and the csv header excluded). */
  count: number;
  /** Base64 of the (up to) 64 bytes before `offset`, to notice a rewrite in place. */
  tail: string;
  /** csv: the header line, once read. */
  header?: string;
}

/** A cursor at the start of no file: reading from it reads a whole index. */
export const START_CURSOR: IndexCursor = Object.freeze({ fileId: '', offset: 0, count: 0, tail: '' });

const TAIL_BYTES = 64;
const CHUNK_BYTES = 4 * 1024 * 1024;

/** An index file refused by the opener: `reason` one CamelCase word, `message` naming the path and why. */
export interface RefusedIndex {
  kind: 'refused';
  reason: string;
  message: string;
}

/** What an `IndexOpener` found. */
export type OpenedIndex = { kind: 'open'; handle: FileHandle } | { kind: 'missing' } | RefusedIndex;

/**
 * How `readIndex` opens an index. The default opens the path as it is; the LC's opener first checks that
 * the file is one it may read (see dataRoots.ts).
 */
export type IndexOpener = (path: string) => Promise<OpenedIndex>;

/** What a read found. */
export type IndexRead =
  | { kind: 'read'; cursor: IndexCursor; samples: number }
  | { kind: 'reset'; reason: 'replaced' | 'truncated' | 'rewritten' }
  | { kind: 'missing' }
  | RefusedIndex;

/** Options of `readIndex`. */
export interface ReadIndexOptions {
  /** Skip this many samples before handing any to `onSamples` (a recount after a reset). */
  skipSamples?: number;
  /** Called with the new sample lines, in order, a chunk at a time. */
  onSamples?: (lines: string[]) => void | Promise<void>;
  /** Read at most this many bytes (the rest on the next call). */
  maxBytes?: number;
  /** How the index is opened (default: as it is). */
  open?: IndexOpener;
}

/** The default opener: the path as it is, a missing file told apart. */
export async function openIndexFile(path: string): Promise<OpenedIndex> {
  try {
    return { kind: 'open', handle: await open(path, 'r') };
  } catch (error) {
    if (isNotFound(error)) return { kind: 'missing' };
    throw error;
  }
}

/** `<dev>:<ino>` of an open file. */
async function fileIdOf(handle: FileHandle): Promise<{ id: string; size: number }> {
  const info = await handle.stat({ bigint: true });
  return { id: `${info.dev}:${info.ino}`, size: Number(info.size) };
}

/**
 * Read the samples appended to `path` since `cursor` (from the start when the cursor is `START_CURSOR`).
 * Returns the advanced cursor and the number of samples read, or `reset` when the file is not the one the
 * cursor was on any more (read again from `START_CURSOR`, skipping the samples already seen), or `missing`,
 * or `refused` when the opener refused the file (nothing is read).
 */
export async function readIndex(path: string, format: IndexFormat, cursor: IndexCursor, options: ReadIndexOptions = {}): Promise<IndexRead> {
  const opened = await (options.open ?? openIndexFile)(path);
  if (opened.kind !== 'open') return opened;
  const handle = opened.handle;
  try {
    const { id, size } = await fileIdOf(handle);
    if (cursor.fileId !== '' && cursor.fileId !== id) return { kind: 'reset', reason: 'replaced' };
    if (size < cursor.offset) return { kind: 'reset', reason: 'truncated' };
    if (cursor.offset > 0) {
      const expected = Buffer.from(cursor.tail, 'base64');
      const actual = Buffer.alloc(expected.length);
      await handle.read(actual, 0, expected.length, cursor.offset - expected.length);
      if (!actual.equals(expected)) return { kind: 'reset', reason: 'rewritten' };
    }
    const limit = options.maxBytes === undefined ? size : Math.min(size, cursor.offset + options.maxBytes);
    let position = cursor.offset;
    let count = cursor.count;
    let header = cursor.header;
    let skip = options.skipSamples ?? 0;
    let samples = 0;
    let carry = Buffer.alloc(0);
    let consumed = cursor.offset;
    while (position < limit) {
      const want = Math.min(CHUNK_BYTES, limit - position);
      const chunk = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(chunk, 0, want, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      const lastNewline = data.lastIndexOf(0x0a);
      if (lastNewline < 0) {
        carry = Buffer.from(data);
        continue;
      }
      const complete = data.subarray(0, lastNewline + 1);
      carry = Buffer.from(data.subarray(lastNewline + 1));
      consumed += complete.length;
      const lines: string[] = [];
      for (const raw of complete.toString('utf8').split('\n')) {
        const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
        if (line.trim() === '') continue;
        if (format === 'csv' && header === undefined) {
          header = line;
          continue;
        }
        count++;
        if (skip > 0) {
          skip--;
          continue;
        }
        lines.push(line);
      }
      samples += lines.length;
      if (lines.length > 0 && options.onSamples) await options.onSamples(lines);
    }
    const tailStart = Math.max(0, consumed - TAIL_BYTES);
    const tail = Buffer.alloc(consumed - tailStart);
    if (tail.length > 0) await handle.read(tail, 0, tail.length, tailStart);
    const next: IndexCursor = { fileId: id, offset: consumed, count, tail: tail.toString('base64') };
    if (header !== undefined) next.header = header;
    return { kind: 'read', cursor: next, samples };
  } finally {
    await handle.close();
  }
}

/** The index format of a Dataset's `spec.format` (case-insensitive), or undefined when not txt or csv. */
export function indexFormatOf(format: string): IndexFormat | undefined {
  const f = format.trim().toLowerCase();
  return f === 'txt' || f === 'csv' ? f : undefined;
}
