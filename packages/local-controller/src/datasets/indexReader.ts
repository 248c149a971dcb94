/**
 * Incremental reading of a dataset index: one sample per line, `txt` or `csv` (whose first line is a
 * header, not a sample). A cursor remembers which file was read (device and inode), how far (the bytes
 * of complete lines), how many samples and lines that was, and the last bytes before that point. Reading
 * from a cursor reads only the appended bytes, stops at the last complete line (a writer may be
 * mid-append), and tells when the file was replaced (another inode), truncated (shorter than the cursor)
 * or rewritten in place (the bytes before the cursor changed), so the caller recounts.
 *
 * Lines are bytes, never decoded: a line ends at LF (a CRLF counts as an LF), every other byte is kept
 * as written, non-UTF-8 included. Blank lines (ASCII blanks only) are not samples. A line with a NUL
 * byte or a CR that does not end it is bad, and so is a txt line whose sample path (its first token)
 * leaves the folder of the index or, when `checks.files` is set, names no readable regular file: bad
 * lines are handed back apart with the reason, never as samples.
 *
 * This runs in the LC's dataset reader processes (readerPool.ts), where a read that never returns
 * cannot take the LC's threads.
 */
import { closeSync, constants, fstatSync, openSync, realpathSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { accessOf, isNotFound, type FileAccess } from '../storage/files.js';

/** Index formats the LC counts. */
export type IndexFormat = 'txt' | 'csv';

/** Where a reader is in an index file. */
export interface IndexCursor {
  /** `<dev>:<ino>` of the file read; empty before the first read. */
  fileId: string;
  /** Bytes of complete lines read. */
  offset: number;
  /** Samples in those bytes (blank lines, bad lines and the csv header excluded). */
  count: number;
  /** Base64 of the (up to) 64 bytes before `offset`, to notice a rewrite in place. */
  tail: string;
  /** Lines (LF-terminated, blank and bad ones included) in those bytes: the number of the last line read. */
  lines?: number;
  /** csv: the header line, base64 of its exact bytes, once read. */
  headerBytes?: string;
  /** csv, cursors before `headerBytes`: the header line as text. */
  header?: string;
}

/** A cursor at the start of no file: reading from it reads a whole index. */
export const START_CURSOR: IndexCursor = Object.freeze({ fileId: '', offset: 0, count: 0, tail: '', lines: 0 });

const TAIL_BYTES = 64;
/** Default most bytes of lines one `readIndex` call reads. */
export const READ_CHUNK_BYTES = 8 * 1024 * 1024;

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

/** A line of an index: its number in the file (1-based) and its exact bytes, without the line end. */
export interface IndexLine {
  lineNumber: number;
  bytes: Buffer;
}

/** A line that is not a sample, and why (e.g. `contains a NUL byte`). */
export interface BadLine extends IndexLine {
  reason: string;
}

/** What a read found. */
export type IndexRead =
  | {
      kind: 'read';
      cursor: IndexCursor;
      /** The new sample lines, in order. */
      samples: IndexLine[];
      /** The new bad lines, in order. */
      bad: BadLine[];
      /** Whether complete lines remain past the cursor (`maxBytes` was reached). */
      more: boolean;
      /** Owner and mode of the index (round files get them). */
      access: FileAccess;
    }
  | { kind: 'reset'; reason: 'replaced' | 'truncated' | 'rewritten' }
  | { kind: 'missing' }
  | RefusedIndex;

/** The per-line checks of a txt index's sample paths. */
export interface LineChecks {
  /** The folder sample paths resolve against and must stay in (the index's folder, as the worker SDK takes it). */
  root: string;
  /** Check that each sample path opens as a regular file, under `hostRoot` (the host's / as this process sees it). */
  files: boolean;
  hostRoot?: string;
}

/** Options of `readIndex`. */
export interface ReadIndexOptions {
  /** Read at most about this many bytes of lines (default 8 MiB; the rest on the next call, `more` set). */
  maxBytes?: number;
  /** How the index is opened (default: as it is). */
  open?: IndexOpener;
  /** Check the sample paths of a txt index (default: no path checks). */
  checks?: LineChecks;
  /** Told what the read does next (`opening the index`, `checking the sample files of lines 3 to 9`), for a timeout's message. */
  onStep?: (step: string) => void;
}

/** The default opener: the path as it is, a missing file told apart. O_NONBLOCK keeps a FIFO from blocking the open. */
export async function openIndexFile(path: string): Promise<OpenedIndex> {
  try {
    const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      return { kind: 'refused', reason: 'NotARegularFile', message: `${JSON.stringify(path)} is not a regular file` };
    }
    return { kind: 'open', handle };
  } catch (error) {
    if (isNotFound(error)) return { kind: 'missing' };
    throw error;
  }
}

const LF = 0x0a;
const CR = 0x0d;

function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0b && b !== 0x0c) return false;
  return true;
}

