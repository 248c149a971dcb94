/**
 * Archives (.tar, .tar.gz, .tgz with node-tar; .zip with yauzl), extracted into a hidden staging
 * folder, checked, then merged into the destination: an archive with an entry that would land outside
 * the destination is rejected whole, and nothing of it is left behind.
 */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import yauzl from 'yauzl';
import { StorageInitializerError } from './errors.js';
import { makeStagingDir, mergeInto } from './files.js';
import { isInside, safeRelativePath } from './safePath.js';

/** The archive formats the initializer extracts. */
export type ArchiveKind = 'tar' | 'zip';

/** What an extraction produced. */
export interface ExtractResult {
  /** Regular files written. */
  files: number;
  /** Their bytes. */
  bytes: number;
  /** Entries left out: devices, FIFOs and other special files. */
  skipped: number;
}

/**
 * The archive kind a file name says, by extension (case-insensitive): `.tar`, `.tar.gz`, `.tgz` are
 * tar (compression detected from the data), `.zip` is zip; anything else is not an archive.
 */
export function archiveKind(name: string): ArchiveKind | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.tar') || lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) return 'tar';
  if (lower.endsWith('.zip')) return 'zip';
  return undefined;
}

/** An entry refused: where it would have gone. */
class UnsafeEntry extends Error {}

const TAR_KEPT_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link']);

/** Extracts a tar archive into `staging`, refusing the whole archive for one unsafe entry. */
async function extractTar(file: string, staging: string, result: ExtractResult, symlinks: string[]): Promise<void> {
  let unsafe: string | undefined;
  await tar.x({
    file,
    cwd: staging,
    strict: true,
    preserveOwner: false,
    filter: (entryPath, entry) => {
      if (unsafe !== undefined || !('type' in entry)) return false;
      const relative = safeRelativePath(entryPath);
      if (relative === undefined) {
        unsafe = `entry ${JSON.stringify(entryPath)} lies outside the archive's folder`;
        return false;
      }
      if (!TAR_KEPT_TYPES.has(entry.type)) {
        result.skipped++;
        return false;
      }
      if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
        const target = entry.linkpath ?? '';
        // A hard link names its target from the archive's root, a symbolic link from its own folder.
        const from = entry.type === 'Link' ? target : path.posix.join(path.posix.dirname(relative), target);
        if (target.startsWith('/') || safeRelativePath(from) === undefined) {
          unsafe = `${entry.type === 'Link' ? 'link' : 'symbolic link'} ${JSON.stringify(entryPath)} points outside the archive's folder (${JSON.stringify(target)})`;
          return false;
        }
        if (entry.type === 'SymbolicLink') symlinks.push(relative);
      }
      if (entry.type !== 'Directory' && entry.type !== 'SymbolicLink') {
        result.files++;
        result.bytes += entry.size;
      }
      return true;
    },
  });
  if (unsafe !== undefined) throw new UnsafeEntry(unsafe);
}

/** Whether a zip entry is a Unix symbolic link (made on Unix, file type bits 0o120000). */
function isZipSymlink(entry: yauzl.Entry): boolean {
  return entry.versionMadeBy >> 8 === 3 && ((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000;
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Extracts a zip archive into `staging`, refusing the whole archive for one unsafe entry. */
async function extractZip(file: string, staging: string, result: ExtractResult, symlinks: string[]): Promise<void> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: false });
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (error: unknown) => {
        zip.close();
        reject(error);
      };
      zip.on('error', (error: Error) => {
        // yauzl validates names itself; say so the way the tar path does.
        if (/^(absolute path|invalid relative path)/.test(error.message)) fail(new UnsafeEntry(`entry lies outside the archive's folder (${error.message})`));
        else fail(error);
      });
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        handleZipEntry(zip, entry, staging, result, symlinks).then(() => zip.readEntry(), fail);
      });
      zip.readEntry();
    });
  } finally {
    if (zip.isOpen) zip.close();
  }
}

