/** One source into one destination folder: the dispatcher over S3, HTTP(S) and local sources. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { archiveKind, extractArchive } from './archive.js';
import { createContext, type DownloadOptions, type RunContext } from './context.js';
import { ensureDir, partialPath, writeAtomically } from './files.js';
import { downloadHttp } from './httpSource.js';
import { downloadLocal } from './localSource.js';
import { downloadS3 } from './s3Source.js';
import { type ReceiveFile, type Transferred } from './transfer.js';
import { parseSourceUri, type SourceUri } from './sourceUri.js';

/**
 * What a download wrote into its destination: regular files (extracted files counted one by one,
 * linked trees counted as they are) and their bytes.
 */
export type DownloadResult = Transferred;

/**
 * The receiver of a single downloaded file: an archive (by name) goes to a hidden temporary file, is
 * extracted into `destination` and removed; any other file is written under a temporary name and
 * renamed to `<destination>/<name>` when complete.
 */
function fileReceiver(context: RunContext, source: SourceUri, destination: string): ReceiveFile {
  return async (name, write) => {
    const kind = archiveKind(name);
    const target = path.join(destination, name);
    if (kind === undefined) {
      const bytes = await writeAtomically(target, write);
      return { files: 1, bytes };
    }
    const temporary = partialPath(target);
    try {
      await write(temporary);
      context.log.info(`${source.text}: extracting ${name} into ${destination}`);
      const extracted = await extractArchive(temporary, destination, { kind, url: source.text });
      return { files: extracted.files, bytes: extracted.bytes };
    } finally {
      await fs.rm(temporary, { force: true });
    }
  };
}

/** {@link download} within a run. */
export async function downloadWith(context: RunContext, source: string, destination: string): Promise<DownloadResult> {
  let parsed: SourceUri;
  try {
    parsed = parseSourceUri(source);
  } catch (error) {
    throw context.wrap(error, source, 'arguments');
  }
  try {
    await ensureDir(destination);
    await context.sweep(destination, false);
    let result: Transferred;
    switch (parsed.kind) {
      case 's3':
        result = await downloadS3(context, parsed, destination, fileReceiver(context, parsed, destination));
        break;
      case 'http':
        result = await downloadHttp(context, parsed, fileReceiver(context, parsed, destination));
        break;
      case 'local':
        result = await downloadLocal(context, parsed, destination);
        break;
    }
    return result;
  } catch (error) {
    throw context.wrap(error, parsed.text, parsed.kind === 'local' ? 'copy' : 'download');
  }
}

/**
 * Downloads `source` into the folder `destination` (created), the way the init container does for a
 * pair without the indirect mark:
 * - `s3://bucket/dir/file` (or `obs://`) → `<destination>/file`; `s3://bucket/dir/folder` (no such
 *   object, objects under `folder/`) → `<destination>/folder/...`; `s3://bucket` → `<destination>/...`;
 * - `http(s)://host/path/file` → `<destination>/file`;
 * - `/path/file`, `/path/folder`, `file:///...` → `<destination>/file`, `<destination>/folder/...`,
 *   copied (or linked with `SEDNA_LOCAL_MODE=symlink`);
 * - a source named `*.tar`, `*.tar.gz`, `*.tgz` or `*.zip` is extracted into `<destination>` instead.
 *
 * Every file is written under a temporary name and renamed when complete; transient failures are
 * retried with backoff.
 *
 * @throws StorageInitializerError naming the URL and the step, credentials masked.
 * @example
 * await download('s3://models/helmet/model.onnx', '/downloads/models/helmet', {
 *   env: { S3_ENDPOINT_URL: 'http://127.0.0.1:9000', ACCESS_KEY_ID: 'key', SECRET_ACCESS_KEY: 'secret' },
 * });
 */
export async function download(source: string, destination: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  return downloadWith(createContext(options), source, destination);
}