/**
 * What one line is (its bytes without the LF): blank, bad (with the reason) or a candidate sample with
 * its bytes (a CR before the LF dropped).
 */
export function classifyLine(raw: Buffer): { kind: 'blank' } | { kind: 'bad'; reason: string } | { kind: 'line'; bytes: Buffer } {
  const bytes = raw.length > 0 && raw[raw.length - 1] === CR ? raw.subarray(0, raw.length - 1) : raw;
  if (bytes.includes(0)) return { kind: 'bad', reason: 'it contains a NUL byte' };
  if (bytes.includes(CR)) return { kind: 'bad', reason: 'it contains a CR (\\r) that does not end the line (a line ends at LF or CRLF)' };
  if (isBlank(bytes)) return { kind: 'blank' };
  return { kind: 'line', bytes };
}

/** The sample path of a txt line: its first token (ASCII blanks separate tokens), as latin1 text (one char per byte). */
function pathToken(bytes: Buffer): string {
  let start = 0;
  while (start < bytes.length && isBlank(bytes.subarray(start, start + 1))) start++;
  let end = start;
  while (end < bytes.length && !isBlank(bytes.subarray(end, end + 1))) end++;
  return bytes.subarray(start, end).toString('latin1');
}

/** Whether `path` is `root` or below it (posix, lexical). */
function within(root: string, path: string): boolean {
  const rel = posix.relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith('../') && !posix.isAbsolute(rel));
}

const realRoots = new Map<string, string>();

/**
 * The real path of the dataset folder on the host (latin1 text), cached for a few seconds (a folder may be
 * re-pointed); the folder itself as written when it cannot be resolved (then every link out is refused).
 */
function realRootOf(checks: LineChecks): string {
  const onHost = checks.hostRoot ? posix.join(checks.hostRoot, checks.root) : checks.root;
  const cached = realRoots.get(onHost);
  if (cached !== undefined) return cached;
  let real: string;
  try {
    real = realpathSync(onHost, { encoding: 'buffer' }).toString('latin1');
  } catch {
    real = Buffer.from(onHost, 'utf8').toString('latin1');
  }
  if (realRoots.size === 0) setTimeout(() => realRoots.clear(), 5_000).unref();
  realRoots.set(onHost, real);
  return real;
}

/**
 * Why the sample path of a txt line is bad, or undefined when it is fine: it leaves `checks.root`
 * (resolved as the worker SDK does), or, with `checks.files`, it opens as no regular file. The path is
 * handled as bytes (latin1 text maps each byte to one char), so a non-UTF-8 path is checked exactly.
 *
 * Synchronous: an open, fstat and close take 11 us here against 60 us through libuv's threads (a
 * million new lines: 11 s against 60 s), and it runs in a reader process, whose blocking costs the LC
 * nothing.
 */
