/**
 * A durable append-only log of JSON records, one per line, with group commit: appends queued while a
 * write and fsync are in flight go out together in the next write and share its fsync. A torn last line
 * (a crash mid-append) is cut off on open; a line that is not JSON is skipped and counted. `rewrite`
 * compacts the log to a given set of records (temp file, fsync, rename).
 *
 * Measured on this machine (ext4): one message per file (temp + fsync + rename + folder fsync, unlink on
 * ack) 3.6 ms per message; this log 0.23 ms per message appended alone and 0.04 ms per message when 16
 * appends share an fsync. Hence the log for the outbox and the hard-example index.
 */
import { mkdir, open, readFile, rename, rm, truncate, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir, tempPathFor } from '@sedna-ts/internal';
import { isNotFound } from './files.js';

interface Pending {
  line: string;
  sync: boolean;
  done: () => void;
  fail: (error: Error) => void;
}

/** What `AppendLog.open` read back. */
export interface AppendLogContents<R> {
  records: R[];
  /** Lines that were not JSON (skipped). */
  skipped: number;
  /** Bytes of a torn last line that were cut off. */
  tornBytes: number;
}

/** A write error of the log at `path`, naming it and keeping the system's code (ENOSPC, EIO, ...). */
function logError(path: string, error: unknown): Error & { code?: string } {
  const code = (error as NodeJS.ErrnoException).code;
  const message = (error as Error).message ?? String(error);
  return Object.assign(new Error(`append log ${path}: ${message}`, { cause: error }), code ? { code } : {});
}

/** See the module comment. */
export class AppendLog<R> {
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  private closed = false;
  // Set while `rewrite` swaps the file: appends queue up and go to the new file afterwards.
  private paused = false;
  /** Bytes in the file (as this process wrote it). */
  bytes: number;

  private constructor(
    readonly path: string,
    private handle: FileHandle,
    bytes: number,
  ) {
    this.bytes = bytes;
  }

  /** Open (creating) the log at `path` and read its records. */
  static async open<R>(path: string): Promise<{ log: AppendLog<R> } & AppendLogContents<R>> {
    await mkdir(dirname(path), { recursive: true });
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const records: R[] = [];
    let skipped = 0;
    const end = text.lastIndexOf('\n') + 1;
    const tornBytes = Buffer.byteLength(text.slice(end));
    if (tornBytes > 0) await truncate(path, Buffer.byteLength(text.slice(0, end)));
    for (const line of text.slice(0, end).split('\n')) {
      if (line.trim() === '') continue;
      try {
        records.push(JSON.parse(line) as R);
      } catch {
        skipped++;
      }
    }
    const handle = await open(path, 'a');
    const log = new AppendLog<R>(path, handle, Buffer.byteLength(text.slice(0, end)));
    return { log, records, skipped, tornBytes };
  }

  /**
   * Append a record. With `sync` (default) the promise resolves once the record is on disk (fsync);
   * without, once it is written to the file (an ack record, say, whose loss only causes a replay).
   */
  append(record: R, options: { sync?: boolean } = {}): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`append log ${this.path}: closed`));
    return new Promise<void>((done, fail) => {
      this.queue.push({ line: `${JSON.stringify(record)}\n`, sync: options.sync ?? true, done, fail });
      this.kick();
    });
  }

  private kick(): void {
    if (this.paused || this.writing || this.queue.length === 0) return;
    this.writing = this.writeBatch().finally(() => {
      this.writing = undefined;
      this.kick();
    });
  }

  private async writeBatch(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    const bytes = Buffer.from(batch.map((p) => p.line).join(''));
    try {
      const { bytesWritten } = await this.handle.write(bytes, 0, bytes.length, null);
      if (bytesWritten < bytes.length) throw Object.assign(new Error(`no space left on device: ${bytesWritten} of ${bytes.length} bytes written`), { code: 'ENOSPC' });
      this.bytes += bytes.length;
      if (batch.some((p) => p.sync)) await this.handle.datasync();
      for (const p of batch) p.done();
    } catch (error) {
      // A write the disk took in part (it filled up midway) is cut off, so no torn record stays between
      // whole ones; the records fail and are not in the log.
      await this.handle.truncate(this.bytes).catch(() => undefined);
      const failure = logError(this.path, error);
      for (const p of batch) p.fail(failure);
    }
  }

  /** Wait for every queued append to be written. */
  async flush(): Promise<void> {
    while (!this.paused && (this.writing || this.queue.length > 0)) {
      this.kick();
      await this.writing;
    }
  }

  /** Replace the whole log by `records` (compaction), atomically. */
  async rewrite(records: readonly R[]): Promise<void> {
    await this.flush();
    this.paused = true;
    try {
      await this.writing;
      const temp = tempPathFor(this.path);
      const text = records.map((r) => `${JSON.stringify(r)}\n`).join('');
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(text);
        await handle.sync();
      } catch (error) {
        await handle.close();
        await rm(temp, { force: true });
        throw logError(this.path, error);
      }
      await handle.close();
      // The old handle stays valid until the new file is in place (a rename keeps open files).
      await rename(temp, this.path);
      await fsyncDir(dirname(this.path));
      const old = this.handle;
      this.handle = await open(this.path, 'a');
      this.bytes = Buffer.byteLength(text);
      await old.close();
    } finally {
      this.paused = false;
      this.kick();
    }
  }

  /** Write what is queued, then close the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.handle.close();
  }
}
