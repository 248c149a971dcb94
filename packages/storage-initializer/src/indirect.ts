/**
 * Indirect downloads: the source is an index file whose first line (after `#` comments and blank
 * lines) is a base URI and whose other lines are files relative to it; each is downloaded into the
 * destination under its relative folder, several at once.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createContext, type DownloadOptions, type RunContext } from './context.js';
import { type DownloadResult, downloadWith } from './download.js';
import { StorageInitializerError } from './errors.js';
import { forEachLimited } from './pool.js';
import { safeRelativePath } from './safePath.js';
import { joinSource, parseSourceUri } from './sourceUri.js';

/** An index file, parsed. */
export interface IndexFile {
  /** The first non-comment line: where the files are. */
  baseUri: string;
  /** The other lines, trimmed, each once, in order of first appearance. */
  files: string[];
}

/** What an indirect download did. */
export interface IndirectResult extends DownloadResult {
  /** Index lines whose files did not exist (logged, and skipped when `SEDNA_INDIRECT_MISSING=warn`). */
  missing: string[];
}

/**
 * Parses an index file: lines are trimmed; blank lines and lines starting with `#` are skipped; the
 * first remaining line is the base URI, the rest are relative files (duplicates dropped).
 *
 * @param name how errors name the index file.
 * @throws StorageInitializerError `INVALID_INDEX` when there is no base URI line.
 * @example
 * parseIndexFile('# helmet\ns3://datasets/helmet\nimages/1.jpg\nimages/2.jpg\n');
 * // { baseUri: 's3://datasets/helmet', files: ['images/1.jpg', 'images/2.jpg'] }
 */
export function parseIndexFile(text: string, name = 'index file'): IndexFile {
  let baseUri: string | undefined;
  const files = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (baseUri === undefined) baseUri = line;
    else files.add(line);
  }
  if (baseUri === undefined) {
    throw new StorageInitializerError('INVALID_INDEX', `${name}: read index: no base URI line (the file has only blank and # lines)`, { url: name, step: 'read index' });
  }
  return { baseUri, files: [...files] };
}

/** The index file's text: read in place when local, else downloaded into a temporary folder first. */
async function readIndex(context: RunContext, indexSource: string): Promise<string> {
  let parsed;
  try {
    parsed = parseSourceUri(indexSource);
  } catch (error) {
    throw context.wrap(error, indexSource, 'arguments');
  }
  if (parsed.kind === 'local') {
    try {
      return await fs.readFile(parsed.path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw context.fail(code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_INDEX', indexSource, 'read index', (error as Error).message, error);
    }
  }
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'sedna-index-'));
  try {
    await downloadWith(context, indexSource, scratch);
    const entries = await fs.readdir(scratch, { withFileTypes: true });
    const [only] = entries;
    if (entries.length !== 1 || !only?.isFile()) {
      throw context.fail('INVALID_INDEX', indexSource, 'read index', 'the index must be one file, not a folder or an archive');
    }
    return await fs.readFile(path.join(scratch, only.name), 'utf8');
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

/** {@link indirectDownload} within a run. */
export async function indirectDownloadWith(context: RunContext, indexSource: string, destination: string): Promise<IndirectResult> {
  const text = await readIndex(context, indexSource);
  let index: IndexFile;
  try {
    index = parseIndexFile(text, indexSource);
  } catch (error) {
    throw context.wrap(error, indexSource, 'read index');
  }
  try {
    parseSourceUri(index.baseUri);
  } catch (error) {
    const why = 'is not a URL (s3://, obs://, http(s)://, file://) or an absolute path';
    throw context.fail('INVALID_INDEX', indexSource, 'read index', `the base URI line ${JSON.stringify(index.baseUri)} ${why}`, error);
  }
  const files = index.files.map((line) => {
    const relative = safeRelativePath(line);
    if (relative === undefined || relative === '') throw context.fail('UNSAFE_PATH', indexSource, 'read index', `line ${JSON.stringify(line)} is not a path inside the base URI`);
    return relative;
  });
  if (files.length === 0) {
    context.log.info(`${indexSource}: the index names no files; nothing to download`);
    return { files: 0, bytes: 0, missing: [] };
  }
  context.log.info(`${indexSource}: ${files.length} file(s) from ${index.baseUri} into ${destination}, ${context.config.concurrency} at a time`);
  const result: IndirectResult = { files: 0, bytes: 0, missing: [] };
  await forEachLimited(files, context.config.concurrency, async (relative) => {
    try {
      const one = await downloadWith(context, joinSource(index.baseUri, relative), path.join(destination, path.posix.dirname(relative)));
      result.files += one.files;
      result.bytes += one.bytes;
    } catch (error) {
      if (!(error instanceof StorageInitializerError && error.code === 'NOT_FOUND')) throw error;
      result.missing.push(relative);
      context.log.debug(error.message);
    }
  });
  if (result.missing.length > 0) {
    const shown = result.missing.slice(0, 5).join(', ');
    const more = result.missing.length > 5 ? ` and ${result.missing.length - 5} more` : '';
    const what = `${result.missing.length} of ${files.length} file(s) the index names do not exist under ${index.baseUri}: ${shown}${more}`;
    if (context.config.indirectMissing === 'fail') throw context.fail('NOT_FOUND', indexSource, 'download', what);
    context.log.warn(`${indexSource}: ${what} (skipped; SEDNA_INDIRECT_MISSING=fail makes this an error)`);
  }
  return result;
}

/**
 * Downloads the files an index file names (the init container's pairs whose destination carries the
 * indirect mark): file `images/1.jpg` under base `s3://datasets/helmet` is saved as
 * `<destination>/images/1.jpg`. Base URIs may be `s3://`, `obs://`, `http(s)://` or local paths.
 *
 * @throws StorageInitializerError `INVALID_INDEX` for an index without a usable base URI line,
 *   `UNSAFE_PATH` for a line leading outside the destination, or the error of the first file that failed.
 * @example
 * await indirectDownload('/data/helmet/dataIndex.txt', '/downloads/datasets/helmet', { env: process.env });
 */
export async function indirectDownload(indexSource: string, destination: string, options: DownloadOptions = {}): Promise<IndirectResult> {
  return indirectDownloadWith(createContext(options), indexSource, destination);
}
