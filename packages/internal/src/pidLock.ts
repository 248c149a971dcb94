/**
 * A pid lock on a data folder: one process at a time uses it. The lock file holds the pid of its
 * holder (`1234\n`, fsynced); a lock whose process is gone (a crash, SIGKILL, a power cut) is taken
 * over, as is one holding our own pid (a container restarts as the same pid 1). Locks taken by this
 * very process are remembered, so a second taker in the same process is told apart.
 *
 * The kit does not phrase the refusal: each caller says it in its own words from the holder's pid
 * (`already running (pid 1234)`, `already served by process 1234`, which other code may parse), and
 * what a caller does not phrase is thrown as a `PidLockError` with a code.
 *
 * Synchronous: it runs once per start, from code that may not await.
 */
import { closeSync, fsyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Why a lock was not taken. */
export type PidLockErrorCode =
  /** A live process holds it; `pid` is that process. */
  | 'HELD'
  /** This process holds it already (another server or controller of the same process). */
  | 'HELD_HERE'
  /** The lock file could not be created or read (`cause` says why). */
  | 'FAILED'
  /** Other processes kept taking it over while this one tried. */
  | 'CONTENDED';

/** A lock not taken: its code, the lock file and, for `HELD`, the pid of the holder. */
export class PidLockError extends Error {
  override readonly name = 'PidLockError';

  constructor(
    readonly code: PidLockErrorCode,
    readonly file: string,
    readonly pid?: number,
    options?: { cause?: unknown },
  ) {
    super(code === 'HELD' ? `${file}: held by the live process ${pid}` : code === 'HELD_HERE' ? `${file}: held by this process` : code === 'CONTENDED' ? `${file}: could not take the lock` : `${file}: ${(options?.cause as Error | undefined)?.message ?? 'failed'}`, options);
  }
}

// Lock files held by this process (a pid in the file equal to ours may be a previous container's pid 1).
const heldHere = new Set<string>();

/** Whether a process with this pid lives (EPERM: one of another user, alive). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | undefined {
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** How the caller says a refusal; a code without its function is thrown as the `PidLockError`. */
export interface PidLockRefusals {
  /** A live process `pid` holds the lock. */
  held?: (pid: number, error: PidLockError) => Error;
  /** This process holds it already. */
  heldHere?: (error: PidLockError) => Error;
  /** `FAILED` or `CONTENDED`. */
  other?: (error: PidLockError) => Error;
  /**
   * Whether the live process `pid` named in the file is one that holds such a lock (default: any live
   * process). A lock naming a process that is not (a pid reused after a reboot) is stale, taken over.
   */
  holds?: (pid: number) => boolean;
}

/**
 * Takes the lock `file` (mode 0600) for this process; returns its release, which removes the file if
 * it still holds our pid.
 *
 * @throws what `refusals` make, else PidLockError `HELD` (with the holder's pid), `HELD_HERE`, `FAILED`
 *   or `CONTENDED`.
 * @example
 * const release = takePidLockSync(path.join(dataDir, 'sedna.lock'), {
 *   held: (pid) => new CliError('USAGE', `already running (pid ${pid}) on ${dataDir}`),
 * });
 */
export function takePidLockSync(file: string, refusals: PidLockRefusals = {}): () => void {
  try {
    return takeLock(path.resolve(file), refusals.holds ?? (() => true));
  } catch (error) {
    if (!(error instanceof PidLockError)) throw error;
    const phrased =
      error.code === 'HELD' ? refusals.held?.(error.pid as number, error) : error.code === 'HELD_HERE' ? refusals.heldHere?.(error) : refusals.other?.(error);
    throw phrased ?? error;
  }
}

function takeLock(lockFile: string, holds: (pid: number) => boolean): () => void {
  if (heldHere.has(lockFile)) throw new PidLockError('HELD_HERE', lockFile);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx', 0o600);
      try {
        writeSync(fd, `${process.pid}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      heldHere.add(lockFile);
      return () => release(lockFile);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new PidLockError('FAILED', lockFile, undefined, { cause: error });
    }
    let pid: number | undefined;
    try {
      pid = readPid(lockFile);
    } catch (error) {
      // Gone between our open and this read: try again.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new PidLockError('FAILED', lockFile, undefined, { cause: error });
    }
    if (pid !== undefined && pid !== process.pid && processAlive(pid) && holds(pid)) throw new PidLockError('HELD', lockFile, pid);
    if (pid === undefined && attempt < 2) {
      // A lock being written right now has no pid yet: look again shortly.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      continue;
    }
    try {
      unlinkSync(lockFile);
    } catch {
      // Another process took it over first; the next attempt sees its lock.
    }
  }
  throw new PidLockError('CONTENDED', lockFile);
}

function release(lockFile: string): void {
  if (!heldHere.delete(lockFile)) return;
  try {
    if (readPid(lockFile) === process.pid) unlinkSync(lockFile);
  } catch {
    // Already gone.
  }
}
