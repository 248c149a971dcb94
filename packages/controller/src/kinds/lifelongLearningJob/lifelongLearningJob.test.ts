import type { JobCondition, LifelongLearningJob, LifelongLearningJobStatus } from '@sedna-ts/api-types';
import { KB_SUMMARY_KEY, type KbSummary } from '@sedna-ts/api-types/contract';
import { NODE, NOW, at, cond, makeDataset, makeWorld, pod, template } from '../../../test/fixtures.js';
import { conditionData } from '../../jobs/conditions.js';
import { buildWorkerPod } from '../../jobs/workerPod.js';
import { DEFAULT_DECIDE_OPTIONS, decide, type JobDecision, type JobWorld, type WorkerPodRequest } from '../../jobs/stateMachine.js';
import { lifelongLearningPolicy } from './index.js';

const KB = 'http://127.0.0.1:9020';
const policy = lifelongLearningPolicy({ knowledgeBaseServer: KB });

function makeLlJob(conditions: JobCondition[] = [], status: Partial<LifelongLearningJobStatus> = {}, round = 0): LifelongLearningJob {
  return {
    apiVersion: 'sedna.io/v1alpha1',
    kind: 'LifelongLearningJob',
    metadata: { name: 'atcii', namespace: 'default', uid: 'uid-ll', resourceVersion: '3' },
    spec: {
      dataset: { name: 'helmet-data', trainProb: 0.8 },
      trainSpec: { template: template('train'), trigger: { condition: { operator: '>', threshold: 500, metric: 'num_of_samples' } } },
      evalSpec: { template: template('eval') },
      deploySpec: { template: template('infer') },
      outputDir: '/output/atcii',
    },
    status: { round, conditions, ...status },
  } as LifelongLearningJob;
}

function run(job: LifelongLearningJob, world: Partial<JobWorld> = {}): JobDecision<LifelongLearningJobStatus> {
  return decide(job, makeWorld({ models: new Map(), ...world }), policy, DEFAULT_DECIDE_OPTIONS);
}

function summary(overrides: Partial<KbSummary> = {}): KbSummary {
  return {
    create_time: '2025-06-01T11:59:00.000Z',
    round: 1,
    models: [
      { modelID: 'Summer_AC@r1', task: 'Summer_AC', metrics: { precision: 0.91, recall: 0.8 }, numberOfTrainSamples: 410, round: 1 },
      { modelID: 'Winter_NV@r1', task: 'Winter_NV', metrics: { precision: 0.84 }, numberOfTrainSamples: 390, round: 1 },
    ],
    changed: ['Summer_AC', 'Winter_NV'],
    dropped: [],
    numberOfLabeledUnseenSample: 0,
    ...overrides,
  };
}

const INDEX = { format: 'json', url: '/output/atcii/eval/1/index.json', create_time: '2025-06-01T11:59:00.000Z' };
const DEPLOYED = { format: 'json', url: '/output/atcii/deploy/index.json', create_time: '2025-06-01T11:59:00.000Z' };

