import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { io, LayersModel } from '@tensorflow/tfjs';
import { writeFileAtomic } from '../dataSource.js';
import { WorkerSdkError } from '../errors.js';
import type { Tf } from './tfTypes.js';

/** File name of the topology + weights manifest in a tfjs model folder. */
export const TFJS_MODEL_JSON = 'model.json';

/**
 * Saves a LayersModel in the tfjs "layers-model" format to `dir`: `model.json` plus one weights file
 * named after its content hash. The weights are written first and `model.json` last, each by temp file,
 * fsync and rename, and stale weight files are removed after: a crash leaves the old model or the new
 * one, never a mix. Works without @tensorflow/tfjs-node (whose file:// handler is not available here).
 * Returns the absolute paths written, model.json first.
 */
export async function saveLayersModel(tf: Tf, model: LayersModel, dir: string): Promise<string[]> {
  const target = resolve(dir);
  let artifacts: io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (artifacts === undefined) throw new WorkerSdkError('INTERNAL', `saveLayersModel ${target}: tfjs produced no artifacts`);
  const weights = new Uint8Array(artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  const weightsName = `weights-${createHash('sha256').update(weights).digest('hex').slice(0, 16)}.bin`;
  const modelJson: io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: '@sedna-ts/worker-sdk',
    weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig !== undefined) modelJson.trainingConfig = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata !== undefined) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;

  const weightsPath = join(target, weightsName);
  const jsonPath = join(target, TFJS_MODEL_JSON);
  await writeFileAtomic(weightsPath, weights);
  await writeFileAtomic(jsonPath, JSON.stringify(modelJson));
  for (const name of await readdir(target)) {
    if (/^weights-[0-9a-f]{16}\.bin$/.test(name) && name !== weightsName) await rm(join(target, name), { force: true });
  }
  return [jsonPath, weightsPath];
}

/** `path` itself when it names a file, else `path/model.json`. */
export async function modelJsonPath(path: string): Promise<string> {
  const absolute = resolve(path);
  let info;
  try {
    info = await stat(absolute);
  } catch (error) {
    throw new WorkerSdkError('MODEL_INVALID', `tfjs model ${absolute}: no such file or folder`, { cause: error });
  }
  return info.isDirectory() ? join(absolute, TFJS_MODEL_JSON) : absolute;
}

/**
 * Loads a LayersModel saved in the tfjs format from a folder (with `model.json`) or from the path of its
 * `model.json`; weight files resolve against that file's folder.
 */
export async function loadLayersModel(tf: Tf, path: string): Promise<LayersModel> {
  const jsonPath = await modelJsonPath(path);
  let modelJson: io.ModelJSON;
  try {
    modelJson = JSON.parse(await readFile(jsonPath, 'utf8')) as io.ModelJSON;
  } catch (error) {
    throw new WorkerSdkError('MODEL_INVALID', `tfjs model ${jsonPath}: ${(error as Error).message}`, { cause: error });
  }
  if (modelJson === null || typeof modelJson !== 'object' || modelJson.modelTopology === undefined) {
    throw new WorkerSdkError('MODEL_INVALID', `tfjs model ${jsonPath}: modelTopology is missing (not a tfjs layers model)`);
  }
  const folder = dirname(jsonPath);
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      for (const relative of group.paths) {
        const file = resolve(folder, relative);
        if (dirname(file) !== folder && !file.startsWith(`${folder}/`)) {
          throw new WorkerSdkError('MODEL_INVALID', `tfjs model ${jsonPath}: weightsManifest path ${JSON.stringify(relative)} leaves the model folder`);
        }
        let bytes: Buffer;
        try {
          bytes = await readFile(file);
        } catch (error) {
          throw new WorkerSdkError('MODEL_INVALID', `tfjs model ${jsonPath}: weights file ${basename(file)}: ${(error as Error).message}`, { cause: error });
        }
        buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      }
    }
    return [tf.io.getWeightSpecs(manifest), tf.io.CompositeArrayBuffer.join(buffers)];
  });
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    throw new WorkerSdkError('MODEL_INVALID', `tfjs model ${jsonPath}: ${(error as Error).message}`, { cause: error });
  }
}
