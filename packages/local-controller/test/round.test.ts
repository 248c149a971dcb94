/**
 * One LC against a GM stand-in over a real WebSocket, with real files: samples appended to the index
 * become (Train, Ready) with the round file written; eval versions without duplicates; the deploy gate
 * deploys and keeps; the hot update is published as the original lays it out; a failed round's samples
 * come back; a manual trigger fires once.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { type IncrementalLearningJob, type JobCondition, type ModelInfo } from '@sedna-ts/api-types';
import { startLocalController, type LocalController } from '../src/index.js';
import { FakeGm, waitFor, waitForJobs } from './helpers/fakeGm.js';
import { condition, dataset, job, model, withConditions } from './helpers/objects.js';
import { withSampleFiles } from './helpers/samples.js';

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

describe('an incremental-learning round on the LC', () => {
  let dir: string;
  let gm: FakeGm;
  let lc: LocalController;
  let index: string;
  let outputDir: string;
  let base: IncrementalLearningJob;
  let current: IncrementalLearningJob;
  let written = 0;
  const conditions: JobCondition[] = [];

  async function appendSamples(n: number): Promise<string[]> {
    const added = Array.from({ length: n }, () => `images/${String(++written).padStart(5, '0')}.png 1,2,3,4,0`);
    await appendFile(index, `${(await withSampleFiles(dirname(index), added)).join('\n')}\n`);
    return added;
  }

  function send(round: number, added: JobCondition[], extra: Partial<NonNullable<IncrementalLearningJob['status']>> = {}, annotations?: Record<string, string>): void {
    conditions.push(...added);
    current = withConditions(base, round, [...conditions], { ...(current?.status?.lastGoodModel ? { lastGoodModel: current.status.lastGoodModel } : {}), ...extra });
    if (annotations) current = { ...current, metadata: { ...current.metadata, annotations } };
    gm.insert(current);
  }

  const trained = (round: number): [ModelInfo, ModelInfo] => [
    { format: 'onnx', url: join(outputDir, 'train', String(round), 'model.onnx'), metrics: { loss: 0.1 } },
    { format: 'ckpt', url: join(outputDir, 'train', String(round), 'ckpt') },
  ];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-round-'));
    index = join(dir, 'data', 'index.txt');
    outputDir = join(dir, 'output');
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(index, '');
    await mkdir(join(dir, 'models'), { recursive: true });
    await writeFile(join(dir, 'models', 'initial.ckpt'), 'initial');
    await writeFile(join(dir, 'models', 'deploy.onnx'), 'deployed');
    for (const round of [1, 2, 3, 4, 5]) {
      await mkdir(join(outputDir, 'train', String(round)), { recursive: true });
      await writeFile(join(outputDir, 'train', String(round), 'model.onnx'), `model of round ${round}`);
    }
    gm = await FakeGm.start();
    lc = await startLocalController({
      nodeName: 'edge-1',
      gmUrl: gm.url,
      nodeToken: gm.nodeToken,
      dataDir: join(dir, 'lc'),
      timeZone: 'UTC',
      roundRetention: 3,
      logger: pino({ level: process.env.TEST_LOG ? 'debug' : 'silent' }, pino.destination(process.env.TEST_LOG ?? 1)),
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    });
    expect(await lc.waitForGm()).toBe(true);
    gm.insert(dataset('incremental-dataset', index, 'edge-1'));
    gm.insert(model('initial-model', join(dir, 'models', 'initial.ckpt'), 'ckpt'));
    gm.insert(model('deploy-model', join(dir, 'models', 'deploy.onnx'), 'onnx'));
    base = job({ dataset: 'incremental-dataset', outputDir, threshold: 10, trainProb: 0.8 });
    send(0, [condition('Train', 'Waiting', 0)]);
    await waitForJobs(lc.url);
  });

  afterAll(async () => {
    await lc?.stop();
    await gm?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the hello carries the worker API URL and the hot-update and hard-example roots', () => {
    expect(gm.hellos[0]).toMatchObject({ protocolVersion: 1, nodeName: 'edge-1', lcServer: lc.url, hotUpdateRoot: join(dir, 'lc', 'model-hot-update'), hardExampleRoot: join(dir, 'lc', 'hard-examples') });
  });

  test('samples appended to the index become (Train, Ready) of round 1 with its round file written', async () => {
    const first = await appendSamples(5);
    await waitFor(() => gm.datasetCounts().includes(5), 'the count 5 reported');
    // The count goes upstream before the job takes the samples: under load the next append could
    // otherwise land in the same batch, and this test is about a split carried over two batches.
    const seen = async () => (JSON.parse(await readFile(join(dir, 'lc', 'jobs', 'default', 'helmet', 'state.json'), 'utf8')) as { split: { seen: number } }).split.seen;
    await waitFor(async () => (await seen()) === 5, 'the job to take the 5 samples');
    // Below the threshold the LC only says what round 1 waits for, with the numbers.
    const waiting = gm.jobMessages();
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting.every((m) => m.phase === 'Train' && m.status === 'Waiting' && m.round === 0)).toBe(true);
    expect(waiting.at(-1)?.reason).toMatch(/^[0-5] of 10 samples \(num_of_samples >= 10\)$/);
    const second = await appendSamples(8);
    const ready = await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Train' && m.status === 'Ready'), '(Train, Ready)');
    expect(ready).toMatchObject({
      round: 1,
      input: {
        models: [{ format: 'ckpt', url: join(dir, 'models', 'initial.ckpt') }],
        dataURL: join(outputDir, 'data', 'train', '1', 'data.txt'),
        outputDir: join(outputDir, 'train', '1'),
      },
    });
    // 13 samples at trainProb 0.8: floor(10.4) = 10 to train, carried exactly over the two batches.
    const roundFile = lines(await readFile(join(outputDir, 'data', 'train', '1', 'data.txt'), 'utf8'));
    expect(roundFile).toEqual([...first.slice(0, 4), ...second.slice(0, 6)]);
    await waitFor(() => gm.datasetCounts().at(-1) === 13, 'the count 13 reported');
    // Reported only on change: one report per count.
    expect(new Set(gm.datasetCounts()).size).toBe(gm.datasetCounts().length);
  });

  test('the trigger does not fire twice while the GM has not moved on', async () => {
    await appendSamples(20);
    await waitFor(() => gm.datasetCounts().at(-1) === 33, 'the count 33 reported');
    await lc.waitForGm();
    send(0, []);
    await new Promise((r) => setTimeout(r, 300));
    expect(gm.jobMessages().filter((m) => m.phase === 'Train' && m.status !== 'Waiting')).toHaveLength(1);
  });

  test('(Eval, Waiting) cuts the eval pool and reports both models', async () => {
    send(1, [
      condition('Train', 'Ready', 1),
      condition('Train', 'Starting', 1, { worker: 'helmet-train-abcde' }),
      condition('Train', 'Completed', 1, { output: { models: trained(1) } }),
      condition('Eval', 'Waiting', 1),
    ]);
    const ready = await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Eval' && m.status === 'Ready'), '(Eval, Ready)');
    expect(ready).toMatchObject({
      round: 1,
      input: {
        models: [
          { format: 'onnx', url: join(outputDir, 'train', '1', 'model.onnx') },
          { format: 'onnx', url: join(dir, 'models', 'deploy.onnx') },
        ],
        dataURL: join(outputDir, 'data', 'eval', '1', 'data.txt'),
      },
    });
    expect(ready.input?.models?.[0]).not.toHaveProperty('metrics');
    // 33 samples so far: floor(26.4) = 26 to train, 7 to eval.
    expect(lines(await readFile(join(outputDir, 'data', 'eval', '1', 'data.txt'), 'utf8'))).toHaveLength(7);
  });

  test('the gate deploys when the mean precision improves, recording what it compared', async () => {
    send(1, [
      condition('Eval', 'Ready', 1),
      condition('Eval', 'Starting', 1, { worker: 'helmet-eval-abcde' }),
      condition('Eval', 'Completed', 1, {
        output: { models: [{ ...trained(1)[0], metrics: { precision: [0.9, 0.8], recall: 0.5 } }, { format: 'onnx', url: join(dir, 'models', 'deploy.onnx'), metrics: { precision: [0.7, 0.7], recall: 0.6 } }] },
      }),
      condition('Deploy', 'Waiting', 1),
    ]);
    const ready = await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Deploy' && m.status === 'Ready'), '(Deploy, Ready)');
    expect(ready.round).toBe(1);
    expect(ready.input?.models?.[0]).toEqual({ format: 'onnx', url: join(outputDir, 'train', '1', 'model.onnx') });
    expect(ready.decision).toMatchObject({ round: 1, decision: 'Deploy', metric: 'precision_delta', operator: '>', threshold: 0.05, reason: 'mean of precision_delta 0.15 > 0.05' });
    const compared = ready.decision?.compared as Record<string, number | number[]>;
    expect(compared.precision).toEqual([0.9, 0.8]);
    expect((compared.precision_delta as number[]).map((v) => Number(v.toFixed(6)))).toEqual([0.2, 0.1]);
    expect(Number((compared.recall_delta as number).toFixed(6))).toBe(-0.1);
  });

  test('(Deploy, Running) without an inference worker publishes the model and reports (Deploy, Completed)', async () => {
    send(1, [condition('Deploy', 'Ready', 1, { input: { models: [trained(1)[0], { format: 'onnx', url: join(dir, 'models', 'deploy.onnx') }] } }), condition('Deploy', 'Running', 1)]);
    const completed = await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Deploy' && m.status === 'Completed' && m.round === 1), '(Deploy, Completed)');
    const folder = lc.hotUpdateDir('default', 'helmet');
    expect(folder).toBe(join(dir, 'lc', 'model-hot-update', 'default', 'incrementallearningjob', 'helmet'));
    const bytes = await readFile(join(folder, '1', 'model.onnx'));
    expect(bytes.toString()).toBe('model of round 1');
    const config = JSON.parse(await readFile(join(folder, 'model_config.json'), 'utf8'));
    expect(config.model_config).toEqual({
      model_path: '/model-hot-update/1/model.onnx',
      model_update_time: expect.any(String),
      model_version: '1',
      model_size: bytes.length,
      model_sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    expect((await readdir(folder)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(completed.output?.models?.[0]).toMatchObject({ url: join(outputDir, 'train', '1', 'model.onnx'), sha256: config.model_config.model_sha256 });
  });

  test('round 2 trains from the round that produced the deployed model, and its eval pool has each sample once', async () => {
    send(1, [condition('Deploy', 'Completed', 1), condition('Train', 'Waiting', 1)], { lastGoodModel: trained(1)[0] });
    const ready = await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Train' && m.round === 2), '(Train, Ready) of round 2');
    // The 23 train samples left in the pool since round 1's cut already pass the threshold.
    expect(ready.input?.models).toEqual([{ format: 'ckpt', url: join(outputDir, 'train', '1', 'ckpt') }]);
    expect(lines(await readFile(join(outputDir, 'data', 'train', '2', 'data.txt'), 'utf8'))).toHaveLength(16);
    await appendSamples(10);
    await waitFor(() => gm.datasetCounts().at(-1) === 43, 'the count 43 reported');
    send(2, [
      condition('Train', 'Ready', 2),
      condition('Train', 'Completed', 2, { output: { models: trained(2) } }),
      condition('Eval', 'Waiting', 2),
    ]);
    await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Eval' && m.round === 2), '(Eval, Ready) of round 2');
    const eval1 = lines(await readFile(join(outputDir, 'data', 'eval', '1', 'data.txt'), 'utf8'));
    const eval2 = lines(await readFile(join(outputDir, 'data', 'eval', '2', 'data.txt'), 'utf8'));
    // 43 samples: 34 train, 9 eval; version 1 (7) and version 2 (2), each once.
    expect(eval2).toHaveLength(9);
    expect(new Set(eval2).size).toBe(eval2.length);
    expect(eval2.slice(0, 7)).toEqual(eval1);
  });

  test('the gate keeps the deployed model when the new one is not better, and says why', async () => {
    send(2, [
      condition('Eval', 'Ready', 2),
      condition('Eval', 'Completed', 2, { output: { models: [{ ...trained(2)[0], metrics: { precision: [0.7, 0.72] } }, { format: 'onnx', url: trained(1)[0].url, metrics: { precision: [0.7, 0.7] } }] } }),
      condition('Deploy', 'Waiting', 2),
    ]);
    const kept = await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Deploy' && m.round === 2), 'the round 2 decision');
    expect(kept).toMatchObject({ status: 'Completed', round: 2, decision: { decision: 'Keep', reason: 'mean of precision_delta 0.01 not > 0.05' } });
    expect(kept.input).toBeUndefined();
  });

  test('a round that ends RoundFailed gives its samples back to the pool, once, and the next round waits for the GM\'s notBefore', async () => {
    send(2, [condition('Deploy', 'Completed', 2), condition('Train', 'Waiting', 2)]);
    await appendSamples(13);
    const round3 = await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Train' && m.round === 3), '(Train, Ready) of round 3');
    expect(round3).toBeDefined();
    const file3 = lines(await readFile(join(outputDir, 'data', 'train', '3', 'data.txt'), 'utf8'));
    expect(file3.length).toBeGreaterThanOrEqual(10);
    send(3, [
      condition('Train', 'Ready', 3),
      condition('Train', 'Failed', 3, {}, 'Error'),
      condition('Train', 'Ready', 3, {}, 'Retry'),
      condition('Train', 'Failed', 3, {}, 'Error'),
      { ...condition('Train', 'Waiting', 3, { failedRound: 3, notBefore: new Date(Date.now() + 1500).toISOString() }, 'RoundFailed') },
    ]);
    // The GM's backoff after a failed round: no round before its notBefore, then the samples come back in it.
    await new Promise((r) => setTimeout(r, 700));
    expect(gm.jobMessages().filter((m) => m.phase === 'Train' && m.round === 4)).toHaveLength(0);
    const round4 = await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Train' && m.round === 4), '(Train, Ready) of round 4');
    expect(round4).toBeDefined();
    const file4 = lines(await readFile(join(outputDir, 'data', 'train', '4', 'data.txt'), 'utf8'));
    expect(file4.slice(0, file3.length)).toEqual(file3);
    // The GM re-sends the job: the samples are not given back a second time.
    send(3, []);
    await new Promise((r) => setTimeout(r, 300));
    expect(gm.jobMessages().filter((m) => m.phase === 'Train' && m.round === 5)).toHaveLength(0);
  });

  test('a manual train trigger cuts at once, below the threshold, once there is a sample, and only once per annotation', async () => {
    send(4, [
      condition('Train', 'Ready', 4),
      condition('Train', 'Completed', 4, { output: { models: trained(4) } }),
      condition('Eval', 'Waiting', 4),
    ]);
    await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Eval' && m.round === 4), '(Eval, Ready) of round 4');
    send(4, [
      condition('Eval', 'Completed', 4, { output: { models: [{ ...trained(4)[0], metrics: { precision: 0.5 } }, { format: 'onnx', url: trained(1)[0].url, metrics: { precision: 0.6 } }] } }),
      condition('Deploy', 'Waiting', 4),
    ]);
    await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Deploy' && m.round === 4), 'the round 4 decision');
    // With an empty train pool the manual trigger waits for the first new sample.
    send(4, [condition('Deploy', 'Completed', 4), condition('Train', 'Waiting', 4)], {}, { 'sedna.io/trigger': 'train@2025-06-01T10:00:00Z' });
    await new Promise((r) => setTimeout(r, 300));
    expect(gm.jobMessages().filter((m) => m.phase === 'Train' && m.round === 5)).toHaveLength(0);
    await appendSamples(2);
    await waitFor(() => gm.datasetCounts().at(-1) === 58, 'the count 58 reported');
    const manual = await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Train' && m.round === 5), 'the manual (Train, Ready) of round 5');
    expect(manual).toBeDefined();
    // The GM has not removed the annotation yet when round 5 ends: it does not fire round 6.
    send(5, [condition('Train', 'Ready', 5), condition('Train', 'Failed', 5), condition('Train', 'Waiting', 5, { failedRound: 5 }, 'RoundFailed')], {}, { 'sedna.io/trigger': 'train@2025-06-01T10:00:00Z' });
    await new Promise((r) => setTimeout(r, 300));
    expect(gm.jobMessages().filter((m) => m.phase === 'Train' && m.round === 6)).toHaveLength(0);
  });

  test('round files of the last roundRetention rounds stay; trained models stay', async () => {
    const kept = async (part: string, round: number) => readdir(join(outputDir, 'data', part)).then((e) => e.includes(String(round)));
    expect(await kept('train', 2)).toBe(false);
    expect(await kept('eval', 2)).toBe(false);
    expect(await kept('train', 3)).toBe(true);
    expect(await kept('train', 5)).toBe(true);
    expect(await readFile(join(outputDir, 'train', '1', 'model.onnx'), 'utf8')).toBe('model of round 1');
  });

  test('a manual deploy of an idle job bypasses the gate with the last trained model', async () => {
    send(6, [condition('Deploy', 'Waiting', 6, { input: { models: trained(4) } }, 'ManualTrigger')], {}, { 'sedna.io/trigger': 'deploy@2025-06-01T11:00:00Z' });
    const ready = await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Deploy' && m.round === 6), 'the manual deploy');
    expect(ready).toMatchObject({ status: 'Ready', decision: { decision: 'ManualDeploy' }, input: { models: [{ format: 'onnx', url: trained(4)[0].url }, { format: 'onnx', url: trained(1)[0].url }] } });
  });

  test('a cut the GM went past (a manual round took its number) gives its samples back', async () => {
    send(6, [condition('Deploy', 'Ready', 6), condition('Deploy', 'Completed', 6), condition('Train', 'Waiting', 6)], { lastGoodModel: trained(4)[0] }, {});
    await appendSamples(15);
    await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Train' && m.round === 7), '(Train, Ready) of round 7');
    const file7 = lines(await readFile(join(outputDir, 'data', 'train', '7', 'data.txt'), 'utf8'));
    // The GM had already started round 7 from a manual eval: the LC's (Train, Ready) of round 7 was ignored.
    send(7, [condition('Eval', 'Waiting', 7, { input: { models: trained(4) } }, 'ManualTrigger')]);
    await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Eval' && m.round === 7), '(Eval, Ready) of round 7');
    send(7, [
      condition('Eval', 'Ready', 7),
      condition('Eval', 'Completed', 7, { output: { models: [{ ...trained(4)[0], metrics: { precision: 0.6 } }, { ...trained(4)[0], metrics: { precision: 0.6 } }] } }),
      condition('Deploy', 'Waiting', 7),
    ]);
    await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Deploy' && m.round === 7), 'the round 7 decision');
    send(7, [condition('Deploy', 'Completed', 7), condition('Train', 'Waiting', 7)]);
    await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Train' && m.round === 8), '(Train, Ready) of round 8');
    const file8 = lines(await readFile(join(outputDir, 'data', 'train', '8', 'data.txt'), 'utf8'));
    expect(file8.slice(0, file7.length)).toEqual(file7);
    expect(new Set(file8).size).toBe(file8.length);
  });

  test('metrics count triggers, decisions and the outbox', async () => {
    // The last round's cut may still be on its way when the outbox first drains: a fire is counted once
    // its message is in the outbox and its intent closed.
    const sixth = /sedna_lc_triggers_fired_total\{stage="train",cause="trigger",node="edge-1"\} 6/;
    await waitFor(async () => lc.outboxDepth === 0 && sixth.test(await lc.metrics()), 'the sixth train trigger carried out and every message acked');
    const text = await lc.metrics();
    expect(text).toMatch(sixth);
    expect(text).toMatch(/sedna_lc_triggers_fired_total\{stage="train",cause="manual",node="edge-1"\} 1/);
    expect(text).toMatch(/sedna_lc_deploy_decisions_total\{decision="deploy",node="edge-1"\} 1/);
    expect(text).toMatch(/sedna_lc_deploy_decisions_total\{decision="keep",node="edge-1"\} 3/);
    expect(text).toMatch(/sedna_lc_deploy_decisions_total\{decision="manual_deploy",node="edge-1"\} 1/);
    expect(text).toMatch(/sedna_lc_samples_returned_total\{namespace="default",sedna_job="helmet",node="edge-1"\} [1-9]/);
    expect(text).toMatch(/sedna_lc_outbox_depth\{node="edge-1"\} 0/);
  });
});