describe('LifelongLearningJob on the shared state machine', () => {
  test('first sync: (Train, Waiting), an empty knowledge base, and no inference pod before the first deploy', () => {
    const d = run(makeLlJob());
    expect(d.status.conditions?.map((c) => `${c.stage}/${c.type}`)).toEqual(['Train/Waiting']);
    expect(d.status.knowledgeBase?.AIModels.numberOfAIModels).toBe(0);
    expect(d.actions).toEqual([]);
  });

  test('the knowledge base follows the last train or eval report: one model per task group, with metrics and samples', () => {
    const trained = cond('Train', 'Completed', 1, { data: { output: { models: [INDEX], ownerInfo: { [KB_SUMMARY_KEY]: summary() } } } });
    const d = run(makeLlJob([trained], {}, 1));
    expect(d.status.knowledgeBase?.AIModels).toEqual({
      numberOfAIModels: 2,
      listOfAIModels: [
        { modelID: 'Summer_AC@r1', averagePrecision: 0.91, numberOfTrainSamples: 410, task: 'Summer_AC', metrics: { precision: 0.91, recall: 0.8 }, round: 1 },
        { modelID: 'Winter_NV@r1', averagePrecision: 0.84, numberOfTrainSamples: 390, task: 'Winter_NV', metrics: { precision: 0.84 }, round: 1 },
      ],
    });
  });

  test('a deploy creates the inference pod, which serves from then on; its confirmation ends the round with servingIndex and lastDecision', () => {
    const evaluated = cond('Eval', 'Completed', 1, { data: { output: { models: [INDEX], ownerInfo: { [KB_SUMMARY_KEY]: summary({ dropped: [{ task: 'Winter_NV', modelID: 'Winter_NV@r1', scores: { precision: 0.2 }, reason: 'precision 0.2 < 0.5' }] }) } } } });
    const ready = cond('Deploy', 'Ready', 1, { data: { input: { models: [DEPLOYED] } } });
    let job = makeLlJob([evaluated, ready], {}, 1);
    let d = run(job, { pods: [] });
    expect(d.actions.map((a) => (a.type === 'createPod' ? `create ${a.request.workerType}` : a.type))).toEqual(['create inference']);
    expect(conditionData(d.status.conditions?.at(-1)).worker).toMatch(/^atcii-infer-/);

    // Running, then the worker's confirmation (through its LC) completes the stage.
    const worker = conditionData(d.status.conditions?.at(-1)).worker as string;
    job = makeLlJob(d.status.conditions, d.status, 1);
    d = run(job, { pods: [pod({ name: worker, workerType: 'inference', round: 1, attempt: 1 })] });
    expect(d.status.conditions?.at(-1)).toMatchObject({ stage: 'Deploy', type: 'Running' });
    job = makeLlJob(d.status.conditions, d.status, 1);
    d = run(job, {
      pods: [pod({ name: worker, workerType: 'inference', round: 1, attempt: 1 })],
      reports: [{ id: 'r1', node: NODE, message: { phase: 'Deploy', status: 'Completed', round: 1, attempt: 1, output: { ownerInfo: { create_time: DEPLOYED.create_time } } } }],
    });
    expect(d.status.conditions?.slice(-2).map((c) => `${c.stage}/${c.type}`)).toEqual(['Deploy/Completed', 'Train/Waiting']);
    expect(d.status.servingIndex).toEqual({ url: DEPLOYED.url, createTime: DEPLOYED.create_time, round: 1 });
    expect(d.status.lastDecision).toMatchObject({ round: 1, decision: 'Deploy', deployed: ['Summer_AC'], dropped: [{ task: 'Winter_NV', scores: { precision: 0.2 } }] });

    // The pod is gone between rounds: it is replaced (the job serves once it has deployed).
    job = makeLlJob(d.status.conditions, d.status, 1);
    d = run(job, { pods: [] });
    expect(d.actions.map((a) => a.type)).toEqual(['createPod']);
  });

  test('a deploy the LC kept (no task changed) ends the round with Keep and its reason, without a pod', () => {
    const reason = 'no task group changed in round 2 (dropped: Summer_AC); the serving index stays';
    const waiting = cond('Deploy', 'Waiting', 2);
    const d = run(makeLlJob([waiting], {}, 2), { reports: [{ id: 'r', node: NODE, message: { phase: 'Deploy', status: 'Completed', round: 2, reason, output: { ownerInfo: { reason } } } }] });
    expect(d.status.lastDecision).toMatchObject({ round: 2, decision: 'Keep', reason, deployed: [] });
    expect(d.status.servingIndex).toBeUndefined();
    expect(d.actions).toEqual([]);
  });

  test('statistics: the unseen samples the LC counts on the edge', () => {
    const d = run(makeLlJob([cond('Train', 'Waiting', 1)], {}, 1), { reports: [{ id: 's', node: NODE, message: { phase: 'Inference', status: 'Running', output: { ownerInfo: { numberOfUnseenSample: 17 } } } }] });
    expect(d.reportOutcomes).toEqual([{ id: 's', result: 'applied' }]);
    expect(d.status.knowledgeBase?.samples.numberOfUnseenSample).toBe(17);
  });

  test('an inference worker that keeps crashing fails the deploy at once, with its exit; the retry replaces it', () => {
    const running = cond('Deploy', 'Running', 1, { data: { input: { models: [DEPLOYED] }, worker: 'atcii-infer-aaaaa' } });
    const crashing = pod({ name: 'atcii-infer-aaaaa', workerType: 'inference', crashing: 'container infer exited with code 3 (restarted 4 times)' });
    const d = run(makeLlJob([running], {}, 1), { pods: [crashing] });
    expect(d.status.conditions?.at(-1)).toMatchObject({ stage: 'Deploy', type: 'Failed', reason: 'PodFailed', message: 'inference pod atcii-infer-aaaaa keeps crashing: container infer exited with code 3 (restarted 4 times)' });
    const retry = cond('Deploy', 'Ready', 1, { data: { input: { models: [DEPLOYED] }, attempt: 2 } });
    const again = run(makeLlJob([retry], {}, 1), { pods: [crashing] });
    expect(again.actions.map((a) => a.type)).toEqual(['deletePod', 'createPod']);
  });

  test('a completed job keeps its inference worker, but not one that keeps crashing', () => {
    const done = makeLlJob([cond('Train', 'Waiting', 2)], { completionTime: at(-10), servingIndex: { url: DEPLOYED.url, createTime: 'x', round: 2 } }, 2);
    const crashing = pod({ name: 'atcii-infer-aaaaa', workerType: 'inference', crashing: 'container infer exited with code 3 (restarted 4 times)' });
    expect(run(done, { pods: [crashing] }).actions.map((a) => a.type)).toEqual(['deletePod']);
    expect(run(done, { pods: [{ ...crashing, crashing: undefined }] }).actions).toEqual([]);
  });

  test('a hot deploy not confirmed in time restarts the inference pod once, then fails with DeployTimeout', () => {
    const running = { ...cond('Deploy', 'Running', 1, { data: { input: { models: [DEPLOYED] }, worker: 'atcii-infer-aaaaa' } }), lastTransitionTime: at(-601) };
    let d = run(makeLlJob([running], { servingIndex: { url: DEPLOYED.url, createTime: 'old', round: 0 } }, 1), { pods: [pod({ name: 'atcii-infer-aaaaa', workerType: 'inference' })] });
    expect(d.actions.map((a) => a.type)).toEqual(['deletePod', 'createPod']);
    const restarted = d.status.conditions?.at(-1) as JobCondition;
    expect(restarted).toMatchObject({ stage: 'Deploy', type: 'Starting', reason: 'DeployRestarted' });
    expect(conditionData(restarted).restarted).toBe(true);

    const again = { ...cond('Deploy', 'Running', 1, { data: { ...conditionData(restarted), worker: 'atcii-infer-x7k2q' } }), lastTransitionTime: at(-601) };
    d = run(makeLlJob([again], {}, 1), { pods: [pod({ name: 'atcii-infer-x7k2q', workerType: 'inference' })] });
    expect(d.status.conditions?.at(-1)).toMatchObject({ stage: 'Deploy', type: 'Failed', reason: 'DeployTimeout' });

    // Before the deadline: nothing, and a requeue at the deadline.
    const early = { ...running, lastTransitionTime: at(-60) };
    d = run(makeLlJob([early], {}, 1), { pods: [pod({ name: 'atcii-infer-aaaaa', workerType: 'inference' })] });
    expect(d.actions).toEqual([]);
    expect(d.requeueAfterMs).toBe(540_000);
    expect(NOW.getTime()).toBeGreaterThan(0);
  });
});

