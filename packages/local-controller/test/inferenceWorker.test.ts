/**
 * A job with an inference worker on this node: its hard-example folder is indexed as the worker saves
 * into it, a hot update is published at (Deploy, Running) and completed by the worker's own report, not
 * by the LC; deleting the job removes its LC state and hot-update folder but keeps the hard examples;
 * objects the GM no longer lists in its hello are forgotten, a Dataset's metric series with it.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { type IncrementalLearningJob, type JobCondition } from '@sedna-ts/api-types';
import { readHardExampleIndex, startLocalController, type LocalController } from '../src/index.js';
import { FakeGm, waitFor, waitForJobs } from './helpers/fakeGm.js';
import { condition, dataset, job, model, tokenOf, withConditions } from './helpers/objects.js';

const exists = (path: string) => access(path).then(() => true, () => false);

describe('a job with an inference worker', () => {
  let dir: string;
  let gm: FakeGm;
  let lc: LocalController;
  let base: IncrementalLearningJob;
  const records: string[] = [];
  const conditions: JobCondition[] = [];
  const send = (round: number, added: JobCondition[]) => {
    conditions.push(...added);
    gm.insert(withConditions(base, round, [...conditions]));
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-infer-'));
    await mkdir(join(dir, 'data'));
    await writeFile(join(dir, 'data', 'index.txt'), '');
    await mkdir(join(dir, 'out', 'train', '1'), { recursive: true });
    await writeFile(join(dir, 'out', 'train', '1', 'model.onnx'), 'new weights');
    gm = await FakeGm.start();
    // The LC's records as written (pino JSON lines, named as the component names itself).
    const logger = pino({ name: 'sedna-lc', level: 'info' }, { write: (line: string) => void records.push(line) });
    lc = await startLocalController({ nodeName: 'edge-1', gmUrl: gm.url, nodeToken: gm.nodeToken, dataDir: join(dir, 'lc'), logger, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
    await lc.waitForGm();
    gm.insert(dataset('d', join(dir, 'data', 'index.txt'), 'edge-1'));
    gm.insert(model('initial-model', '/m/initial', 'ckpt'));
    gm.insert(model('deploy-model', '/m/deploy.onnx', 'onnx'));
    base = job({ dataset: 'd', outputDir: join(dir, 'out'), threshold: 1000, inferenceWorker: true });
    send(0, [condition('Train', 'Waiting', 0)]);
    await waitForJobs(lc.url);
  });

  afterAll(async () => {
    await lc?.stop();
    await gm?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('hard examples the worker saves are indexed once their meta file is written', async () => {
    const folder = lc.hardExampleDir('default', 'helmet');
    expect(folder).toBe(join(dir, 'lc', 'hard-examples', 'default', 'incrementallearningjob', 'helmet'));
    await waitFor(() => exists(folder), 'the folder created');
    await writeFile(join(folder, '1750000000000-000000.png'), 'png');
    await writeFile(join(folder, '1750000000000-000000.meta.json'), JSON.stringify({ result: [[0, 0, 5, 5, 0.3, 1]], modelVersion: null, time: '2025-06-15T15:06:40.000Z' }));
    const index = await waitFor(async () => ((await readHardExampleIndex(folder)).length === 1 ? readHardExampleIndex(folder) : undefined), 'the example indexed');
    expect(index[0]).toMatchObject({ id: '1750000000000-000000', path: join(folder, '1750000000000-000000.png'), modelVersion: null, result: [[0, 0, 5, 5, 0.3, 1]] });
    expect(await lc.metrics()).toMatch(/sedna_lc_hard_examples\{namespace="default",sedna_job="helmet",node="edge-1"\} 1/);
  });

  test("(Deploy, Running) publishes the hot update and leaves the completion to the worker's report", async () => {
    const newModel = { format: 'onnx', url: join(dir, 'out', 'train', '1', 'model.onnx') };
    send(1, [
      condition('Train', 'Ready', 1),
      condition('Train', 'Completed', 1, { output: { models: [newModel] } }),
      condition('Eval', 'Waiting', 1),
      condition('Eval', 'Ready', 1),
      condition('Eval', 'Completed', 1),
      condition('Deploy', 'Waiting', 1),
      condition('Deploy', 'Ready', 1, { input: { models: [newModel] } }),
      condition('Deploy', 'Starting', 1, { worker: 'helmet-infer-abcde' }),
      condition('Deploy', 'Running', 1, { worker: 'helmet-infer-abcde' }),
    ]);
    const config = join(lc.hotUpdateDir('default', 'helmet'), 'model_config.json');
    await waitFor(() => exists(config), 'the hot-update config');
    expect(JSON.parse(await readFile(config, 'utf8')).model_config).toMatchObject({ model_path: '/model-hot-update/1/model.onnx', model_version: '1' });
    const response = await fetch(`${lc.url}/sedna/workers/helmet-infer-abcde/info`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenOf(gm.nodeToken, 'helmet-infer-abcde', 'inference')}` },
      body: JSON.stringify({ name: 'helmet-infer-abcde', namespace: 'default', ownerName: 'helmet', ownerKind: 'incrementallearningjob', kind: 'deploy', status: 'completed', ownerInfo: { model_version: '1' } }),
    });
    expect(response.status).toBe(200);
    await waitFor(() => gm.jobMessages().some((m) => m.phase === 'deploy'), 'the worker report forwarded');
    // The gate's Keep aside, the LC itself never completed this deploy stage.
    expect(gm.jobMessages().filter((m) => m.phase === 'Deploy' && m.status === 'Completed')).toEqual([]);
  });

  test('deleting the job removes its LC state, hot-update folder and series; its hard examples stay', async () => {
    const hot = lc.hotUpdateDir('default', 'helmet');
    const state = join(dir, 'lc', 'jobs', 'default', 'helmet');
    expect(await exists(state)).toBe(true);
    expect(await lc.metrics()).toContain('sedna_job="helmet"');
    gm.delete('incrementallearningjob', 'default', 'helmet');
    await waitFor(async () => !(await exists(hot)) && !(await exists(state)), 'the job forgotten');
    // A deleted job's series go (a dashboard would list it for ever otherwise).
    await waitFor(async () => !(await lc.metrics()).includes('sedna_job="helmet"'), 'the series of the job gone');
    expect(await readHardExampleIndex(lc.hardExampleDir('default', 'helmet'))).toHaveLength(1);
    expect(await exists(join(dir, 'lc', 'objects', 'incrementallearningjob', 'default', 'helmet.json'))).toBe(false);
  });

  test('objects missing from the GM hello (deleted while the LC was away) are forgotten, a Dataset with its series', async () => {
    expect(await exists(join(dir, 'lc', 'objects', 'dataset', 'default', 'd.json'))).toBe(true);
    expect(await lc.metrics()).toMatch(/sedna_lc_dataset_samples\{namespace="default",dataset="d",node="edge-1"\} 0/);
    // Only the next hello tells: no delete frame, as if the LC had been away.
    gm.forget('dataset', 'default', 'd');
    const hellos = gm.hellos.length;
    gm.drop();
    await waitFor(() => gm.hellos.length > hellos && lc.gmConnected, 'the reconnect');
    await waitFor(async () => !(await exists(join(dir, 'lc', 'objects', 'dataset', 'default', 'd.json'))), 'the dataset forgotten');
    // A deleted Dataset's series go, as a job's do.
    await waitFor(async () => !(await lc.metrics()).includes('dataset="d"'), 'the series of the dataset gone');
    // Every record has one key per meaning: `name` is the component's, an object is `object`.
    expect(records.filter((line) => line.match(/"name":/g)!.length !== 1)).toEqual([]);
    expect(records.map((line) => JSON.parse(line) as Record<string, unknown>).filter((r) => String(r.msg).startsWith('object not in the GM hello'))).toEqual([
      expect.objectContaining({ name: 'sedna-lc', kind: 'dataset', object: 'default/d' }),
    ]);
    expect(await exists(join(dir, 'lc', 'objects', 'model', 'default', 'deploy-model.json'))).toBe(true);
  });
});
