/**
 * One LC per data dir: `<dataDir>/lc.lock` holds the pid of the LC using it (the pid lock of
 * @sedna-ts/internal: a lock left by a process that is gone, a crash or SIGKILL, is taken over). This
 * file phrases its refusals as the LC's config errors.
 */
import { join } from 'node:path';
import { takePidLockSync } from '@sedna-ts/internal';
import { LocalControllerError } from '../errors.js';

/** Take the lock of `dataDir`; resolves to the function that releases it. */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const where = `LC config: dataDir: ${JSON.stringify(dataDir)}`;
  const release = takePidLockSync(join(dataDir, 'lc.lock'), {
    held: (pid) => new LocalControllerError('STORAGE_FAILED', `${where} is in use by another LC (pid ${pid})`),
    heldHere: () => new LocalControllerError('STORAGE_FAILED', `${where} is in use by another LC of this process`),
    other: (error) => new LocalControllerError('STORAGE_FAILED', `${where}: ${error.message}`, { cause: error }),
  });
  return async () => release();
}
