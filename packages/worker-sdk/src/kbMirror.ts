import { cp, readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { type KbModel } from '@sedna-ts/api-types/contract';
import { WorkerSdkError } from './errors.js';
import { type KBClient } from './kbClient.js';

/** A folder name for a group entry or a model id (`Summer_AC@r2` stays, `/` and the like become `_`). */
export function folderName(entry: string): string {
  return entry.replace(/[^A-Za-z0-9._@-]/g, '_') || '_';
}

function checkRelative(model: KbModel, relative: unknown): string {
  if (typeof relative !== 'string' || relative === '' || relative.split('/').includes('..') || isAbsolute(relative)) {
    throw new WorkerSdkError('MODEL_INVALID', `LifelongLearning: model ${model.id}: file ${JSON.stringify(relative)} leaves the model folder`);
  }
  return relative;
}

/**
 * Copy one model of a KB index into `dest` (the edge mirror) and return its local path: the folder
 * holding its `url` when this process can read it (a model is its folder: a tfjs `model.json` needs the
 * weights beside it), else a download of its `kb_url` through `kb`, with the other files of its folder
 * (its `files`, else the weight files a tfjs `model.json` lists), stored beside it in the KB (the same
 * `files=` folder). A `kb_url` must be on KB_SERVER (same scheme, host and port): the download carries the
 * worker token. Throws `MODEL_INVALID` naming the model when neither works, or naming the model and the
 * URL for a `kb_url` elsewhere.
 */
export async function mirrorModel(model: KbModel, dest: string, options: { localPath: (path: string) => Promise<string>; kb: KBClient | undefined }): Promise<string> {
  const source = await options.localPath(model.url);
  const info = await stat(source).catch(() => undefined);
  if (info) {
    await cp(info.isDirectory() ? source : dirname(source), dest, { recursive: true });
    return info.isDirectory() ? dest : join(dest, basename(source));
  }
  const kb = options.kb;
  if (!model.kb_url || !kb) {
    throw new WorkerSdkError('MODEL_INVALID', `LifelongLearning: model ${model.id}: ${model.url} is not readable here${model.kb_url ? ' and KB_SERVER is not set to download its kb_url' : ' and it has no kb_url'}`);
  }
  // An index names kb_url; a hostile one could name another host, which would get the worker's token.
  if (!kb.isOwnUrl(model.kb_url)) {
    throw new WorkerSdkError('MODEL_INVALID', `LifelongLearning: model ${model.id}: kb_url ${model.kb_url} is not on KB_SERVER ${new URL(kb.server).origin} (another scheme, host or port): refused, the worker token goes to KB_SERVER only`);
  }
  const local = join(dest, basename(model.url));
  await kb.download(model.kb_url, local);
  const others = new Set<string>();
  const listed = model.files;
  if (Array.isArray(listed)) {
    for (const file of listed.slice(1)) others.add(checkRelative(model, file));
  } else if (model.format === 'tfjs' || model.url.endsWith('.json')) {
    let manifest: Array<{ paths?: unknown }> = [];
    try {
      const parsed = (JSON.parse(await readFile(local, 'utf8')) as { weightsManifest?: unknown }).weightsManifest;
      if (Array.isArray(parsed)) manifest = parsed as Array<{ paths?: unknown }>;
    } catch {
      // Not JSON: not a tfjs model, nothing beside it to fetch.
    }
    for (const relative of manifest.flatMap((g) => (Array.isArray(g.paths) ? g.paths : []))) others.add(checkRelative(model, relative));
  }
  for (const relative of others) {
    const url = new URL(kb.absolute(model.kb_url));
    url.searchParams.set('files', join(dirname(url.searchParams.get('files') ?? ''), relative));
    url.searchParams.set('name', basename(relative));
    await kb.download(url.toString(), join(dest, relative));
  }
  return local;
}
