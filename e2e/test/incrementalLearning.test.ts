// Incremental learning end to end, as a user drives it: `sedna up` in a child process, the job applied
// with `sedna apply`, labelled frames appended to the dataset index, the job followed with
// `sedna get il -o json -w`, a manual round started with `sedna trigger train`. Every worker is a real
// process the node agent starts (tfjs training, ONNX evaluation and inference, the CrossEntropy
// hard-example filter), the GM and the LC talk over their WebSocket, and everything lands in real files.
//
// The data decides the deploy gate (precision_delta > 0, the mean of the per-class list), the same way
// on every run (seeded frames and weights, no shuffling):
// - round 1: 64 correctly labelled frames of the lit camera: the new model beats the untrained base
//   model (precision_delta about [0.79, 1]): Deploy, hot-swapped into the inference worker;
// - round 2: a faulty labeller swapped the classes of the first 48 frames (the LC puts the first 3/4 of
//   a batch in the train pool), the last 16 are right: the new model learnt the swapped classes and
//   loses on the correctly labelled eval pool (about [-0.88, -0.69]): Keep;
// - round 3: frames of a second, backlit camera (2 of 3) and the lit one: the deployed model calls
//   every backlit frame "right", the new one learnt them (about [0, 0.25]): Deploy;
// - round 4: 16 more frames, fewer than the trigger's 48, so no automatic round: `sedna trigger train`.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import type { IncrementalLearningJob } from '@sedna-ts/api-types';
import { conditionSequence, exactly, JOB_START, roundPattern } from '../src/conditionOrder.js';
import { eventually } from '../src/eventually.js';
import { conditionsOf, dataOf, JobWatch } from '../src/jobWatch.js';
import { Scenario } from '../src/scenario.js';
import { sedna, sednaOk } from '../src/sedna.js';

const scenario = new Scenario('tray');
let watch: JobWatch | undefined;
const batches: Record<string, string[]> = {};

beforeAll(async () => {
  const samples = async () => {
    batches.r1 = await scenario.generate({ prefix: 'r1', count: 64, seed: 101, cameras: 'lit' });
    const swapped = await scenario.generate({ prefix: 'r2-swapped', count: 48, seed: 202, cameras: 'lit', mislabelled: 1 });
    batches.r2 = [...swapped, ...(await scenario.generate({ prefix: 'r2', count: 16, seed: 203, cameras: 'lit' }))];
    batches.r3 = await scenario.generate({ prefix: 'r3', count: 64, seed: 303, cameras: 'backlit,backlit,lit' });
    batches.r4 = await scenario.generate({ prefix: 'r4', count: 16, seed: 404, cameras: 'lit,backlit' });
    batches.r5 = await scenario.generate({ prefix: 'r5', count: 64, seed: 505, cameras: 'lit,backlit' });
    batches.r7 = await scenario.generate({ prefix: 'r7', count: 64, seed: 707, cameras: 'lit,backlit' });
  };
  await Promise.all([scenario.startSedna(), scenario.prepareModelAndFrames(), samples()]);
}, 240_000);

afterAll(async () => {
  watch?.stop();
  await scenario.cleanUp();
});

const mean = (values: unknown) => (values as number[]).reduce((a, b) => a + b, 0) / (values as number[]).length;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function inferencePod(pods: V1Pod[]): V1Pod | undefined {
  return pods.find((p) => p.metadata?.labels?.['incrementallearningjob.sedna.io/worker-type'] === 'inference' && p.status?.phase === 'Running');
}

/** The deploy condition the inference worker's report completed, with what it reported. */
function deployReport(job: IncrementalLearningJob, round: number): Record<string, unknown> {
  const completed = conditionsOf(job).find((c) => c.round === round && c.stage === 'Deploy' && c.type === 'Completed');
  if (!completed) throw new Error(`no (Deploy, Completed) in round ${round}`);
  return dataOf(completed);
}

