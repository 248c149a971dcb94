import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, resolve } from 'node:path';
import { type MetricValue, type ModelInfo } from '@sedna-ts/api-types';
import { type SavedModelFile } from './estimator.js';
import { WorkerSdkError } from './errors.js';

/** sha256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await folderSize(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

/**
 * The format of a model at `path`: `tfjs` for a folder with `model.json` (or that file itself), else the
 * file's extension without the dot (`onnx`, `pb`, `ckpt`), else an empty string.
 */
export async function formatOfModel(path: string): Promise<string> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) {
      const entries = await readdir(path);
      return entries.includes('model.json') ? 'tfjs' : '';
    }
  } catch {
    // A path that does not exist (yet) still has an extension.
  }
  if (path.endsWith('model.json')) return 'tfjs';
  return extname(path).slice(1).toLowerCase();
}

/**
 * The path as the LC sees it: `prefix` (DATA_PATH_PREFIX, where host paths are mounted in a pod) removed
 * from the front, as the original's `model_info` does. A path outside the prefix is unchanged.
 */
export function stripDataPathPrefix(path: string, prefix: string): string {
  if (!prefix || prefix === '/') return path;
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (path === p) return '/';
  return path.startsWith(`${p}/`) ? path.slice(p.length) : path;
}

/**
 * Describe one model for a report: format, url (DATA_PATH_PREFIX removed), size and, for a file,
 * sha256; metrics when given. Throws `MODEL_INVALID` when the path does not exist. A remote URL
 * (`s3://...`) is described by its extension only.
 */
export async function describeModel(
  path: string,
  options: { format?: string; metrics?: Record<string, MetricValue>; dataPathPrefix?: string } = {},
): Promise<ModelInfo> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    // A remote model (s3://, https://) the estimator read itself: nothing local to measure.
    const remote: ModelInfo = { format: options.format ?? extname(new URL(path).pathname).slice(1).toLowerCase(), url: path };
    if (options.metrics !== undefined) remote.metrics = options.metrics;
    return remote;
  }
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new WorkerSdkError('MODEL_INVALID', `model ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (error as Error).message}`, { cause: error });
  }
  const model: ModelInfo = {
    format: options.format ?? (await formatOfModel(path)),
    url: stripDataPathPrefix(path, options.dataPathPrefix ?? ''),
  };
  if (info.isFile()) {
    model.size = info.size;
    model.sha256 = await sha256File(path);
  } else if (info.isDirectory()) {
    model.size = await folderSize(path);
  }
  if (options.metrics !== undefined) model.metrics = options.metrics;
  return model;
}

/**
 * Describe every file an estimator's `save` produced (relative paths resolve against `modelDir`), each
 * with its format, size and sha256, all with the same metrics.
 */
export async function describeSavedFiles(
  files: readonly SavedModelFile[],
  options: { modelDir: string; metrics?: Record<string, MetricValue>; dataPathPrefix?: string },
): Promise<ModelInfo[]> {
  if (!Array.isArray(files) || files.length === 0) {
    throw new WorkerSdkError('MODEL_INVALID', `Estimator.save(${options.modelDir}) returned no files; it must return every file it wrote, each with its format`);
  }
  const out: ModelInfo[] = [];
  for (const file of files) {
    if (!file || typeof file.path !== 'string' || typeof file.format !== 'string' || file.format === '') {
      throw new WorkerSdkError('MODEL_INVALID', `Estimator.save(${options.modelDir}) returned ${JSON.stringify(file)}; expected {path, format}`);
    }
    const path = isAbsolute(file.path) ? file.path : resolve(options.modelDir, file.path);
    out.push(await describeModel(path, { format: file.format, metrics: options.metrics, dataPathPrefix: options.dataPathPrefix }));
  }
  return out;
}
