/**
 * File helpers of the LC's durable state: every file that matters is written to a temp file, fsynced,
 * renamed over the target, and the folder fsynced, so a crash leaves the old or the new content, never
 * a mix (writes: `writeFileAtomic` and `writeAtomic` of @sedna-ts/internal; copies: `copyFileAtomic`).
 */
import { constants as fsConstants, type BigIntStats, type Stats } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir, tempPathFor } from '@sedna-ts/internal';

/** Copy a file to `target` atomically (copy to a temp file, fsync, rename, folder fsync). */
export async function copyFileAtomic(source: string, target: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const temp = tempPathFor(target);
  try {
    await copyFile(source, temp, fsConstants.COPYFILE_FICLONE);
    const handle = await open(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDir(dirname(target));
}

/** What `readJsonFile` found. */
export type JsonFileRead<T> = { status: 'ok'; value: T } | { status: 'missing' } | { status: 'corrupt'; error: Error };

/** Read and parse a JSON file, telling a missing file from a corrupt one instead of throwing. */
export async function readJsonFile<T>(path: string): Promise<JsonFileRead<T>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    return { status: 'corrupt', error: error as Error };
  }
  try {
    return { status: 'ok', value: JSON.parse(text) as T };
  } catch (error) {
    return { status: 'corrupt', error: error as Error };
  }
}

/** Size of a file, or undefined when it does not exist. */
export async function fileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** True when `error` is a Node.js "no such file or directory". */
export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** Owner and mode of a file written from another (a round file from its dataset's index). */
export interface FileAccess {
  uid: number;
  gid: number;
  mode: number;
}

/** The owner and mode a file written from the file `info` describes gets (mode without write for group and other). */
export function accessOf(info: Stats | BigIntStats): FileAccess {
  return { uid: Number(info.uid), gid: Number(info.gid), mode: Number(info.mode) & 0o666 & ~0o022 };
}

/** Give a file being written the owner and mode of `access`; a chown refused to an LC not running as root is skipped. */
export async function applyAccess(handle: FileHandle, access: FileAccess): Promise<void> {
  try {
    await handle.chown(access.uid, access.gid);
  } catch (error) {
    if (process.getuid?.() === 0) throw error;
  }
  await handle.chmod(access.mode);
}
