/**
 * One `sedna up` per data folder: `<dir>/sedna.lock` holds the pid of the process that runs it (the
 * pid lock of @sedna-ts/internal: a lock whose process is gone is taken over). This file phrases its
 * refusals as `sedna up` says them.
 */
import path from 'node:path';
import { takePidLockSync } from '@sedna-ts/internal';
import { CliError, looksLikeSednaUp, UP_LOCK_FILE } from '@sedna-ts/cli';

/** The lock file's name in the data folder. */
export const LOCK_FILE = UP_LOCK_FILE;

/**
 * Takes the lock of `dir` for this process; returns its release.
 *
 * @throws CliError USAGE `already running (pid N)` when a live `sedna up` holds it.
 */
export function takeLock(dir: string): () => void {
  return takePidLockSync(path.join(dir, LOCK_FILE), {
    held: (pid, cause) => new CliError('USAGE', `already running (pid ${pid}) on ${dir}`, { cause }),
    heldHere: (cause) => new CliError('USAGE', `already running (pid ${process.pid}, this process) on ${dir}`, { cause }),
    // A lock naming a live process that is no sedna up (its pid reused after a power cut) is stale.
    holds: looksLikeSednaUp,
    other: (cause) => new CliError(cause.code === 'CONTENDED' ? 'USAGE' : 'INVALID_INPUT', cause.code === 'CONTENDED' ? `${cause.message} (another sedna up is starting?)` : cause.message, { cause }),
  });
}
