// A train worker killed mid-round: the node agent reports the pod Failed with the signal, the GM records
// (Train, Failed) with the exit reason and retries the stage in the same round (after 1 s: `sedna up`
// runs with SEDNA_GM_RETRY_INITIAL_BACKOFF_SECONDS=1), the retry trains on the same round file, and
// every appended sample is in the round files exactly once.
import { conditionSequence, exactly, JOB_START, roundPattern } from '../src/conditionOrder.js';
import { eventually } from '../src/eventually.js';
import { conditionsOf, dataOf, JobWatch } from '../src/jobWatch.js';
import { Scenario } from '../src/scenario.js';
import { isAlive } from '../src/sedna.js';

const scenario = new Scenario('killed');
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

test('SIGKILL of the train worker mid-round: (Train, Failed) with the exit reason, a retry in the same round, no sample lost', async () => {
  await scenario.apply();
  watch = new JobWatch(scenario.dataDir, 'killed');
  await watch.untilCondition({ round: 0, stage: 'Train', type: 'Waiting' });

  // The worker holds before training while the hold file exists, so it is surely mid-round when killed.
  scenario.holdTraining(true);
  scenario.append(batch);
  const run = await eventually('the train worker started', () => scenario.trainRuns().find((r) => r.event === 'start'));
  // Its process, through its pod: the node agent records the container's process in the pod status.
  const pod = (await scenario.pods()).find((p) => p.metadata?.name === run.worker);
  expect(pod?.metadata?.labels).toMatchObject({ 'incrementallearningjob.sedna.io/worker-type': 'train', 'sedna.io/round': '1', 'sedna.io/attempt': '1' });
  const containerId = pod?.status?.containerStatuses?.[0]?.containerID ?? '';
  expect(containerId).toMatch(/^process:\/\/\d+$/);
  process.kill(Number(containerId.slice('process://'.length)), 'SIGKILL');

  let job = await watch.untilCondition({ round: 1, stage: 'Train', type: 'Failed' });
  const failed = conditionsOf(job).find((c) => c.round === 1 && c.stage === 'Train' && c.type === 'Failed');
  expect(failed?.reason).toBe('PodFailed');
  expect(failed?.message).toContain(`worker pod ${run.worker} failed: container train-worker exited with code 137 (signal 9 SIGKILL)`);
  // The whole container goes with it, the worker's own process included.
  await eventually('the worker process gone', () => (isAlive(run.pid) ? undefined : true));

  // The retry: (Train, Ready) again, same round and input, attempt 2.
  job = await watch.untilCondition({ round: 1, stage: 'Train', type: 'Ready' }, (c) => c.reason === 'Retry');
  const [first, retry] = conditionsOf(job).filter((c) => c.round === 1 && c.stage === 'Train' && c.type === 'Ready');
  expect(dataOf(retry!)).toMatchObject({ attempt: 2, input: dataOf(first!).input });
  scenario.holdTraining(false);

  job = await watch.untilRoundEnds(1);
  expect(conditionSequence(job)).toMatch(exactly([JOB_START, roundPattern(1, 'Deploy', { trainFailures: 1 })]));
  expect(job.status?.lastDecision).toMatchObject({ round: 1, decision: 'Deploy' });

  // One pod per attempt; the second one trained on the round's 48 samples and reported.
  const trainPods = (await scenario.pods()).filter((p) => p.metadata?.labels?.['incrementallearningjob.sedna.io/worker-type'] === 'train');
  expect(trainPods.map((p) => [p.metadata?.labels?.['sedna.io/attempt'], p.status?.phase]).sort()).toEqual([
    ['1', 'Failed'],
    ['2', 'Succeeded'],
  ]);
  const retried = trainPods.find((p) => p.metadata?.labels?.['sedna.io/attempt'] === '2')?.metadata?.name;
  expect(scenario.trainRuns().map((r) => [r.event, r.worker, r.samples])).toEqual([
    ['start', run.worker, undefined],
    ['start', retried, undefined],
    ['end', retried, 48],
  ]);

  // No sample lost or doubled: the round files hold every appended line once, and no other round was cut.
  const { train, eval: evals } = scenario.roundFiles();
  expect([...train.keys()]).toEqual([1]);
  expect(train.get(1)).toHaveLength(48);
  expect(evals.get(1)).toHaveLength(16);
  expect([...(train.get(1) ?? []), ...(evals.get(1) ?? [])].sort()).toEqual([...scenario.appended].sort());
});
