/**
 * Hot-update publishing, as the original lays it out (docs/original/worker-contract.md#hot-update) with our additions: the host
 * folder `<hotUpdateRoot>/<ns>/<kind>/<name>/` (the contract's `jobFolder`) is mounted at `/model-hot-update` in the
 * inference pod; a version is first copied to `<round>/<file>`, then `model_config.json` is written by
 * temp file + rename with `model_path: /model-hot-update/<round>/<file>`, `model_update_time`,
 * `model_version` (the round), `model_size` and `model_sha256`. The inference worker only ever sees a
 * config that names a complete file.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize } from 'node:path';
import { type ModelHotUpdateConfig } from '@sedna-ts/api-types';
import { HOT_UPDATE_CONFIG_FILE, HOT_UPDATE_MOUNT_PATH as HOT_UPDATE_MOUNT } from '@sedna-ts/api-types/contract';
import { fsyncDir, tempPathFor, writeFileAtomic } from '@sedna-ts/internal';
import { copyFileAtomic } from '../storage/files.js';

/** Versions kept in the hot-update folder (the serving one and the ones before it). */
const KEEP_VERSIONS = 3;

/** sha256 (hex) of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** What `publishModel` wrote. */
export interface PublishedModel {
  config: ModelHotUpdateConfig;
  /** The copy, as the LC sees it. */
  copyPath: string;
}

/**
 * Publish the model at `source` (a file or a folder, as this process sees it) as version `round` in the
 * hot-update folder `dir`. `model_path` is `<modelPathBase>/<round>/<file>`: the mount path of the folder
 * in the inference pod (default), or, where workers run as processes on the host (`sedna up`), the
 * folder itself, so a worker that opens `model_path` as it is (the original's Python library) finds
 * it. Idempotent: publishing the same round again replaces the copy and rewrites
 * the config with a new update time. `refusal` says why the LC may not read a path (its allowed roots,
 * dataRoots.ts): the model and each weight file are checked first, and a refused one fails the publish
 * with that message, nothing copied.
 */
export async function publishModel(
  dir: string,
  source: string,
  round: number,
  now: Date = new Date(),
  refusal?: (path: string) => Promise<string | undefined>,
  modelPathBase: string = HOT_UPDATE_MOUNT,
): Promise<PublishedModel> {
  // The LC may run as root: it copies only what its roots allow (a Model's URL and a trained model's are
  // a user's and a worker's word), the model and each weight file it lists, after resolving symlinks.
  const refused = await refusal?.(source);
  if (refused) throw new Error(refused);
  const info = await stat(source);
  const name = basename(source);
  const weightFiles = info.isDirectory() ? [] : await tfjsWeightFiles(source);
  for (const weights of weightFiles) {
    const why = await refusal?.(join(dirname(source), weights));
    if (why) throw new Error(why);
  }
  const versionDir = join(dir, String(round));
  const copyPath = join(versionDir, name);
  await mkdir(versionDir, { recursive: true });
  const modelConfig: ModelHotUpdateConfig['model_config'] = {
    model_path: `${modelPathBase}/${round}/${name}`,
    model_update_time: now.toISOString(),
    model_version: String(round),
  };
  if (info.isDirectory()) {
    const temp = tempPathFor(copyPath);
    await cp(source, temp, { recursive: true });
    await rm(copyPath, { recursive: true, force: true });
    await rename(temp, copyPath);
    await fsyncDir(versionDir);
  } else {
    // A tfjs model.json is useless without the weight files it lists: they go in first, so the
    // version folder never holds a model.json whose weights are missing.
    for (const weights of weightFiles) await copyFileAtomic(join(dirname(source), weights), join(versionDir, weights));
    await copyFileAtomic(source, copyPath);
    modelConfig.model_size = (await stat(copyPath)).size;
    modelConfig.model_sha256 = await sha256File(copyPath);
  }
  const config: ModelHotUpdateConfig = { model_config: modelConfig };
  await writeFileAtomic(join(dir, HOT_UPDATE_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
  await pruneVersions(dir, round);
  return { config, copyPath };
}

/**
 * The weight files a tfjs `model.json` lists (`weightsManifest[].paths`, relative to its folder), or
 * none when `file` is not a tfjs model. A listed path that leaves the folder is refused.
 */
export async function tfjsWeightFiles(file: string): Promise<string[]> {
  if (!file.endsWith('.json')) return [];
  let manifest: unknown;
  try {
    manifest = (JSON.parse(await readFile(file, 'utf8')) as { weightsManifest?: unknown }).weightsManifest;
  } catch {
    return [];
  }
  if (!Array.isArray(manifest)) return [];
  const paths: string[] = [];
  for (const group of manifest as Array<{ paths?: unknown }>) {
    for (const path of Array.isArray(group?.paths) ? group.paths : []) {
      const relative = normalize(String(path));
      if (isAbsolute(relative) || relative.startsWith('..')) throw new Error(`${file}: weightsManifest path ${JSON.stringify(path)} leaves the model's folder`);
      paths.push(relative);
    }
  }
  return paths;
}

/** Remove version folders older than the last `KEEP_VERSIONS` up to `current`. */
async function pruneVersions(dir: string, current: number): Promise<void> {
  const versions = (await readdir(dir)).filter((e) => /^\d+$/.test(e)).map(Number);
  for (const v of versions) {
    if (v <= current - KEEP_VERSIONS) await rm(join(dir, String(v)), { recursive: true, force: true });
  }
}

/**
 * The `model_version` of the model last published in the hot-update folder `dir` (its
 * `model_config.json`), or undefined when none was (or the file is unreadable). A deploy report without
 * a version (the original's library sends none) is about that model: the one its worker loads.
 */
export async function publishedVersion(dir: string): Promise<string | undefined> {
  try {
    const config = JSON.parse(await readFile(join(dir, HOT_UPDATE_CONFIG_FILE), 'utf8')) as Partial<ModelHotUpdateConfig>;
    const version = config.model_config?.model_version;
    return typeof version === 'string' && version !== '' ? version : undefined;
  } catch {
    return undefined;
  }
}
