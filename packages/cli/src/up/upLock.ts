/**
 * One `sedna up` per data folder: `<dir>/sedna.lock` holds the pid of the process that runs it. A lock
 * whose process is gone (a SIGKILL, a power cut) is taken over.
 */
import { closeSync, fsyncSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors.js';

/** The lock file's name in the data folder. */
export const LOCK_FILE = 'sedna.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: a live process of another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock of `dir` for this process; returns its release.
 *
 * @throws CliError USAGE `already running (pid N)` when a live process holds it.
 */
export function takeLock(dir: string): () => void {
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, `${process.pid}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return () => {
        if (readPid(file) === process.pid) {
          try {
            unlinkSync(file);
          } catch {
            // Already gone.
          }
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new CliError('INVALID_INPUT', `${file}: ${(error as Error).message}`, { cause: error });
      const pid = readPid(file);
      // A lock being written right now has no pid yet: look again.
      if (pid !== undefined && pid !== process.pid && alive(pid)) throw new CliError('USAGE', `already running (pid ${pid}) on ${dir}`);
      if (pid === undefined && attempt < 2) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        continue;
      }
      try {
        unlinkSync(file);
      } catch {
        // Another process took it over first; the next attempt sees its lock.
      }
    }
  }
  throw new CliError('USAGE', `${file}: could not take the lock (another sedna up is starting?)`);
}