describe('LifelongLearningJob rollback', () => {
  const copy = (round: number, createTime: string) => ({ format: 'json', url: `/output/atcii/deploy/rounds/${round}/index.json`, create_time: createTime });
  const served = (round: number, createTime: string) => ({ round, trainedIn: round, decision: 'Deploy' as const, model: copy(round, createTime), since: at(-900 + round) });

  test('a deploy records the round\'s own copy; a rollback round deploys a copy again, records Rollback with from and to, and the next round trains from it', () => {
    // Round 2 deploys: the record keeps deploy/rounds/2/index.json, not the fixed deploy path.
    const t2 = '2025-06-01T11:50:00.000Z';
    const ready2 = cond('Deploy', 'Ready', 2, { data: { input: { models: [{ ...DEPLOYED, create_time: t2 }, copy(2, t2)] } } });
    let job = makeLlJob([cond('Eval', 'Completed', 2, { data: { output: { models: [INDEX] } } }), ready2, cond('Deploy', 'Running', 2)], { deployments: [served(1, DEPLOYED.create_time)], servingIndex: { url: DEPLOYED.url, createTime: DEPLOYED.create_time, round: 1 } }, 2);
    let d = run(job, { reports: [{ id: 'r2', node: NODE, message: { phase: 'Deploy', status: 'Completed', round: 2, attempt: 1, output: { ownerInfo: { create_time: t2 } } } }] });
    expect(d.status.deployments?.at(-1)).toMatchObject({ round: 2, decision: 'Deploy', model: { url: copy(2, t2).url } });

    // sedna rollback --to-round 1: round 3 starts at (Deploy, Waiting) with [round 1's copy, the serving copy].
    job = makeLlJob(d.status.conditions, d.status, 2);
    job.metadata.annotations = { 'sedna.io/rollback': `1@${at(-5)}` };
    d = run(job);
    const waiting = d.status.conditions?.at(-1);
    expect(waiting).toMatchObject({ stage: 'Deploy', type: 'Waiting', round: 3, reason: 'Rollback' });
    expect(conditionData(waiting).input?.models?.map((m) => m.url)).toEqual([copy(1, '').url, copy(2, '').url]);

    // The LC deployed it again with a new create_time; the worker confirms; the round ends.
    const t3 = '2025-06-01T11:58:00.000Z';
    const decision = { round: 3, decision: 'Rollback' as const, reason: 'sedna rollback', metric: '', operator: '>' as const, threshold: 0, compared: {}, time: at(-3), from: { round: 2, url: DEPLOYED.url }, to: { round: 1, url: copy(1, '').url } };
    job = makeLlJob(d.status.conditions, d.status, 3);
    job.metadata.annotations = { 'sedna.io/rollback': `1@${at(-5)}` };
    d = run(job, { reports: [{ id: 'r3', node: NODE, message: { phase: 'Deploy', status: 'Ready', round: 3, input: { models: [{ ...DEPLOYED, create_time: t3 }, copy(3, t3)] }, decision } }] });
    job = makeLlJob(d.status.conditions, d.status, 3);
    job.metadata.annotations = { 'sedna.io/rollback': `1@${at(-5)}` };
    d = run(job, { reports: [{ id: 'r4', node: NODE, message: { phase: 'Deploy', status: 'Completed', round: 3, attempt: 1, output: { ownerInfo: { create_time: t3 } } } }] });
    expect(d.status.lastDecision).toMatchObject({ round: 3, decision: 'Rollback', from: { round: 2 }, to: { round: 1 } });
    expect(d.status.servingIndex).toEqual({ url: DEPLOYED.url, createTime: t3, round: 3 });
    expect(d.status.deployments?.at(-1)).toMatchObject({ round: 3, trainedIn: 1, decision: 'Rollback', model: { url: copy(3, t3).url } });
    expect(d.status.lastRollback).toMatchObject({ result: 'Done', round: 3, to: 1 });

    // Round 4 trains from the index the rollback deployed.
    const podSpec = buildWorkerPod(makeLlJob(d.status.conditions, d.status, 3), { workerType: 'train', round: 4, attempt: 1, name: 'atcii-train-x', nodeName: NODE, input: {} } as WorkerPodRequest, policy, {
      dataset: makeDataset(),
      lc: { nodeName: NODE, lcServer: 'http://127.0.0.1:9100', hardExampleRoot: '/var/lib/sedna/hard-examples' },
    });
    expect(podSpec.spec?.containers[0]?.env?.find((e) => e.name === 'CLOUD_KB_INDEX')?.value).toBe('/home/data/output/atcii/deploy/rounds/3/index.json');
  });
});

