/**
 * A lifelong-learning job on one LC against a GM stand-in (real WebSocket, real files): a CSV Dataset
 * cut into round files with its header at the trigger, the eval fed the trained KB index, the deploy
 * copying the eval's index when a task group changed and keeping it otherwise, a wrong index refused,
 * the inference worker's confirmation routed by create_time, and unseen samples counted upstream.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { appendFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { JobCondition, LifelongLearningJob } from '@sedna-ts/api-types';
import { KB_INDEX_FORMAT, KB_SUMMARY_KEY, type KbIndex } from '@sedna-ts/api-types/contract';
import { startLocalController, type LocalController } from '../src/index.js';
import { FakeGm, waitFor, waitForJobs } from './helpers/fakeGm.js';
import { condition, dataset, tokenOf } from './helpers/objects.js';

const KIND = 'lifelonglearningjob';
const lines = (text: string) => text.split('\n').filter((l) => l !== '');

function kbIndex(round: number, createTime: string, job = 'atcii'): KbIndex {
  const group = (entry: string) => ({
    entry,
    tasks: [{ entry, meta_attr: { season: entry.split('_')[0] as string }, sample_num: 10 }],
    model: { id: `${entry}@r${round}`, index: 0, entry, url: `/models/${entry}.json`, format: 'json', result: { accuracy: 0.9 }, round, numberOfTrainSamples: 10 },
    sample_num: 10,
    deploy: true,
  });
  return {
    format: KB_INDEX_FORMAT,
    namespace: 'default',
    job,
    create_time: createTime,
    round,
    seen_task: { task_groups: [group('Summer_AC'), group('Winter_NV')], extractor: { method: 'TaskDefinitionByDataAttr', param: { attribute: ['season', 'cooling'] }, keys: { Summer_AC: 0, Winter_NV: 1 } } },
    unseen_task: { task_groups: [], extractor: null },
  };
}

describe('a lifelong-learning round on the LC', () => {
  let dir: string;
  let gm: FakeGm;
  let lc: LocalController;
  let index: string;
  let outputDir: string;
  let base: LifelongLearningJob;
  const conditions: JobCondition[] = [];
  let rows = 0;

  function send(round: number, added: JobCondition[], status: Partial<NonNullable<LifelongLearningJob['status']>> = {}): void {
    conditions.push(...added);
    gm.insert({ ...base, status: { round, conditions: [...conditions], ...status } } as LifelongLearningJob);
  }

  async function appendRows(n: number): Promise<void> {
    const added = Array.from({ length: n }, () => `${++rows},Summer,AC,${20 + (rows % 7)},1`);
    await appendFile(index, `${added.join('\n')}\n`);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-ll-'));
    index = join(dir, 'data', 'comfort.csv');
    outputDir = join(dir, 'output');
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(index, 'id,season,cooling,airTemp,pref\n');
    gm = await FakeGm.start();
    lc = await startLocalController({
      nodeName: 'edge-1',
      gmUrl: gm.url,
      nodeToken: gm.nodeToken,
      dataDir: join(dir, 'lc'),
      timeZone: 'UTC',
      logger: pino({ level: process.env.TEST_LOG ? 'debug' : 'silent' }, pino.destination(process.env.TEST_LOG ?? 1)),
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    });
    expect(await lc.waitForGm()).toBe(true);
    gm.insert(dataset('comfort', index, 'edge-1', 'csv'));
    const template = { spec: { containers: [{ name: 'w', image: 'sedna-ts/worker-node:0.1' }] } };
    base = {
      apiVersion: 'sedna.io/v1alpha1',
      kind: 'LifelongLearningJob',
      metadata: { name: 'atcii', namespace: 'default', uid: 'uid-atcii' },
      spec: {
        dataset: { name: 'comfort', trainProb: 0.8 },
        trainSpec: { template, trigger: { checkPeriodSeconds: 1, condition: { operator: '>', threshold: 9, metric: 'num_of_samples' } } },
        evalSpec: { template },
        deploySpec: { template },
        outputDir,
      },
    } as LifelongLearningJob;
    send(0, [condition('Train', 'Waiting', 0)]);
    await waitForJobs(lc.url);
  });

  afterAll(async () => {
    await lc?.stop();
    await gm?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('rows past the trigger become (Train, Ready) with a CSV round file that keeps the header', async () => {
    await appendRows(13);
    const ready = await waitFor(() => gm.jobMessages(KIND).find((m) => m.phase === 'Train' && m.status === 'Ready'), '(Train, Ready) of the lifelong job');
    expect(ready).toMatchObject({ round: 1, input: { dataURL: join(outputDir, 'data', 'train', '1', 'data.txt'), outputDir: join(outputDir, 'train', '1') } });
    const file = lines(await readFile(join(outputDir, 'data', 'train', '1', 'data.txt'), 'utf8'));
    expect(file[0]).toBe('id,season,cooling,airTemp,pref');
    expect(file).toHaveLength(1 + 10);
  });

  test('(Eval, Waiting): the eval takes the KB index the train worker wrote', async () => {
    await mkdir(join(outputDir, 'train', '1'), { recursive: true });
    await writeFile(join(outputDir, 'train', '1', 'index.json'), JSON.stringify(kbIndex(1, '2025-06-01T10:00:01.000Z')));
    send(1, [
      condition('Train', 'Ready', 1),
      condition('Train', 'Completed', 1, { output: { models: [{ format: 'json', url: join(outputDir, 'train', '1', 'index.json'), create_time: '2025-06-01T10:00:01.000Z', metrics: { accuracy: 0.9 } }] } }),
      condition('Eval', 'Waiting', 1),
    ]);
    const ready = await waitFor(() => gm.jobMessages(KIND).find((m) => m.phase === 'Eval' && m.status === 'Ready'), '(Eval, Ready)');
    expect(ready.input?.models).toEqual([{ format: 'json', url: join(outputDir, 'train', '1', 'index.json'), create_time: '2025-06-01T10:00:01.000Z' }]);
    expect(lines(await readFile(join(outputDir, 'data', 'eval', '1', 'data.txt'), 'utf8'))).toEqual(['id,season,cooling,airTemp,pref', expect.any(String), expect.any(String), expect.any(String)]);
  });

  test('deploy: the eval index is copied to <outputDir>/deploy/index.json and (Deploy, Ready) names it with its create_time', async () => {
    const evalIndex = kbIndex(1, '2025-06-01T10:00:02.000Z');
    await mkdir(join(outputDir, 'eval', '1'), { recursive: true });
    await writeFile(join(outputDir, 'eval', '1', 'index.json'), JSON.stringify(evalIndex));
    const summary = { create_time: evalIndex.create_time, round: 1, models: [], changed: ['Summer_AC', 'Winter_NV'], dropped: [] };
    send(1, [
      condition('Eval', 'Ready', 1),
      condition('Eval', 'Completed', 1, { output: { models: [{ format: 'json', url: join(outputDir, 'eval', '1', 'index.json'), create_time: evalIndex.create_time }], ownerInfo: { [KB_SUMMARY_KEY]: summary } } }),
      condition('Deploy', 'Waiting', 1),
    ]);
    const ready = await waitFor(() => gm.jobMessages(KIND).find((m) => m.phase === 'Deploy' && m.status === 'Ready'), '(Deploy, Ready)');
    const deployed = join(outputDir, 'deploy', 'index.json');
    const copy = join(outputDir, 'deploy', 'rounds', '1', 'index.json');
    expect(ready.input?.models).toEqual([
      { format: 'json', url: deployed, create_time: evalIndex.create_time },
      { format: 'json', url: copy, create_time: evalIndex.create_time },
    ]);
    expect(JSON.parse(await readFile(deployed, 'utf8'))).toEqual(evalIndex);
    expect(JSON.parse(await readFile(copy, 'utf8'))).toEqual(evalIndex);
  });

  test("the inference worker's confirmation is routed to the deploy of its create_time; an unknown create_time is not forwarded", async () => {
    send(1, [condition('Deploy', 'Ready', 1, { input: { models: [{ format: 'json', url: join(outputDir, 'deploy', 'index.json'), create_time: '2025-06-01T10:00:02.000Z' }] } }), condition('Deploy', 'Running', 1, { worker: 'atcii-infer-abcde' })]);
    // The frame reaches the LC over its WebSocket; the worker reports once the pod runs, well after.
    await new Promise((r) => setTimeout(r, 300));
    const post = (createTime: string) =>
      fetch(`${lc.url}/sedna/workers/atcii-infer-abcde/info`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenOf(gm.nodeToken, 'atcii-infer-abcde', 'inference', { job: 'atcii', kind: KIND })}` },
        body: JSON.stringify({ name: 'atcii-infer-abcde', namespace: 'default', ownerName: 'atcii', ownerKind: KIND, kind: 'deploy', status: 'completed', ownerInfo: { create_time: createTime, model_version: '1' } }),
      });
    const unknown = await post('1999-01-01T00:00:00.000Z');
    expect(unknown.status).toBeLessThan(300);
    const ok = await post('2025-06-01T10:00:02.000Z');
    expect(ok.status).toBe(200);
    const done = await waitFor(() => gm.jobMessages(KIND).find((m) => m.phase === 'deploy' && m.status === 'completed'), 'the confirmation forwarded');
    expect(done).toMatchObject({ round: 1, output: { ownerInfo: { create_time: '2025-06-01T10:00:02.000Z' } } });
    expect(gm.jobMessages(KIND).filter((m) => m.phase === 'deploy')).toHaveLength(1);
  });

  test('a round whose eval changed no task group keeps the serving index', async () => {
    await appendRows(13);
    send(1, [condition('Deploy', 'Completed', 1), condition('Train', 'Waiting', 1)], { servingIndex: { url: join(outputDir, 'deploy', 'index.json'), createTime: '2025-06-01T10:00:02.000Z', round: 1 } });
    await waitFor(() => gm.jobMessages(KIND).find((m) => m.phase === 'Train' && m.status === 'Ready' && m.round === 2), '(Train, Ready) of round 2');
    await writeFile(join(outputDir, 'eval', '2.json'), JSON.stringify(kbIndex(2, '2025-06-01T10:00:03.000Z')));
    const summary = { create_time: '2025-06-01T10:00:03.000Z', round: 2, models: [], changed: ['Summer_AC'], dropped: [{ task: 'Summer_AC', modelID: 'Summer_AC@r2', scores: { accuracy: 0.1 }, reason: 'accuracy 0.1 < 0.5' }] };
    send(2, [
      condition('Train', 'Ready', 2),
      condition('Train', 'Completed', 2, { output: { models: [{ format: 'json', url: join(outputDir, 'train', '1', 'index.json') }] } }),
      condition('Eval', 'Ready', 2),
      condition('Eval', 'Completed', 2, { output: { models: [{ format: 'json', url: join(outputDir, 'eval', '2.json') }], ownerInfo: { [KB_SUMMARY_KEY]: summary } } }),
      condition('Deploy', 'Waiting', 2),
    ], { servingIndex: { url: join(outputDir, 'deploy', 'index.json'), createTime: '2025-06-01T10:00:02.000Z', round: 1 } });
    const kept = await waitFor(() => gm.jobMessages(KIND).find((m) => m.phase === 'Deploy' && m.round === 2), 'the deploy decision of round 2');
    expect(kept).toMatchObject({ status: 'Completed', reason: 'no task group changed in round 2 (dropped: Summer_AC); the serving index stays' });
    expect(JSON.parse(await readFile(join(outputDir, 'deploy', 'index.json'), 'utf8')).create_time).toBe('2025-06-01T10:00:02.000Z');
  });

  test("an index of another job is not deployed: the stage completes with the reason", async () => {
    await appendRows(13);
    send(2, [condition('Deploy', 'Completed', 2), condition('Train', 'Waiting', 2)]);
    await waitFor(() => gm.jobMessages(KIND).find((m) => m.phase === 'Train' && m.status === 'Ready' && m.round === 3), '(Train, Ready) of round 3');
    await writeFile(join(outputDir, 'eval', '3.json'), JSON.stringify(kbIndex(3, '2025-06-01T10:00:04.000Z', 'someone-else')));
    send(3, [
      condition('Train', 'Ready', 3),
      condition('Eval', 'Completed', 3, { output: { models: [{ format: 'json', url: join(outputDir, 'eval', '3.json') }], ownerInfo: { [KB_SUMMARY_KEY]: { create_time: 'x', round: 3, models: [], changed: ['Summer_AC'] } } } }),
      condition('Deploy', 'Waiting', 3),
    ]);
    const kept = await waitFor(() => gm.jobMessages(KIND).find((m) => m.phase === 'Deploy' && m.round === 3), 'the deploy decision of round 3');
    expect(kept.status).toBe('Completed');
    expect(kept.reason).toContain('belongs to job default/someone-else, not default/atcii');
  });

  test('an index without a task model (every new model dropped) is not deployed', async () => {
    const empty = { ...kbIndex(6, '2025-06-01T10:00:06.000Z'), seen_task: { task_groups: [], extractor: null } };
    await writeFile(join(outputDir, 'eval', '6.json'), JSON.stringify(empty));
    send(6, [
      condition('Eval', 'Completed', 6, { output: { models: [{ format: 'json', url: join(outputDir, 'eval', '6.json') }], ownerInfo: { [KB_SUMMARY_KEY]: { create_time: empty.create_time, round: 6, models: [], changed: ['Summer_AC'], dropped: [] } } } }),
      condition('Deploy', 'Waiting', 6),
    ]);
    const kept = await waitFor(() => gm.jobMessages(KIND).find((m) => m.phase === 'Deploy' && m.round === 6), 'the deploy decision of round 6');
    expect(kept.status).toBe('Completed');
    expect(kept.reason).toContain('has no task model to serve');
  });

  test('a manual deploy takes the last evaluated index; an index that already serves is kept, not deployed again', async () => {
    const serving = { url: join(outputDir, 'deploy', 'index.json'), createTime: '2025-06-01T10:00:02.000Z', round: 1 };
    const evalIndex = { format: 'json', url: join(outputDir, 'eval', '1', 'index.json'), create_time: '2025-06-01T10:00:02.000Z' };
    send(4, [
      condition('Deploy', 'Completed', 3),
      condition('Train', 'Waiting', 3),
      condition('Eval', 'Completed', 4, { output: { models: [evalIndex], ownerInfo: { [KB_SUMMARY_KEY]: { create_time: evalIndex.create_time, round: 4, models: [], changed: ['Summer_AC'] } } } }),
      condition('Deploy', 'Completed', 4),
      condition('Train', 'Waiting', 4),
      condition('Deploy', 'Waiting', 5, {}, 'ManualTrigger'),
    ], { servingIndex: serving });
    const kept = await waitFor(() => gm.jobMessages(KIND).find((m) => m.phase === 'Deploy' && m.round === 5), 'the decision of the manual deploy of round 5');
    expect(kept).toMatchObject({ status: 'Completed', reason: 'the index evaluated in round 4 (create_time 2025-06-01T10:00:02.000Z) is the one serving' });
  });

  test('a rollback round deploys the copy an earlier round deployed, with a new create_time; a copy whose task model file is gone is refused naming it', async () => {
    const serving = { url: join(outputDir, 'deploy', 'index.json'), createTime: '2025-06-01T10:00:02.000Z', round: 1 };
    const servingModel = { format: 'json', url: serving.url, create_time: serving.createTime };
    const rollback = (round: number, to: number, requested: string) =>
      condition('Deploy', 'Waiting', round, { input: { models: [{ format: 'json', url: join(outputDir, 'deploy', 'rounds', String(to), 'index.json') }, servingModel] }, rollback: { requested, to, toTrainedIn: to, from: 1 } }, 'Rollback');
    // Round 1's copy names task models at /models/..., which are not on this node.
    send(7, [condition('Deploy', 'Completed', 5), condition('Train', 'Waiting', 5), rollback(7, 1, '1@2025-06-01T10:05:00Z')], { servingIndex: serving });
    const refused = await waitFor(() => gm.jobMessages(KIND).find((m) => m.phase === 'Deploy' && m.round === 7), 'the outcome of the rollback of round 7');
    expect(refused).toMatchObject({ status: 'Completed', reason: 'rollback to round 1 refused: model file /models/Summer_AC.json of task model Summer_AC@r1 is gone (ENOENT)' });
    expect(JSON.parse(await readFile(serving.url, 'utf8')).create_time).toBe(serving.createTime);

    // A copy whose task models are there: deployed again, newer than the serving index.
    const models = join(dir, 'models');
    await mkdir(models, { recursive: true });
    const old = kbIndex(3, '2025-06-01T09:00:00.000Z');
    for (const group of old.seen_task.task_groups) {
      group.model.url = join(models, `${group.entry}.json`);
      await writeFile(group.model.url, '{}');
    }
    await mkdir(join(outputDir, 'deploy', 'rounds', '3'), { recursive: true });
    await writeFile(join(outputDir, 'deploy', 'rounds', '3', 'index.json'), JSON.stringify(old));
    send(8, [condition('Deploy', 'Completed', 7), condition('Train', 'Waiting', 7), rollback(8, 3, '3@2025-06-01T10:06:00Z')], { servingIndex: serving });
    const ready = await waitFor(() => gm.jobMessages(KIND).find((m) => m.phase === 'Deploy' && m.round === 8), 'the outcome of the rollback of round 8');
    expect(ready).toMatchObject({ status: 'Ready', decision: { round: 8, decision: 'Rollback', to: { round: 3 }, from: { round: 1, url: serving.url } } });
    const deployed = JSON.parse(await readFile(serving.url, 'utf8')) as KbIndex;
    expect(deployed.create_time > serving.createTime).toBe(true);
    expect({ ...deployed, create_time: old.create_time, round: old.round }).toEqual(old);
    expect(deployed.round).toBe(8);
    expect(ready.input?.models).toEqual([
      { format: 'json', url: serving.url, create_time: deployed.create_time },
      { format: 'json', url: join(outputDir, 'deploy', 'rounds', '8', 'index.json'), create_time: deployed.create_time },
    ]);
  });

  test("a later job whose outputDir is another job's folder through a symlink cuts no round (the GM sees two paths)", async () => {
    const link = join(dir, 'output-link');
    await symlink(outputDir, link);
    gm.insert({
      ...base,
      metadata: { name: 'atcii-link', namespace: 'default', uid: 'uid-atcii-link', creationTimestamp: '2025-06-01T11:00:00Z' },
      spec: { ...base.spec, outputDir: link },
      status: { round: 0, conditions: [condition('Train', 'Waiting', 0)] },
    } as LifelongLearningJob);
    await waitForJobs(lc.url, 2);
    await appendRows(13);
    await new Promise((r) => setTimeout(r, 2500));
    expect(gm.jobMessages(KIND).filter((m) => m.name === 'atcii-link')).toEqual([]);
  });

  test('unseen samples saved in the inference worker\'s folder are counted and sent upstream', async () => {
    const folder = lc.hardExampleDir('default', 'atcii', KIND);
    await mkdir(folder, { recursive: true });
    for (const stem of ['1733000000000-0001', '1733000000000-0002']) {
      await writeFile(join(folder, `${stem}.json`), '{"season":"Spring"}');
      await writeFile(join(folder, `${stem}.meta.json`), JSON.stringify({ reason: 'attribute', task: 'Spring_AC', result: 1, modelVersion: null, time: new Date().toISOString() }));
    }
    const stats = await waitFor(() => gm.jobMessages(KIND).filter((m) => m.phase === 'Inference').find((m) => m.output?.ownerInfo?.numberOfUnseenSample === 2), 'the unseen count 2 sent', 20_000);
    expect(stats.status).toBe('Running');
  });
});
