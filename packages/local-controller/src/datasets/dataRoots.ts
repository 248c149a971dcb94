/**
 * The folders the LC may read dataset indexes from and write round files into. On a cluster the LC runs
 * as root, and a Dataset's `spec.url` and a job's `outputDir` are chosen by whoever may create those
 * objects: unchecked, the LC would copy any host file (the GM's secret, /etc/shadow) into a round file
 * in a folder of their choosing. The rule, on real paths (symlinks resolved, after joining `hostRoot`):
 *
 * - never inside a denied root: `deniedRoots` and the LC's own data dir (which holds its node token),
 *   matched by path and also by the device and inode of each folder above the file, so a second mount
 *   of the same folder (the host's / under `hostRoot` beside the data dir's own mount) is caught too;
 * - inside one of `dataRoots` when set (absent: anywhere this process can read, under `hostRoot` when
 *   the LC runs in a container);
 * - the LC's copies of S3 indexes (`<dataDir>/datasets/...`) are read as such and only as such: the LC
 *   wrote them itself.
 *
 * Hard links are not symlinks: a file hard-linked into an allowed folder is read. Linux refuses a hard
 * link to a file its creator does not own (fs.protected_hardlinks, on by default), which covers it.
 */
import { constants } from 'node:fs';
import { mkdir, open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import { type ResolvedConfig } from '../config.js';
import { LocalControllerError } from '../errors.js';
import { isNotFound } from '../storage/files.js';
import { type OpenedIndex } from './indexReader.js';

/** The parts of the LC's config the checks read (what its dataset reader processes get). */
export type RootsConfig = Pick<ResolvedConfig, 'dataDir' | 'dataRoots' | 'deniedRoots' | 'hostRoot'>;

/** The `RootsConfig` of a config, as plain data. */
export function rootsOf(config: RootsConfig): RootsConfig {
  return { dataDir: config.dataDir, dataRoots: config.dataRoots, deniedRoots: config.deniedRoots, hostRoot: config.hostRoot };
}

/** The reason of a Dataset condition refusing a file outside the folders the LC may read. */
export const PATH_NOT_ALLOWED = 'PathNotAllowed';
/** The reason of a Dataset condition refusing something that is not a regular file (a folder, a device). */
export const NOT_A_FILE = 'NotARegularFile';

/** Whether `path` is a URL (`s3://...`, `https://...`) rather than a host path. */
export function isUrl(path: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(path);
}

/** Where a host path is as this process sees it (under `hostRoot` when the LC runs in a container). */
export function hostPath(config: Pick<ResolvedConfig, 'hostRoot'>, path: string): string {
  return config.hostRoot ? join(config.hostRoot, path) : path;
}

function inside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : `${folder}${sep}`);
}

/** The real path of `path`, or `path` itself when it does not exist (nothing can be inside it yet). */
async function realOrSelf(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}

async function fileId(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path, { bigint: true });
    return `${info.dev}:${info.ino}`;
  } catch {
    return undefined;
  }
}

/** `real` as a host path, for messages (a path outside `hostRoot` stays as this process sees it). */
function shown(config: RootsConfig, real: string): string {
  if (!config.hostRoot || !inside(real, config.hostRoot)) return real;
  return `/${relative(config.hostRoot, real)}`;
}

/** Why `real` (a real path as this process sees it) may not be read or written; undefined when it may. */
async function refusal(config: RootsConfig, real: string, ownCopy: boolean): Promise<string | undefined> {
  if (ownCopy) {
    const copies = await realOrSelf(join(config.dataDir, 'datasets'));
    return inside(real, copies) ? undefined : `outside the LC's copies of S3 indexes (${JSON.stringify(copies)})`;
  }
  const denied = await Promise.all(
    [{ path: config.dataDir, shown: config.dataDir, why: 'the data dir of this LC, which holds its node token' }, ...config.deniedRoots.map((d) => ({ path: hostPath(config, d.path), shown: d.path, why: d.why }))].map(
      async (d) => {
        const realRoot = await realOrSelf(d.path);
        return { ...d, real: realRoot, id: await fileId(realRoot) };
      },
    ),
  );
  let hit = denied.find((d) => inside(real, d.real));
  for (let folder = real; !hit; folder = dirname(folder)) {
    const id = await fileId(folder);
    if (id !== undefined) hit = denied.find((d) => d.id === id);
    if (dirname(folder) === folder) break;
  }
  if (hit) return `inside ${JSON.stringify(hit.shown)}, ${hit.why}`;
  const allowed = config.dataRoots ?? (config.hostRoot ? ['/'] : undefined);
  if (!allowed) return undefined;
  for (const root of allowed) if (inside(real, await realOrSelf(hostPath(config, root)))) return undefined;
  const hint = allowed.length === 0 ? ' (none is set: list the host folders of the datasets and outputDirs in SEDNA_LC_DATA_ROOTS)' : '';
  return `outside the allowed roots ${JSON.stringify(allowed)}${hint}`;
}

/**
 * The path the open descriptor `handle` really is, and whether it was read from /proc (Linux), where the
 * kernel tells the path of the open file itself. Without /proc, the real path checked before opening is
 * taken only when the open file has its device and inode. Undefined when the file moved or was replaced
 * or deleted meanwhile (the caller looks again).
 */
