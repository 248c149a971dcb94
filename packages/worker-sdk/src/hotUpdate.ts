import { watch, type FSWatcher } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import { type ModelHotUpdateConfig } from '@sedna-ts/api-types';
import { HOT_UPDATE_MOUNT_PATH } from '@sedna-ts/api-types/contract';
import { WorkerSdkError } from './errors.js';
import { sha256File } from './modelFiles.js';

/** The mount point of the hot-update folder in an inference pod (the original's layout; the contract's). */
export const HOT_UPDATE_MOUNT = HOT_UPDATE_MOUNT_PATH;

/** A model announced in `model_config.json`, with its path resolved. */
export interface AnnouncedModel {
  /** `model_version`, else `model_update_time`. */
  version: string;
  /** `model_path` as written by the LC. */
  modelPath: string;
  /** Where the file is, as this process sees it. */
  resolvedPath: string;
  updateTime: string;
  size?: number;
  sha256?: string;
  /** Identifies this announcement: a change of any field is a new model. */
  key: string;
}

/**
 * Read and check the hot-update config (`{"model_config": {...}}`). Returns undefined when the file does
 * not exist; throws `MODEL_INVALID` when it is not the expected JSON.
 */
export async function readHotUpdateConfig(configPath: string): Promise<AnnouncedModel | undefined> {
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new WorkerSdkError('MODEL_INVALID', `hot update config ${configPath}: ${(error as Error).message}`, { cause: error });
  }
  let parsed: ModelHotUpdateConfig;
  try {
    parsed = JSON.parse(text) as ModelHotUpdateConfig;
  } catch (error) {
    throw new WorkerSdkError('MODEL_INVALID', `hot update config ${configPath}: not JSON: ${(error as Error).message}`, { cause: error });
  }
  const mc = parsed?.model_config;
  if (!mc || typeof mc.model_path !== 'string' || mc.model_path === '') {
    throw new WorkerSdkError('MODEL_INVALID', `hot update config ${configPath}: model_config.model_path: ${JSON.stringify(mc?.model_path)} is not a path`);
  }
  if (mc.model_size !== undefined && (typeof mc.model_size !== 'number' || !Number.isInteger(mc.model_size) || mc.model_size < 0)) {
    throw new WorkerSdkError('MODEL_INVALID', `hot update config ${configPath}: model_config.model_size: ${JSON.stringify(mc.model_size)} is not a size`);
  }
  if (mc.model_sha256 !== undefined && (typeof mc.model_sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(mc.model_sha256))) {
    throw new WorkerSdkError('MODEL_INVALID', `hot update config ${configPath}: model_config.model_sha256: ${JSON.stringify(mc.model_sha256)} is not a sha256`);
  }
  const updateTime = String(mc.model_update_time ?? '');
  const version = mc.model_version !== undefined && mc.model_version !== '' ? String(mc.model_version) : updateTime;
  const model: AnnouncedModel = {
    version,
    modelPath: mc.model_path,
    resolvedPath: resolveAnnouncedPath(configPath, mc.model_path),
    updateTime,
    key: JSON.stringify([mc.model_path, version, updateTime, mc.model_size ?? null, mc.model_sha256 ?? null]),
  };
  if (mc.model_size !== undefined) model.size = mc.model_size;
  if (mc.model_sha256 !== undefined) model.sha256 = mc.model_sha256.toLowerCase();
  return model;
}

/**
 * Where `model_path` is for this process: a path under `/model-hot-update/` resolves against the folder
 * of the config file (the same folder, mounted elsewhere on one machine); a relative path too.
 */
export function resolveAnnouncedPath(configPath: string, modelPath: string): string {
  const folder = dirname(resolve(configPath));
  if (modelPath === HOT_UPDATE_MOUNT || modelPath.startsWith(`${HOT_UPDATE_MOUNT}/`)) {
    return join(folder, modelPath.slice(HOT_UPDATE_MOUNT.length));
  }
  return isAbsolute(modelPath) ? modelPath : resolve(folder, modelPath);
}

async function sizeOf(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await sizeOf(join(path, entry));
  return total;
}

/**
 * The weight files a tfjs `model.json` lists in its `weightsManifest`, relative to its folder; none for
 * any other file. A listed path that leaves the folder is refused.
 */
async function tfjsWeightFiles(model: AnnouncedModel, path: string): Promise<string[]> {
  if (!path.endsWith('.json')) return [];
  let manifest: unknown;
  try {
    manifest = (JSON.parse(await readFile(path, 'utf8')) as { weightsManifest?: unknown }).weightsManifest;
  } catch {
    return []; // Not JSON: not a tfjs model; the estimator's load says what is wrong with it.
  }
  if (!Array.isArray(manifest)) return [];
  const files: string[] = [];
  for (const group of manifest as Array<{ paths?: unknown }>) {
    for (const relative of Array.isArray(group?.paths) ? (group.paths as unknown[]) : []) {
      const normalised = typeof relative === 'string' ? normalize(relative) : '';
      if (normalised === '' || normalised === '.' || isAbsolute(normalised) || normalised === '..' || normalised.startsWith('../')) {
        throw new WorkerSdkError('MODEL_INVALID', `model ${model.version}: ${model.resolvedPath}: weightsManifest path ${JSON.stringify(relative)} leaves the model folder`);
      }
      files.push(normalised);
    }
  }
  return files;
}

