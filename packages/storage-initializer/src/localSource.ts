/**
 * Local sources (an absolute path or `file://`): a file or folder is saved as `<destination>/<its name>`,
 * copied (the default: the copy is in the destination volume, so it works in every container) or
 * linked (`SEDNA_LOCAL_MODE=symlink`: the link only resolves where the source path exists). An archive
 * is extracted into the destination in both modes, and the source itself is left untouched.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { archiveKind, extractArchive } from './archive.js';
import { type RunContext } from './context.js';
import { makeStagingDir, mergeInto, writeAtomically } from './files.js';
import { type Transferred } from './transfer.js';
import { type SourceUri } from './sourceUri.js';

type LocalSource = Extract<SourceUri, { kind: 'local' }>;

/** Regular files and their bytes under `dir` (symbolic links not followed). */
async function countTree(dir: string): Promise<Transferred> {
  const total: Transferred = { files: 0, bytes: 0 };
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    total.files++;
    total.bytes += (await fs.stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** Copies, links or extracts a local file or folder into `destination`. */
export async function downloadLocal(context: RunContext, source: LocalSource, destination: string): Promise<Transferred> {
  let stat;
  try {
    stat = await fs.stat(source.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw context.fail('NOT_FOUND', source.text, 'copy', 'no such file or folder', error);
    throw context.fail('IO', source.text, 'copy', (error as Error).message, error);
  }
  const name = path.basename(source.path);
  const target = path.join(destination, name);
  const kind = stat.isFile() ? archiveKind(name) : undefined;
  if (kind !== undefined) {
    const extracted = await extractArchive(source.path, destination, { kind, url: source.text });
    return { files: extracted.files, bytes: extracted.bytes };
  }
  if (context.config.localMode === 'symlink') {
    try {
      await writeAtomically(target, (temporary) => fs.symlink(path.resolve(source.path), temporary));
    } catch (error) {
      throw context.fail('IO', source.text, 'link', `cannot link ${target} to it: ${(error as Error).message}`, error);
    }
    return stat.isFile() ? { files: 1, bytes: stat.size } : countTree(source.path);
  }
  try {
    if (stat.isFile()) {
      await writeAtomically(target, async (temporary) => {
        await fs.copyFile(source.path, temporary);
        const handle = await fs.open(temporary, 'r+');
        await handle.sync().finally(() => handle.close());
      });
      return { files: 1, bytes: stat.size };
    }
    if (!stat.isDirectory()) throw new Error('is neither a file nor a folder');
    await context.sweep(target, true);
    // The tree is copied into a hidden staging folder, then merged in: no half-copied file ever
    // carries its final name.
    const staging = await makeStagingDir(destination);
    try {
      await fs.cp(source.path, path.join(staging, name), { recursive: true, verbatimSymlinks: true, errorOnExist: false, force: true });
      const copied = await countTree(staging);
      await mergeInto(staging, destination);
      return copied;
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
  } catch (error) {
    throw context.fail('IO', source.text, 'copy', `cannot copy to ${target}: ${(error as Error).message}`, error);
  }
}