test('three rounds (one deploys, one is kept by the gate, one deploys), hot updates served by the inference worker, then a manual trigger starts a fourth round', async () => {
  const { dataDir, root } = scenario;
  expect(await scenario.apply()).toBe(
    ['dataset.sedna.io/tray-data created', 'model.sedna.io/tray-initial created', 'model.sedna.io/tray-deploy created', 'incrementallearningjob.sedna.io/tray created', ''].join('\n'),
  );
  watch = new JobWatch(dataDir, 'tray');
  await watch.untilCondition({ round: 0, stage: 'Train', type: 'Waiting' });

  // The inference worker serves the base model from the start; its folders are the pod's volumes.
  const server = await eventually('a running inference worker', async () => inferencePod(await scenario.pods()));
  const hotUpdateDir = Scenario.hostPathOf(server, 'sedna-model-hot-update-volume');
  const hardExampleDir = Scenario.hostPathOf(server, 'sedna-hard-examples-volume');
  const hardExamplesOf = (version: string) => Scenario.hardExamples(hardExampleDir).filter((m) => m.modelVersion === version);
  await eventually('a hard example judged by the base model', () => (hardExamplesOf('initial').length > 0 ? true : undefined));
  const modelConfig = () => (JSON.parse(readFileSync(join(hotUpdateDir, 'model_config.json'), 'utf8')) as { model_config: Record<string, unknown> }).model_config;

  // Round 1: correct labels -> Deploy, hot update.
  scenario.append(batches.r1 as string[]);
  let job = await watch.untilRoundEnds(1);
  expect(job.status?.lastDecision).toMatchObject({ round: 1, decision: 'Deploy', metric: 'precision_delta', operator: '>', threshold: 0 });
  expect(mean(job.status?.lastDecision?.compared?.precision_delta)).toBeGreaterThan(0.5);
  const round1Model = join(root, 'output', 'train', '1', 'model.onnx');
  expect(job.status?.lastGoodModel).toMatchObject({ format: 'onnx', url: round1Model });
  // The LC published it, and the serving worker reported the swap (its deploy report completed the stage).
  expect(modelConfig()).toMatchObject({ model_path: join(hotUpdateDir, '1', 'model.onnx'), model_version: '1', model_sha256: sha256(round1Model) });
  expect(deployReport(job, 1)).toMatchObject({ worker: server.metadata?.name, output: { ownerInfo: { model_version: '1' } } });
  // It serves the new model: the frames it finds hard are now judged by version 1.
  await eventually('a hard example judged by the model of round 1', () => (hardExamplesOf('1').length > 0 ? true : undefined));

  // Round 2: swapped labels in the train pool -> the gate keeps the deployed model.
  scenario.append(batches.r2 as string[]);
  job = await watch.untilRoundEnds(2);
  expect(job.status?.lastDecision).toMatchObject({ round: 2, decision: 'Keep', metric: 'precision_delta' });
  expect(mean(job.status?.lastDecision?.compared?.precision_delta)).toBeLessThan(-0.3);
  expect(job.status?.lastGoodModel?.url).toBe(round1Model);
  expect(modelConfig()).toMatchObject({ model_version: '1' });

  // Round 3: the backlit camera -> Deploy, hot update again, from the model of round 1 (the last good one).
  scenario.append(batches.r3 as string[]);
  job = await watch.untilRoundEnds(3);
  expect(job.status?.lastDecision).toMatchObject({ round: 3, decision: 'Deploy' });
  expect(mean(job.status?.lastDecision?.compared?.precision_delta)).toBeGreaterThan(0.05);
  const trainReady3 = conditionsOf(job).find((c) => c.round === 3 && c.stage === 'Train' && c.type === 'Ready');
  expect(dataOf(trainReady3!)).toMatchObject({ input: { models: [{ format: 'tfjs', url: join(root, 'output', 'train', '1', 'model.json') }] } });
  const round3Model = join(root, 'output', 'train', '3', 'model.onnx');
  expect(job.status?.lastGoodModel?.url).toBe(round3Model);
  expect(modelConfig()).toMatchObject({ model_path: join(hotUpdateDir, '3', 'model.onnx'), model_version: '3', model_sha256: sha256(round3Model) });
  expect(deployReport(job, 3)).toMatchObject({ worker: server.metadata?.name, output: { ownerInfo: { model_version: '3' } } });
  await eventually('a hard example judged by the model of round 3', () => (hardExamplesOf('3').length > 0 ? true : undefined));

  // Round 4: too few samples for the trigger; the waiting condition says how many of how many (the LC
  // counts them, the GM writes it), then `sedna trigger train` starts the round at once.
  scenario.append(batches.r4 as string[]);
  job = await watch.until('the waiting condition to count the new train samples', (j) => /\b12 of 48 samples \(num_of_samples >= 48\)$/.test(conditionsOf(j).at(-1)?.message ?? ''));
  expect(conditionsOf(job).at(-1)).toMatchObject({ round: 3, stage: 'Train', type: 'Waiting' });
  expect(await sednaOk(dataDir, ['trigger', 'train', 'tray'])).toMatch(/^incrementallearningjob\.sedna\.io\/tray triggered: sedna\.io\/trigger=train@/);
  job = await watch.untilRoundEnds(4);
  // The GM removed the annotation once Train left Waiting.
  job = await watch.until('the trigger annotation removed', (j) => j.metadata?.annotations?.['sedna.io/trigger'] === undefined);

  // The conditions, in state-machine order, each with its round.
  expect(conditionSequence(job)).toMatch(
    exactly([JOB_START, roundPattern(1, 'Deploy'), roundPattern(2, 'Keep'), roundPattern(3, 'Deploy'), `(?:${roundPattern(4, 'Deploy')}|${roundPattern(4, 'Keep')})`]),
  );
  expect(job.status?.round).toBe(4);

  // Every appended sample is in the round files, once: 3/4 of each batch trained in its round, the
  // rest in the eval versions (the eval file of a round holds the last 5 versions, each sample once).
  const { train, eval: evals } = scenario.roundFiles();
  expect([...train.keys()].sort()).toEqual([1, 2, 3, 4]);
  expect([1, 2, 3, 4].map((r) => train.get(r)?.length)).toEqual([48, 48, 48, 12]);
  expect([1, 2, 3, 4].map((r) => evals.get(r)?.length)).toEqual([16, 32, 48, 52]);
  const trained = [1, 2, 3, 4].flatMap((r) => train.get(r) ?? []);
  const evaluated = evals.get(4) ?? [];
  expect(new Set(trained).size).toBe(trained.length);
  expect(new Set(evaluated).size).toBe(evaluated.length);
  expect([...trained, ...evaluated].sort()).toEqual([...scenario.appended].sort());
  for (const r of [1, 2, 3]) expect(evals.get(r + 1)).toEqual(expect.arrayContaining(evals.get(r) ?? []));

  // One worker pod per stage, round and attempt; the inference worker served all rounds.
  const pods = await scenario.pods();
  // Each worker read its token from its own Secret (the node agent resolves secretKeyRef): no token is in a pod spec.
  for (const pod of pods) {
    for (const container of pod.spec?.containers ?? []) {
      expect(container.env?.find((e) => e.name === 'SEDNA_WORKER_TOKEN')).toEqual({ name: 'SEDNA_WORKER_TOKEN', valueFrom: { secretKeyRef: { name: pod.metadata?.name, key: 'token' } } });
    }
  }
  expect(JSON.stringify(pods)).not.toMatch(/sw1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);
  const keys = pods.map((p) => `${p.metadata?.labels?.['incrementallearningjob.sedna.io/worker-type']}/${p.metadata?.labels?.['sedna.io/round']}/${p.metadata?.labels?.['sedna.io/attempt']}`);
  expect(keys.sort()).toEqual(['eval/1/1', 'eval/2/1', 'eval/3/1', 'eval/4/1', 'inference/0/0', 'train/1/1', 'train/2/1', 'train/3/1', 'train/4/1']);
  expect(scenario.trainRuns().filter((r) => r.event === 'end').map((r) => [r.round, r.samples])).toEqual([
    ['1', 48],
    ['2', 48],
    ['3', 48],
    ['4', 12],
  ]);
});