describe('LifelongLearningJob worker env: the original names', () => {
  const lc = { nodeName: NODE, lcServer: 'http://127.0.0.1:9100', hardExampleRoot: '/var/lib/sedna/hard-examples' };
  const build = (job: LifelongLearningJob, request: Partial<WorkerPodRequest>) => {
    const full = { workerType: 'train', round: 2, attempt: 1, name: 'atcii-train-x7k2q', nodeName: NODE, ...request } as WorkerPodRequest;
    const podSpec = buildWorkerPod(job, full, policy, { dataset: makeDataset(), lc });
    return Object.fromEntries((podSpec.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value ?? '(secret)']));
  };

  test('train: KB_SERVER, OUTPUT_URL, the round data, and the last evaluated index when there is one', () => {
    expect(build(makeLlJob(), { input: { dataURL: '/output/atcii/data/train/1/data.txt', outputDir: '/output/atcii/train/1' }, round: 1 })).toMatchObject({
      KB_SERVER: KB,
      OUTPUT_URL: '/home/data/output/atcii/train/1',
      TRAIN_DATASET_URL: '/home/data/output/atcii/data/train/1/data.txt',
      HAS_COMPLETED_INITIAL_TRAINING: 'false',
    });
    const evaluated = cond('Eval', 'Completed', 1, { data: { output: { models: [INDEX] } } });
    const env = build(makeLlJob([evaluated], {}, 1), { input: { dataURL: '/output/atcii/data/train/2/data.txt' } });
    expect(env).toMatchObject({ HAS_COMPLETED_INITIAL_TRAINING: 'true', CLOUD_KB_INDEX: '/home/data/output/atcii/eval/1/index.json', OUTPUT_URL: '/home/data/output/atcii/train/2' });
  });

  test('eval: MODEL_URLS is the trained index; inference: the deployed index, hot, and where unseen samples go', () => {
    expect(build(makeLlJob(), { workerType: 'eval', input: { models: [{ format: 'json', url: '/output/atcii/train/2/index.json' }], dataURL: '/output/atcii/data/eval/2/data.txt' } })).toMatchObject({
      MODEL_URLS: '/home/data/output/atcii/train/2/index.json',
      OUTPUT_URL: '/home/data/output/atcii/eval/2',
      TEST_DATASET_URL: '/home/data/output/atcii/data/eval/2/data.txt',
      KB_SERVER: KB,
    });
    expect(build(makeLlJob(), { workerType: 'inference', name: 'atcii-infer-x7k2q' })).toMatchObject({
      MODEL_URLS: '/home/data/output/atcii/deploy/index.json',
      MODEL_HOT_UPDATE: 'true',
      unseen_save_url: '/sedna/hard-examples',
      HE_SAVED_URL: '/sedna/hard-examples',
    });
  });
});