/**
 * Copy an announced model into a private folder and check the copy against the announced size and
 * sha256 (sha256 only for a file). Loading the private copy means the LC may replace the published
 * file at any time without the worker reading a half-written one. A folder is copied whole; a tfjs
 * `model.json` is copied with the weight files it lists, which must be beside it (a weights file named
 * as `saveLayersModel` names them, `weights-<first 16 hex of its sha256>.bin`, is checked against its
 * name). Returns the copy's path and folder.
 */
export async function stageAnnouncedModel(model: AnnouncedModel): Promise<{ path: string; folder: string }> {
  try {
    await stat(model.resolvedPath);
  } catch (error) {
    throw new WorkerSdkError('MODEL_INVALID', `model ${model.version}: ${model.resolvedPath}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, { cause: error });
  }
  const folder = await mkdtemp(join(tmpdir(), 'sedna-hot-update-'));
  const path = join(folder, basename(model.resolvedPath));
  try {
    await cp(model.resolvedPath, path, { recursive: true });
    const isFolder = (await stat(path)).isDirectory();
    if (model.size !== undefined) {
      const size = await sizeOf(path);
      if (size !== model.size) {
        throw new WorkerSdkError('MODEL_INVALID', `model ${model.version}: ${model.resolvedPath}: size ${size} bytes, model_config.model_size says ${model.size}`);
      }
    }
    if (model.sha256 !== undefined) {
      if (isFolder) {
        throw new WorkerSdkError('MODEL_INVALID', `model ${model.version}: ${model.resolvedPath}: is a folder; model_sha256 can only check a file`);
      }
      const sha256 = await sha256File(path);
      if (sha256 !== model.sha256) {
        throw new WorkerSdkError('MODEL_INVALID', `model ${model.version}: ${model.resolvedPath}: sha256 ${sha256}, model_config.model_sha256 says ${model.sha256}`);
      }
    }
    if (!isFolder) await stageWeightFiles(model, path, folder);
    return { path, folder };
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error instanceof WorkerSdkError ? error : new WorkerSdkError('MODEL_INVALID', `model ${model.version}: copying ${model.resolvedPath}: ${(error as Error).message}`, { cause: error });
  }
}

/** Copies the weight files of a staged tfjs `model.json` from beside the announced one, checking hashed names. */
async function stageWeightFiles(model: AnnouncedModel, stagedJson: string, folder: string): Promise<void> {
  const source = dirname(model.resolvedPath);
  for (const relative of await tfjsWeightFiles(model, stagedJson)) {
    const target = join(folder, relative);
    try {
      await mkdir(dirname(target), { recursive: true });
      await cp(join(source, relative), target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new WorkerSdkError(
        'MODEL_INVALID',
        `model ${model.version}: ${model.resolvedPath} is a tfjs model whose weights file ${relative} is not beside it; ` +
          'publish the model folder, or deploy the ONNX file (model.onnx) to inference workers',
        { cause: error },
      );
    }
    const hashed = /^weights-([0-9a-f]{16})\.bin$/.exec(basename(relative));
    if (hashed && (await sha256File(target)).slice(0, 16) !== hashed[1]) {
      throw new WorkerSdkError('MODEL_INVALID', `model ${model.version}: ${join(source, relative)}: content does not match the sha256 its name carries (a partial or replaced file)`);
    }
  }
}

/**
 * Watches the folder of the hot-update config (a file replaced by rename stops firing a watch on the
 * file itself) and polls every `pollPeriodSeconds` as a fallback. Calls `onChange` one at a time: a
 * change seen while it runs triggers one more call afterwards.
 */
export class ConfigWatcher {
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    private readonly configPath: string,
    private readonly pollPeriodSeconds: number,
    private readonly onChange: () => Promise<void>,
    private readonly useWatch: boolean = true,
  ) {}

  /** Start watching and polling, and check once now. */
  start(): void {
    this.ensureWatch();
    this.poll = setInterval(() => {
      this.ensureWatch();
      this.trigger();
    }, Math.min(this.pollPeriodSeconds * 1000, 2 ** 31 - 1)); // larger delays overflow to "at once"
    this.poll.unref();
    this.trigger();
  }

  private ensureWatch(): void {
    if (!this.useWatch || this.watcher || this.closed) return;
    const name = basename(this.configPath);
    try {
      this.watcher = watch(dirname(this.configPath), { persistent: false }, (_event, filename) => {
        if (!filename || filename.toString() === name) this.trigger();
      });
      this.watcher.on('error', () => {
        // The folder went away: drop the watch, the poll re-establishes it.
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // The folder does not exist yet; the poll retries.
      this.watcher = undefined;
    }
  }

  /** Run `onChange` now (or once more after the run in progress). Resolves when that run is done. */
  trigger(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.onChange();
      } while (this.again && !this.closed);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stop watching and polling; resolves when a check in progress has finished. */
  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    this.watcher = undefined;
    if (this.poll) clearInterval(this.poll);
    await this.running;
  }
}
