import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHotUpdateConfig } from '@sedna-ts/worker-sdk';
import { jobFolder } from '@sedna-ts/api-types/contract';
import { publishModel, publishedVersion, tfjsWeightFiles } from './hotUpdate.js';
import { existsSync } from 'node:fs';

describe('publishModel', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-hot-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  test('copies the version to <round>/ first, then writes the config the worker SDK reads', async () => {
    const source = join(dir, 'out', 'model.onnx');
    await mkdir(join(dir, 'out'));
    await writeFile(source, 'weights v3');
    const folder = jobFolder(join(dir, 'hot'), 'Default', 'IncrementalLearningJob', 'Helmet');
    expect(folder).toBe(join(dir, 'hot', 'default', 'incrementallearningjob', 'helmet'));
    const now = new Date('2025-06-01T10:00:00Z');
    const published = await publishModel(folder, source, 3, now);
    expect(published.config).toEqual({
      model_config: {
        model_path: '/model-hot-update/3/model.onnx',
        model_update_time: '2025-06-01T10:00:00.000Z',
        model_version: '3',
        model_size: 10,
        model_sha256: createHash('sha256').update('weights v3').digest('hex'),
      },
    });
    expect(await readFile(join(folder, '3', 'model.onnx'), 'utf8')).toBe('weights v3');
    // The SDK's reader resolves /model-hot-update/ against the config's folder and accepts every field.
    const announced = await readHotUpdateConfig(join(folder, 'model_config.json'));
    expect(announced).toMatchObject({ version: '3', resolvedPath: join(folder, '3', 'model.onnx'), size: 10 });
  });

  test('where workers are host processes, model_path is the host path of the copy (a worker that opens it as it is finds it); publishedVersion reads it back', async () => {
    const source = join(dir, 'model.json');
    await writeFile(source, '{"round":2}');
    const folder = join(dir, 'hot');
    expect(await publishedVersion(folder)).toBeUndefined();
    const published = await publishModel(folder, source, 2, new Date(), undefined, folder);
    expect(published.config.model_config.model_path).toBe(join(folder, '2', 'model.json'));
    expect(existsSync(published.config.model_config.model_path)).toBe(true);
    expect(await publishedVersion(folder)).toBe('2');
    // Our SDK takes the host path as it is too.
    expect(await readHotUpdateConfig(join(folder, 'model_config.json'))).toMatchObject({ version: '2', resolvedPath: join(folder, '2', 'model.json') });
  });

  test('a folder model is copied whole; older versions beyond the last three are pruned', async () => {
    const source = join(dir, 'saved_model');
    await mkdir(join(source, 'variables'), { recursive: true });
    await writeFile(join(source, 'saved_model.pb'), 'graph');
    await writeFile(join(source, 'variables', 'v.bin'), 'vars');
    const folder = join(dir, 'hot');
    for (const round of [1, 2, 3, 4]) await publishModel(folder, source, round);
    expect(await readFile(join(folder, '4', 'saved_model', 'variables', 'v.bin'), 'utf8')).toBe('vars');
    expect((await readdir(folder)).sort()).toEqual(['2', '3', '4', 'model_config.json']);
    const config = JSON.parse(await readFile(join(folder, 'model_config.json'), 'utf8'));
    expect(config.model_config).not.toHaveProperty('model_sha256');
  });

  test('a tfjs model.json is published with the weight files it lists', async () => {
    const out = join(dir, 'train', '2');
    await mkdir(out, { recursive: true });
    const manifest = { modelTopology: {}, weightsManifest: [{ paths: ['weights.1a2b.bin'], weights: [] }, { paths: ['group2.bin'], weights: [] }] };
    await writeFile(join(out, 'model.json'), JSON.stringify(manifest));
    await writeFile(join(out, 'weights.1a2b.bin'), 'w1');
    await writeFile(join(out, 'group2.bin'), 'w2');
    const folder = join(dir, 'hot');
    const published = await publishModel(folder, join(out, 'model.json'), 2);
    expect(published.config.model_config.model_path).toBe('/model-hot-update/2/model.json');
    expect((await readdir(join(folder, '2'))).sort()).toEqual(['group2.bin', 'model.json', 'weights.1a2b.bin']);
    expect(await readFile(join(folder, '2', 'group2.bin'), 'utf8')).toBe('w2');
  });

  test('weight files of a tfjs model.json: none for other files, refused when a path leaves the folder', async () => {
    await writeFile(join(dir, 'other.json'), JSON.stringify({ labels: ['a'] }));
    expect(await tfjsWeightFiles(join(dir, 'other.json'))).toEqual([]);
    expect(await tfjsWeightFiles(join(dir, 'model.onnx'))).toEqual([]);
    await writeFile(join(dir, 'evil.json'), JSON.stringify({ weightsManifest: [{ paths: ['../../etc/passwd'] }] }));
    await expect(tfjsWeightFiles(join(dir, 'evil.json'))).rejects.toThrow('leaves the model');
  });

  test('a model or a weight file the LC may not read (its roots) fails the publish naming why, nothing copied', async () => {
    const folder = join(dir, 'hot');
    await mkdir(join(dir, 'out'));
    await writeFile(join(dir, 'out', 'model.onnx'), 'secret');
    const refuse = async (path: string) => (path.endsWith('model.onnx') ? `${path} is outside the allowed roots` : undefined);
    await expect(publishModel(folder, join(dir, 'out', 'model.onnx'), 1, new Date(), refuse)).rejects.toThrow('model.onnx is outside the allowed roots');
    await writeFile(join(dir, 'out', 'model.json'), JSON.stringify({ weightsManifest: [{ paths: ['w.bin'] }] }));
    await writeFile(join(dir, 'out', 'w.bin'), 'weights');
    const refuseWeights = async (path: string) => (path.endsWith('w.bin') ? 'w.bin: refused' : undefined);
    await expect(publishModel(folder, join(dir, 'out', 'model.json'), 2, new Date(), refuseWeights)).rejects.toThrow('w.bin: refused');
    await expect(readdir(folder)).rejects.toThrow('ENOENT');
  });

  test('a missing model fails without touching the config', async () => {
    const folder = join(dir, 'hot');
    await expect(publishModel(folder, join(dir, 'nope.onnx'), 1)).rejects.toThrow('ENOENT');
    await expect(readFile(join(folder, 'model_config.json'))).rejects.toThrow('ENOENT');
  });
});
