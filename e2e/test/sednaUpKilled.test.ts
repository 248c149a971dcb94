// `sedna up` SIGKILLed while a train worker runs, then started again on the same data folder: the job
// continues from its stored status. The killed run's worker processes outlive it (as after a crash);
// the new node agent stops them before it runs anything and marks their pods Failed (NodeRestart), so
// the GM retries the stage as attempt 2: never two workers for the same stage, round and attempt, never
// two running at once. The inference worker is replaced and takes the round's model hot, and every
// appended sample is in the round files once.
import type { JobCondition } from '@sedna-ts/api-types';
import { conditionSequence, exactly, JOB_START, roundPattern } from '../src/conditionOrder.js';
import { eventually } from '../src/eventually.js';
import { conditionsOf, dataOf, JobWatch } from '../src/jobWatch.js';
import { Scenario } from '../src/scenario.js';
import { isAlive } from '../src/sedna.js';

const scenario = new Scenario('restart');
let watch: JobWatch | undefined;
let batch: string[] = [];

beforeAll(async () => {
  const samples = async () => {
    batch = await scenario.generate({ prefix: 'r1', count: 64, seed: 101, cameras: 'lit' });
  };
  await Promise.all([scenario.startSedna(), scenario.prepareModelAndFrames(), samples()]);
}, 240_000);

afterAll(async () => {
  watch?.stop();
  await scenario.cleanUp();
});

const label = (key: string) => (p: { metadata?: { labels?: Record<string, string> } }) => p.metadata?.labels?.[key];
const workerType = label('incrementallearningjob.sedna.io/worker-type');
const roundOf = label('sedna.io/round');
const attemptOf = label('sedna.io/attempt');
const summary = (c: JobCondition) => ({ round: c.round, stage: c.stage, type: c.type, lastTransitionTime: c.lastTransitionTime });

test('SIGKILL of sedna up during training, then a restart: the job continues from its stored status without a duplicate worker, and the round completes', async () => {
  await scenario.apply();
  watch = new JobWatch(scenario.dataDir, 'restart');
  await watch.untilCondition({ round: 0, stage: 'Train', type: 'Waiting' });
  const firstServer = await eventually('a running inference worker', async () =>
    (await scenario.pods()).find((p) => workerType(p) === 'inference' && p.status?.phase === 'Running'),
  );

  scenario.holdTraining(true);
  scenario.append(batch);
  const killedRun = await eventually('the train worker started', () => scenario.trainRuns().find((r) => r.event === 'start'));
  const before = await watch.untilCondition({ round: 1, stage: 'Train', type: 'Starting' });
  watch.stop();

  await scenario.up?.kill();
  // Its workers outlive it, as after a crash of the machine's control plane.
  expect(isAlive(killedRun.pid)).toBe(true);

  await scenario.startSedna();
  // Up means the node agent has started, and it stops what the killed run left before it runs anything.
  expect(isAlive(killedRun.pid)).toBe(false);
  watch = new JobWatch(scenario.dataDir, 'restart');

  // The stored status is where the job goes on from: the conditions recorded before the kill come
  // first, unchanged; the interrupted attempt fails with the node agent's reason and is retried.
  let job = await watch.untilCondition({ round: 1, stage: 'Train', type: 'Ready' }, (c) => c.reason === 'Retry');
  expect(conditionsOf(job).slice(0, conditionsOf(before).length).map(summary)).toEqual(conditionsOf(before).map(summary));
  const failed = conditionsOf(job).find((c) => c.round === 1 && c.stage === 'Train' && c.type === 'Failed');
  expect(failed?.message).toContain(`worker pod ${killedRun.worker} failed`);
  expect(failed?.message).toContain('NodeRestart');
  const retry = conditionsOf(job).filter((c) => c.round === 1 && c.stage === 'Train' && c.type === 'Ready')[1];
  expect(dataOf(retry!)).toMatchObject({ attempt: 2 });

  // The retry's worker starts while the killed run's is gone: one train pod per attempt.
  const retriedRun = await eventually('the retried train worker started', () => scenario.trainRuns().find((r) => r.event === 'start' && r.worker !== killedRun.worker));
  const trainPods = (await scenario.pods()).filter((p) => workerType(p) === 'train');
  expect(trainPods.map((p) => [p.metadata?.name, roundOf(p), attemptOf(p)]).sort()).toEqual(
    [
      [killedRun.worker, '1', '1'],
      [retriedRun.worker, '1', '2'],
    ].sort(),
  );
  scenario.holdTraining(false);

  job = await watch.untilRoundEnds(1);
  expect(conditionSequence(job)).toMatch(exactly([JOB_START, roundPattern(1, 'Deploy', { trainFailures: 1 })]));
  expect(job.status?.round).toBe(1);
  // The worker's own record: each pod ran once, and only the retry finished.
  expect(scenario.trainRuns().map((r) => [r.event, r.worker])).toEqual([
    ['start', killedRun.worker],
    ['start', retriedRun.worker],
    ['end', retriedRun.worker],
  ]);

  // The inference worker the node agent stopped was replaced, and the new one took round 1's model.
  const deployed = conditionsOf(job).find((c) => c.round === 1 && c.stage === 'Deploy' && c.type === 'Completed');
  const server = dataOf(deployed!).worker as string;
  expect(server).not.toBe(firstServer.metadata?.name);
  expect(dataOf(deployed!)).toMatchObject({ output: { ownerInfo: { model_version: '1' } } });
  const pods = await scenario.pods();
  expect(pods.filter((p) => workerType(p) === 'inference' && p.status?.phase === 'Running').map((p) => p.metadata?.name)).toEqual([server]);
  // One pod for each stage, round and attempt.
  const keys = pods.map((p) => `${workerType(p)}/${roundOf(p)}/${attemptOf(p)}`);
  expect(new Set(keys.filter((k) => !k.startsWith('inference/'))).size).toBe(keys.filter((k) => !k.startsWith('inference/')).length);

  // No sample lost or doubled across the kill.
  const { train, eval: evals } = scenario.roundFiles();
  expect([...train.keys()]).toEqual([1]);
  expect([...(train.get(1) ?? []), ...(evals.get(1) ?? [])].sort()).toEqual([...scenario.appended].sort());
});
