/** Files `sedna up` writes: atomically (temp file, fsync, rename, fsync of the folder), mode 0600. */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes `content` to `file` so that a reader sees the old file or the new one, never a part, and a
 * crash right after leaves the new one: a temp file beside it, fsync, rename, fsync of the folder.
 */
export async function writeFileAtomic(file: string, content: string, mode = 0o600): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(content);
    // open's mode is filtered by the umask; the file must be 0600 whatever it is.
    await fh.chmod(mode);
    await fh.sync();
  } catch (error) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await fh.close();
  await rename(tmp, file);
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