export function samplePathProblem(bytes: Buffer, checks: LineChecks): string | undefined {
  const token = pathToken(bytes);
  const root = Buffer.from(checks.root, 'utf8').toString('latin1');
  const resolved = posix.resolve(root, token);
  const shown = (p: string) => JSON.stringify(Buffer.from(p, 'latin1').toString('utf8'));
  if (!within(root, resolved)) return `its sample path ${shown(token)} resolves to ${shown(resolved)}, outside the dataset folder ${JSON.stringify(checks.root)}`;
  if (!checks.files) return undefined;
  const onHost = Buffer.from(checks.hostRoot ? posix.join(Buffer.from(checks.hostRoot, 'utf8').toString('latin1'), resolved) : resolved, 'latin1');
  let fd: number | undefined;
  try {
    // O_NONBLOCK: a FIFO named by a line is refused below instead of blocking the open.
    fd = openSync(onHost, constants.O_RDONLY | constants.O_NONBLOCK);
    if (!fstatSync(fd).isFile()) return `its sample file ${shown(resolved)} is not a regular file`;
    // Through symlinks, the file must still be in the dataset folder: a link to a secret (the LC's own
    // data dir, /etc/...) would otherwise go to the workers as a sample.
    const realRoot = realRootOf(checks);
    const real = realpathSync.native(onHost, { encoding: 'buffer' }).toString('latin1');
    if (!within(realRoot, real)) {
      return `its sample file ${shown(resolved)} is a symlink to ${shown(real)}, outside the dataset folder ${JSON.stringify(checks.root)}`;
    }
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? `its sample file ${shown(resolved)} does not exist` : `its sample file ${shown(resolved)} cannot be read (${code ?? (error as Error).message})`;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `<dev>:<ino>` and size of an open file, and the owner and mode round files take from it. */
async function fileInfoOf(handle: FileHandle): Promise<{ id: string; size: number; access: FileAccess }> {
  const info = await handle.stat({ bigint: true });
  return { id: `${info.dev}:${info.ino}`, size: Number(info.size), access: accessOf(info) };
}

/** The csv header of a cursor, as bytes, if one was read. */
export function headerOf(cursor: IndexCursor): Buffer | undefined {
  if (cursor.headerBytes !== undefined) return Buffer.from(cursor.headerBytes, 'base64');
  return cursor.header !== undefined ? Buffer.from(cursor.header, 'utf8') : undefined;
}

const CHECK_BATCH = 1000;

/**
 * Read the lines appended to `path` since `cursor` (from the start when the cursor is `START_CURSOR`),
 * at most about `maxBytes` of them. Returns the advanced cursor with the new samples and bad lines, or
 * `reset` when the file is not the one the cursor was on any more (read it again from `START_CURSOR`),
 * or `missing`, or `refused` when the opener refused the file (nothing is read).
 */
export async function readIndex(path: string, format: IndexFormat, cursor: IndexCursor, options: ReadIndexOptions = {}): Promise<IndexRead> {
  const step = options.onStep ?? (() => undefined);
  step(`opening the index ${JSON.stringify(path)}`);
  const opened = await (options.open ?? openIndexFile)(path);
  if (opened.kind !== 'open') return opened;
  const handle = opened.handle;
  try {
    const { id, size, access } = await fileInfoOf(handle);
    if (cursor.fileId !== '' && cursor.fileId !== id) return { kind: 'reset', reason: 'replaced' };
    if (size < cursor.offset) return { kind: 'reset', reason: 'truncated' };
    step(`reading the index ${JSON.stringify(path)} from byte ${cursor.offset}`);
    if (cursor.offset > 0) {
      const expected = Buffer.from(cursor.tail, 'base64');
      const actual = Buffer.alloc(expected.length);
      await handle.read(actual, 0, expected.length, cursor.offset - expected.length);
      if (!actual.equals(expected)) return { kind: 'reset', reason: 'rewritten' };
    }
    const maxBytes = options.maxBytes ?? READ_CHUNK_BYTES;
    let position = cursor.offset;
    let carry = Buffer.alloc(0);
    let complete = Buffer.alloc(0);
    // Read until at least one complete line past maxBytes' worth, or the end of the file.
    while (position < size) {
      const want = Math.min(maxBytes, size - position);
      const chunk = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(chunk, 0, want, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      const lastNewline = data.lastIndexOf(LF);
      if (lastNewline < 0) {
        carry = Buffer.from(data);
        continue;
      }
      complete = Buffer.from(data.subarray(0, lastNewline + 1));
      break;
    }
    const consumed = cursor.offset + complete.length;
    let lineNumber = cursor.lines ?? 0;
    let count = cursor.count;
    let header = headerOf(cursor);
    const samples: IndexLine[] = [];
    const bad: BadLine[] = [];
    let start = 0;
    while (start < complete.length) {
      const end = complete.indexOf(LF, start);
      const raw = complete.subarray(start, end);
      start = end + 1;
      lineNumber++;
      const line = classifyLine(raw);
      if (line.kind === 'blank') continue;
      // Copied: the chunk is large and a line may be kept for long.
      if (line.kind === 'bad') {
        bad.push({ lineNumber, bytes: Buffer.from(raw), reason: line.reason });
        continue;
      }
      if (format === 'csv' && header === undefined) {
        header = Buffer.from(line.bytes);
        continue;
      }
      samples.push({ lineNumber, bytes: Buffer.from(line.bytes) });
    }
    const checks = options.checks;
    let good = samples;
    if (checks && format === 'txt' && samples.length > 0) {
      good = [];
      for (let i = 0; i < samples.length; i += CHECK_BATCH) {
        const batch = samples.slice(i, i + CHECK_BATCH);
        step(`checking the sample ${checks.files ? 'files' : 'paths'} of lines ${batch[0]?.lineNumber} to ${batch[batch.length - 1]?.lineNumber} of ${JSON.stringify(path)}`);
        // A turn of the event loop per batch, so the step message goes out before the checks block.
        await new Promise((resolve) => setImmediate(resolve));
        for (const s of batch) {
          const problem = samplePathProblem(s.bytes, checks);
          if (problem === undefined) good.push(s);
          else bad.push({ ...s, reason: problem });
        }
      }
      bad.sort((a, b) => a.lineNumber - b.lineNumber);
    }
    count += good.length;
    const tailStart = Math.max(0, consumed - TAIL_BYTES);
    const tail = Buffer.alloc(consumed - tailStart);
    if (tail.length > 0) await handle.read(tail, 0, tail.length, tailStart);
    const next: IndexCursor = { fileId: id, offset: consumed, count, tail: tail.toString('base64'), lines: lineNumber };
    if (header !== undefined) next.headerBytes = header.toString('base64');
    const more = complete.length > 0 && position < size;
    return { kind: 'read', cursor: next, samples: good, bad, more, access };
  } finally {
    await handle.close();
  }
}

/** The index format of a Dataset's `spec.format` (case-insensitive), or undefined when not txt or csv. */
export function indexFormatOf(format: string): IndexFormat | undefined {
  const f = format.trim().toLowerCase();
  return f === 'txt' || f === 'csv' ? f : undefined;
}
