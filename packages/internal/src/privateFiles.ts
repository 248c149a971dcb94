/**
 * Private files and folders: the data folders of `sedna up`, the API server, the LC and the node agent
 * hold tokens, keys, kubeconfigs and Secrets, so they are made (or, when they exist, tightened to) mode
 * 0700 for folders and 0600 for files at every start, whatever an earlier release, a umask or the
 * user left there.
 *
 * Synchronous on purpose: it runs once per start on a handful of paths (one lstat and at most one
 * chmod each), some of its callers are synchronous constructors, and one implementation is easier to
 * trust than a sync and an async copy.
 *
 * Symbolic links are never followed: lstat tells them apart and they are reported as skipped, so a link
 * planted in a folder cannot make a start chmod a file elsewhere. A folder is tightened before its
 * entries are looked at, so once its mode is checked no other user can swap an entry for a link.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
import path from 'node:path';
import { PrivateFilesError } from './errors.js';

/** The mode of a private folder: only its owner lists, enters or changes it. */
export const PRIVATE_DIR_MODE = 0o700;
/** The mode of a private file: only its owner reads or writes it. */
export const PRIVATE_FILE_MODE = 0o600;

/** Where the lines about changed and skipped paths go: a pino logger fits. */
export interface PrivateFilesLogger {
  warn(fields: object, message: string): void;
}

/** One thing done (or not done) to a path. Modes are the permission bits, e.g. `0o644`. */
export type PrivateFileChange = { action: 'tightened'; path: string; from: number; to: number } | { action: 'skipped'; path: string; reason: 'symlink'; target: string };

/** Options of {@link ensurePrivateDirSync} and {@link tightenPrivateFilesSync}. */
export interface PrivateFilesOptions {
  /** Gets one warn line per path tightened or skipped (see {@link logPrivateFileChanges}). */
  logger?: PrivateFilesLogger;
  /** Also every folder and file below a folder, depth first (default false: the path itself only). */
  recursive?: boolean;
}

/** A mode as `ls` and chmod(1) write it: `0644`, `04755`. */
export function formatMode(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

function failure(code: 'MKDIR_FAILED' | 'READ_FAILED', file: string, error: unknown): PrivateFilesError {
  return new PrivateFilesError(code, `${file}: ${(error as Error).message}`, { cause: error });
}

function tighten(file: string, recursive: boolean, changes: PrivateFileChange[]): void {
  let stats: Stats;
  try {
    stats = lstatSync(file);
  } catch (error) {
    // Not there (yet, or removed since the folder was listed): nothing to protect.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw failure('READ_FAILED', file, error);
  }
  if (stats.isSymbolicLink()) {
    let target = '';
    try {
      target = readlinkSync(file);
    } catch {
      // Gone since the lstat: reported all the same.
    }
    changes.push({ action: 'skipped', path: file, reason: 'symlink', target });
    return;
  }
  // A path of another user is refused, not tightened: its owner could still replace what it holds (a
  // folder made in /tmp by someone else, with our secrets put in it), as ssh refuses such key files.
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new PrivateFilesError('NOT_OWNED', `${file} is owned by uid ${stats.uid}, not by this user (uid ${uid}): another user could replace what it holds; use a folder of your own`);
  }
  const folder = stats.isDirectory();
  const wanted = folder ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE;
  const mode = stats.mode & 0o7777;
  // Only bits are taken away: a file its owner made read-only stays read-only.
  if ((mode & ~wanted) !== 0) {
    const to = mode & wanted;
    try {
      chmodSync(file, to);
    } catch (error) {
      throw new PrivateFilesError('CHMOD_FAILED', `${file}: cannot tighten from ${formatMode(mode)} to ${formatMode(to)}: ${(error as Error).message}`, { cause: error });
    }
    changes.push({ action: 'tightened', path: file, from: mode, to });
  }
  if (!folder || !recursive) return;
  let names: string[];
  try {
    names = readdirSync(file);
  } catch (error) {
    throw failure('READ_FAILED', file, error);
  }
  for (const name of names.sort()) tighten(path.join(file, name), true, changes);
}

/**
 * One warn line per change: `tightened /d/store/data.mdb from 0644 to 0600`, or for a link
 * `not tightened: /d/kubeconfig is a symbolic link (to /elsewhere); its target keeps its mode`.
 * For callers that made the changes before their logger existed.
 */
export function logPrivateFileChanges(logger: PrivateFilesLogger, changes: readonly PrivateFileChange[]): void {
  for (const change of changes) {
    if (change.action === 'tightened') {
      logger.warn({ path: change.path, from: formatMode(change.from), to: formatMode(change.to) }, `tightened ${change.path} from ${formatMode(change.from)} to ${formatMode(change.to)}`);
    } else {
      logger.warn({ path: change.path, target: change.target }, `not tightened: ${change.path} is a symbolic link (to ${change.target}); its target keeps its mode`);
    }
  }
}

/**
 * Tightens each existing path: a folder to 0700, anything else to 0600 (bits are only taken away);
 * missing paths are left alone and symbolic links are skipped, not followed.
 *
 * @returns what was tightened or skipped, in the order it was done.
 * @throws PrivateFilesError `NOT_OWNED` (a path of another user), `CHMOD_FAILED`, `READ_FAILED`.
 * @example
 * tightenPrivateFilesSync([path.join(dataDir, 'token'), path.join(dataDir, 'store')], { recursive: true, logger });
 */
export function tightenPrivateFilesSync(paths: string | readonly string[], options: PrivateFilesOptions = {}): PrivateFileChange[] {
  const changes: PrivateFileChange[] = [];
  for (const file of typeof paths === 'string' ? [paths] : paths) tighten(path.resolve(file), options.recursive ?? false, changes);
  if (options.logger) logPrivateFileChanges(options.logger, changes);
  return changes;
}

/**
 * `mkdir -p` with mode 0700, then {@link tightenPrivateFilesSync} on the folder: an existing folder
 * (say 0755 from an earlier release) is tightened to 0700 and reported.
 *
 * @returns what was tightened or skipped (nothing for a new folder).
 * @throws PrivateFilesError `MKDIR_FAILED` (a file in the way, no permission), `NOT_OWNED` (the folder, or
 *   what a link leads to, or a file in it, is another user's), `CHMOD_FAILED`, `READ_FAILED`.
 * @example
 * ensurePrivateDirSync('/var/lib/sedna', { logger }); // warns "tightened /var/lib/sedna from 0755 to 0700"
 */
export function ensurePrivateDirSync(dir: string, options: PrivateFilesOptions = {}): PrivateFileChange[] {
  const resolved = path.resolve(dir);
  try {
    // The mode applies to every folder created on the way, not only the last.
    mkdirSync(resolved, { recursive: true, mode: PRIVATE_DIR_MODE });
  } catch (error) {
    throw failure('MKDIR_FAILED', resolved, error);
  }
  // A data dir that is a symbolic link is followed to the folder that holds the files, which is checked:
  // someone else's link must not lead us into their folder.
  let real: string;
  try {
    real = realpathSync(resolved);
  } catch (error) {
    throw failure('READ_FAILED', resolved, error);
  }
  return tightenPrivateFilesSync(real, options);
}
