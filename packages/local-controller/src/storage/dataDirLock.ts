/**
 * One LC per data dir: `<dataDir>/lc.lock` holds the pid of the LC using it. A lock left by a process
 * that is gone (a crash, SIGKILL) is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalControllerError } from '../errors.js';
import { isNotFound } from './files.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Data dirs locked by this process (a pid in the file equal to ours may be a previous container's pid 1).
const heldHere = new Set<string>();

/** Take the lock of `dataDir`; resolves to the function that releases it. */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, 'lc.lock');
  if (heldHere.has(path)) throw new LocalControllerError('STORAGE_FAILED', `LC config: dataDir: ${JSON.stringify(dataDir)} is in use by another LC of this process`);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      heldHere.add(path);
      return async () => {
        heldHere.delete(path);
        await rm(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let pid = NaN;
    try {
      pid = Number((await readFile(path, 'utf8')).trim());
    } catch (error) {
      if (!isNotFound(error)) throw error;
      continue;
    }
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new LocalControllerError('STORAGE_FAILED', `LC config: dataDir: ${JSON.stringify(dataDir)} is in use by another LC (pid ${pid})`);
    }
    await rm(path, { force: true });
  }
  throw new LocalControllerError('STORAGE_FAILED', `LC config: dataDir: ${JSON.stringify(dataDir)}: cannot take ${path}`);
}