async function handleZipEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, staging: string, result: ExtractResult, symlinks: string[]): Promise<void> {
  const relative = safeRelativePath(entry.fileName);
  if (relative === undefined) throw new UnsafeEntry(`entry ${JSON.stringify(entry.fileName)} lies outside the archive's folder`);
  if (relative === '') return;
  // A file under a symbolic link the archive made would be written wherever the link points.
  const underLink = symlinks.find((link) => relative === link || relative.startsWith(`${link}/`));
  if (underLink !== undefined) throw new UnsafeEntry(`entry ${JSON.stringify(entry.fileName)} would be written through the symbolic link ${JSON.stringify(underLink)}`);
  const target = path.join(staging, relative);
  if (entry.fileName.endsWith('/')) {
    await fs.mkdir(target, { recursive: true });
    return;
  }
  await fs.mkdir(path.dirname(target), { recursive: true });
  const stream = await zip.openReadStreamPromise(entry);
  if (isZipSymlink(entry)) {
    const linkTarget = await readAll(stream);
    if (linkTarget.startsWith('/') || safeRelativePath(path.posix.join(path.posix.dirname(relative), linkTarget)) === undefined) {
      throw new UnsafeEntry(`symbolic link ${JSON.stringify(entry.fileName)} points outside the archive's folder (${JSON.stringify(linkTarget)})`);
    }
    await fs.rm(target, { force: true, recursive: true });
    await fs.symlink(linkTarget, target);
    symlinks.push(relative);
    return;
  }
  const unixMode = entry.versionMadeBy >> 8 === 3 ? (entry.externalFileAttributes >>> 16) & 0o777 : 0;
  await pipeline(stream, createWriteStream(target, { mode: unixMode & 0o111 ? 0o755 : 0o644 }));
  result.files++;
  result.bytes += entry.uncompressedSize;
}

/**
 * Symbolic links whose targets are inside the archive one by one can still lead outside together
 * (`a -> .`, `b -> a/..`): every link must resolve inside the staging folder, or dangle.
 */
async function checkLinksResolveInside(staging: string, symlinks: readonly string[]): Promise<void> {
  const root = await fs.realpath(staging);
  for (const link of symlinks) {
    let resolved: string;
    try {
      resolved = await fs.realpath(path.join(staging, link));
    } catch {
      continue; // dangling: points at nothing, inside or out
    }
    if (!isInside(root, resolved)) throw new UnsafeEntry(`symbolic link ${JSON.stringify(link)} resolves outside the archive's folder`);
  }
}

/**
 * Extracts `archive` into `destination` (created): into a hidden staging folder first, checked, then
 * merged in, so a failed or refused archive leaves nothing behind. The archive file is not removed.
 *
 * @param options.kind the format, when the file name does not say it.
 * @param options.url how errors name the archive (its source URL); the file path by default.
 * @throws StorageInitializerError `UNSAFE_PATH` for an entry or link leading outside `destination`,
 *   `INVALID_ARCHIVE` for an unreadable archive, `IO` when writing fails.
 * @example
 * await extractArchive('/tmp/model.tar.gz', '/downloads/models');
 */
export async function extractArchive(archive: string, destination: string, options: { kind?: ArchiveKind; url?: string } = {}): Promise<ExtractResult> {
  const url = options.url ?? archive;
  const kind = options.kind ?? archiveKind(archive);
  if (kind === undefined) {
    throw new StorageInitializerError('INVALID_ARCHIVE', `${url}: extract: the name does not end with .tar, .tar.gz, .tgz or .zip`, { url, step: 'extract' });
  }
  let staging: string;
  try {
    staging = await makeStagingDir(destination);
  } catch (error) {
    throw new StorageInitializerError('IO', `${url}: extract: cannot create a staging folder in ${destination}: ${(error as Error).message}`, { url, step: 'extract', cause: error });
  }
  const result: ExtractResult = { files: 0, bytes: 0, skipped: 0 };
  const symlinks: string[] = [];
  try {
    if (kind === 'tar') await extractTar(archive, staging, result, symlinks);
    else await extractZip(archive, staging, result, symlinks);
    await checkLinksResolveInside(staging, symlinks);
    await mergeInto(staging, destination);
    return result;
  } catch (error) {
    if (error instanceof UnsafeEntry) {
      throw new StorageInitializerError('UNSAFE_PATH', `${url}: extract: refused: ${error.message}`, { url, step: 'extract' });
    }
    const code = (error as { code?: unknown }).code;
    const local = typeof code === 'string' && ['ENOSPC', 'EACCES', 'EPERM', 'EROFS', 'EDQUOT', 'EMFILE'].includes(code);
    throw new StorageInitializerError(local ? 'IO' : 'INVALID_ARCHIVE', `${url}: extract: ${local ? '' : `not a valid ${kind} archive: `}${(error as Error).message}`, {
      url,
      step: 'extract',
      cause: error,
    });
  } finally {
    await fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}