async function openedPath(handle: FileHandle, checked: string): Promise<{ path: string; proc: boolean } | undefined> {
  let link: string | undefined;
  try {
    link = await readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    link = undefined;
  }
  if (link !== undefined) return link.endsWith(' (deleted)') ? undefined : { path: link, proc: true };
  const [opened, named] = await Promise.all([handle.stat({ bigint: true }), stat(checked, { bigint: true }).catch(() => undefined)]);
  return named && named.dev === opened.dev && named.ino === opened.ino ? { path: checked, proc: false } : undefined;
}

/**
 * Open a file to read it if it is one the LC may read. `subject` names the object, the field and the
 * value (`Dataset default/ds: spec.url: "/data/index.txt"`); a refusal's message follows it with where
 * the path resolves and why.
 *
 * Sound against a symlink swapped between the check and the open: the real path is checked first, so a
 * file outside is not even opened in the ordinary case; then the file is opened and the path of the open
 * descriptor itself (`/proc/self/fd/N`) is checked again before a byte is read. Whatever a swap made the
 * open reach, that second check sees it, and no later swap changes what the descriptor is. O_NONBLOCK
 * keeps a FIFO from blocking the open; anything but a regular file is refused.
 */
export async function openChecked(config: RootsConfig, path: string, subject: string, ownCopy = false): Promise<OpenedIndex> {
  for (let attempt = 0; attempt < 3; attempt++) {
    let real: string;
    try {
      real = await realpath(path);
    } catch (error) {
      if (isNotFound(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return { kind: 'missing' };
      throw error;
    }
    const before = await refusal(config, real, ownCopy);
    if (before) return { kind: 'refused', reason: PATH_NOT_ALLOWED, message: `${subject} resolves to ${JSON.stringify(shown(config, real))}, ${before}` };
    let handle: FileHandle;
    try {
      handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      if (isNotFound(error)) return { kind: 'missing' };
      throw error;
    }
    let keep = false;
    try {
      const opened = await openedPath(handle, real);
      if (!opened) continue;
      const after = opened.path === real ? undefined : await refusal(config, opened.path, ownCopy);
      if (after) return { kind: 'refused', reason: PATH_NOT_ALLOWED, message: `${subject} resolves to ${JSON.stringify(shown(config, opened.path))}, ${after}` };
      if (!(await handle.stat()).isFile()) return { kind: 'refused', reason: NOT_A_FILE, message: `${subject} resolves to ${JSON.stringify(shown(config, opened.path))}, which is not a regular file` };
      keep = true;
      return { kind: 'open', handle };
    } finally {
      if (!keep) await handle.close();
    }
  }
  return { kind: 'refused', reason: PATH_NOT_ALLOWED, message: `${subject} kept changing while it was opened` };
}

/** The real path of a folder that need not exist yet: its deepest existing ancestor resolved, then the rest. */
export async function realFolder(folder: string): Promise<string> {
  const missing: string[] = [];
  let existing = folder;
  for (;;) {
    try {
      return join(await realpath(existing), ...missing.reverse());
    } catch (error) {
      if (!isNotFound(error) || dirname(existing) === existing) throw error;
      missing.push(basename(existing));
      existing = dirname(existing);
    }
  }
}

/**
 * Why the LC may not write into `folder` (as this process sees it; it need not exist yet): the real path
 * of its deepest existing ancestor, then the rest, checked as `openChecked` does. Undefined when it may.
 */
export async function folderRefusal(config: RootsConfig, folder: string, subject: string): Promise<string | undefined> {
  const real = await realFolder(folder);
  const why = await refusal(config, real, false);
  return why ? `${subject} resolves to ${JSON.stringify(shown(config, real))}, ${why}` : undefined;
}

/**
 * Run `work` on a folder the LC may write into, created when `create` (else, when it does not exist,
 * `work` is not run and the result is undefined). Throws `PATH_NOT_ALLOWED` naming `subject`, where it
 * resolves and why, when the folder is outside the allowed roots or inside a denied one.
 *
 * `work` gets the folder as `/proc/self/fd/N` of a descriptor open on it and checked: paths under it
 * resolve in that very folder whatever happens meanwhile to the components of its path, so a temp file
 * and its rename, or a removal, cannot be sent elsewhere by a symlink swapped in after the check. Without
 * /proc it gets the real path checked, and such a swap between the check and the writes stays possible.
 */
export async function inCheckedFolder<T>(config: RootsConfig, folder: string, subject: string, create: boolean, work: (folder: string) => Promise<T>): Promise<T | undefined> {
  const before = await folderRefusal(config, folder, subject);
  if (before) throw new LocalControllerError('PATH_NOT_ALLOWED', before);
  if (create) await mkdir(folder, { recursive: true });
  let handle: FileHandle;
  try {
    handle = await open(folder, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (error) {
    if (!create && isNotFound(error)) return undefined;
    throw error;
  }
  try {
    const opened = await openedPath(handle, await realOrSelf(folder));
    if (!opened) throw new LocalControllerError('PATH_NOT_ALLOWED', `${subject} changed while it was opened`);
    const why = await refusal(config, opened.path, false);
    if (why) throw new LocalControllerError('PATH_NOT_ALLOWED', `${subject} resolves to ${JSON.stringify(shown(config, opened.path))}, ${why}`);
    return await work(opened.proc ? `/proc/self/fd/${handle.fd}` : opened.path);
  } finally {
    await handle.close();
  }
}