test('sedna rollback: asked during a running round, it waits for that round, then round 1\'s model serves again; the next round trains from it and is gated against it; a target whose file is gone is refused', async () => {
  const { dataDir, root } = scenario;
  const w = watch as JobWatch;
  const server = await eventually('a running inference worker', async () => inferencePod(await scenario.pods()));
  const hotUpdateDir = Scenario.hostPathOf(server, 'sedna-model-hot-update-volume');
  const hardExampleDir = Scenario.hostPathOf(server, 'sedna-hard-examples-volume');
  const modelConfig = () => (JSON.parse(readFileSync(join(hotUpdateDir, 'model_config.json'), 'utf8')) as { model_config: Record<string, unknown> }).model_config;
  const round1Model = join(root, 'output', 'train', '1', 'model.onnx');

  // Round 5 runs; the rollback asked now waits for its end.
  scenario.append(batches.r5 as string[]);
  await w.untilCondition({ round: 5, stage: 'Train', type: 'Running' });
  const rollback = sedna(dataDir, ['rollback', 'tray', '--to-round', '1', '--wait', '5m']);
  let job = await w.until('the rollback pending', (j) => (j.status as { lastRollback?: { result: string } } | undefined)?.lastRollback?.result === 'Pending');
  job = await w.untilRoundEnds(5);
  expect(conditionsOf(job).filter((c) => c.round === 5 && c.stage === 'Deploy' && c.type === 'Completed')).toHaveLength(1);

  // Round 6 only deploys round 1's model again, hot, through the same inference worker.
  const result = await rollback;
  expect(result).toMatchObject({ code: 0, stderr: '' });
  expect(result.stdout).toMatch(/^incrementallearningjob\.sedna\.io\/tray \(namespace default, context "[^"]+" at https:\/\/127\.0\.0\.1:\d+ \(from --data-dir\)\): sedna\.io\/rollback=1@/);
  expect(result.stdout).toContain('pending: waits for round 5 to end');
  expect(result.stdout).toContain(`rolled back: round 6 deployed the model of round 1 again (${round1Model})`);
  job = await w.untilRoundEnds(6);
  expect(conditionsOf(job).filter((c) => c.round === 6).map((c) => `${c.stage}/${c.type}`)).toEqual(['Deploy/Waiting', 'Deploy/Ready', 'Deploy/Starting', 'Deploy/Running', 'Deploy/Completed', 'Train/Waiting']);
  const status = job.status as IncrementalLearningJob['status'] & { deployments: Array<Record<string, unknown>>; lastRollback: Record<string, unknown> };
  expect(status?.lastGoodModel?.url).toBe(round1Model);
  expect(status?.lastDecision).toMatchObject({ round: 6, decision: 'Rollback', to: { round: 1, url: round1Model } });
  expect(status.deployments.at(-1)).toMatchObject({ round: 6, trainedIn: 1, decision: 'Rollback', model: { url: round1Model } });
  expect(status.lastRollback).toMatchObject({ result: 'Done', round: 6, to: 1 });
  expect(modelConfig()).toMatchObject({ model_version: '6', model_sha256: sha256(round1Model) });
  expect(deployReport(job, 6)).toMatchObject({ output: { ownerInfo: { model_version: '6' } } });
  await eventually('a hard example judged by round 1\'s model, served again as version 6', () =>
    Scenario.hardExamples(hardExampleDir).some((m) => m.modelVersion === '6') ? true : undefined,
  );
  job = await w.until('the rollback annotation removed', (j) => j.metadata?.annotations?.['sedna.io/rollback'] === undefined);

  // Round 7 trains from round 1's model and is compared with it.
  scenario.append(batches.r7 as string[]);
  job = await w.untilRoundEnds(7);
  const ready = (stage: string) => dataOf(conditionsOf(job).find((c) => c.round === 7 && c.stage === stage && c.type === 'Ready')!);
  expect(ready('Train')).toMatchObject({ input: { models: [{ format: 'tfjs', url: join(root, 'output', 'train', '1', 'model.json') }] } });
  expect((ready('Eval') as { input: { models: Array<{ url: string }> } }).input.models[1]?.url).toBe(round1Model);

  // A rollback to round 3, whose model file is gone: refused, exit 1, the file named; nothing else changes.
  const round3Model = join(root, 'output', 'train', '3', 'model.onnx');
  rmSync(round3Model);
  const serving = job.status?.lastGoodModel?.url;
  const refused = await sedna(dataDir, ['rollback', 'tray', '--to-round', '3']);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toBe(`sedna: rollback to round 3 refused: model file ${round3Model} is gone (ENOENT)\n`);
  job = await w.untilRoundEnds(8);
  expect(job.status?.lastGoodModel?.url).toBe(serving);
  expect(job.status?.lastDecision).toMatchObject({ round: 8, decision: 'Keep' });
  // A round that did not deploy cannot be rolled back to: refused at once by the GM.
  const kept = await sedna(dataDir, ['rollback', 'tray', '--to-round', '2']);
  expect(kept).toMatchObject({ code: 1, stderr: expect.stringContaining('rollback refused: round 2 did not deploy a model (rounds that deployed a model: 0, 1, 3') });
}, 300_000);
