// Kinds of learning job beside IncrementalLearningJob: `sedna apply` and `sedna describe` say whether a
// controller acts on a LifelongLearningJob, from GM Leases made by hand (fresh, expired, none);
// `sedna trigger` and `sedna logs` take KIND/NAME and refuse a bare name two kinds of job share; the
// lines `sedna up` prints cover every kind.
import fs from 'node:fs';
import path from 'node:path';
import { podLogPath } from '@sedna-ts/embedded';
import { followNotableEvents } from '../src/up/upEvents.js';
import { DATASET, JOB, LIFELONG_JOB, MODELS } from './helpers.js';
import { eventually, startTestServer, type TestServer } from './server.js';

const LEASES = '/apis/coordination.k8s.io/v1/namespaces';
const LL_JOBS = '/apis/sedna.io/v1alpha1/namespaces/default/lifelonglearningjobs';
const IL_JOBS = '/apis/sedna.io/v1alpha1/namespaces/default/incrementallearningjobs';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await t.client.request('POST', '/api/v1/namespaces', { body: { metadata: { name: 'sedna' } } });
  expect((await t.sedna(['apply', '-f', '-'], { stdin: [DATASET, MODELS, JOB].join('---\n') })).code).toBe(0);
});
afterAll(async () => {
  await t.close();
});

/** Microseconds, as Lease times are written. */
const microTime = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

/** A GM's Lease as the GM writes it: the label, the kinds it handles, its holder and last renewal. */
async function putLease(namespace: string, renewedSecondsAgo: number, kinds = 'IncrementalLearningJob') {
  await t.client.request('DELETE', `${LEASES}/${namespace}/leases/sedna-gm`).catch(() => undefined);
  await t.client.request('POST', `${LEASES}/${namespace}/leases`, {
    body: {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'sedna-gm', labels: { 'sedna.io/global-manager': 'true' }, annotations: { 'sedna.io/kinds': kinds } },
      spec: { holderIdentity: 'sedna-gm-0', leaseDurationSeconds: 15, renewTime: microTime(Date.now() - renewedSecondsAgo * 1000) },
    },
  });
}

async function deleteLeases() {
  for (const namespace of ['default', 'sedna']) await t.client.request('DELETE', `${LEASES}/${namespace}/leases/sedna-gm`).catch(() => undefined);
}

/** `sedna apply` of the LifelongLearningJob: its stderr (the apply must succeed). */
async function applyLifelong(): Promise<string> {
  const r = await t.sedna(['apply', '-f', '-'], { stdin: LIFELONG_JOB });
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^lifelonglearningjob\.sedna\.io\/atcii (created|unchanged)\n$/);
  return r.stderr;
}

/** The State line of `sedna describe ARG`. */
async function describedState(arg: string): Promise<string | undefined> {
  const r = await t.sedna(['describe', arg]);
  expect(r.code).toBe(0);
  return /^State: +(.*)$/m.exec(r.stdout)?.[1];
}

test('apply and describe say whether a controller acts on a LifelongLearningJob: a GM for other kinds, an expired Lease, no Lease', async () => {
  // The GM of a cluster (sedna/sedna-gm), handling IncrementalLearningJob only.
  await putLease('sedna', 0);
  expect(await applyLifelong()).toBe('warning: LifelongLearningJob default/atcii is stored but no controller acts on it (the global manager handles: IncrementalLearningJob)\n');
  expect(await describedState('ll/atcii')).toBe('not started: no controller acts on it (the global manager handles: IncrementalLearningJob)');
  // The IncrementalLearningJob it handles: no warning, and not started only yet.
  expect((await t.sedna(['apply', '-f', '-'], { stdin: JOB })).stderr).toBe('');
  expect(await describedState('il/helmet')).toBe('not started yet (no condition)');

  // sedna up's Lease (default/sedna-gm), last renewed 20 s ago for 15 s: no GM runs.
  await deleteLeases();
  await putLease('default', 20);
  expect(await applyLifelong()).toBe('warning: LifelongLearningJob default/atcii is stored but no global manager is running\n');
  expect(await describedState('ll/atcii')).toBe('not started: no global manager is running');

  await deleteLeases();
  expect(await applyLifelong()).toBe('warning: LifelongLearningJob default/atcii is stored but no global manager is running\n');
  // A dry run stores nothing: nothing to warn about.
  expect(await t.sedna(['apply', '-f', '-', '--dry-run', 'server'], { stdin: LIFELONG_JOB })).toMatchObject({ code: 0, stderr: '' });
  expect(await describedState('lifelonglearningjob/atcii')).toBe('not started: no global manager is running');

  // A GM that handles both kinds.
  await putLease('default', 0, 'IncrementalLearningJob,LifelongLearningJob');
  expect(await applyLifelong()).toBe('');
  expect(await describedState('ll/atcii')).toBe('not started yet (no condition)');
  await deleteLeases();
});

test('trigger and logs take KIND/NAME of a LifelongLearningJob, and its bare name', async () => {
  const triggered = await t.sedna(['trigger', 'train', 'll/atcii']);
  expect(triggered.code).toBe(0);
  const job = await t.client.get<{ metadata: { annotations?: Record<string, string> } }>(`${LL_JOBS}/atcii`);
  const value = job.metadata.annotations?.['sedna.io/trigger'];
  expect(value).toMatch(/^train@\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expect(triggered.stdout.split('\n')).toEqual([
    `lifelonglearningjob.sedna.io/atcii triggered: sedna.io/trigger=${value}`,
    'The job has no condition yet: no global manager is running. Once it is at (Train, Waiting), its local controller acts on the trigger at once.',
    'Follow it with: sedna get ll atcii -w',
    '',
  ]);
  const helmet = await t.client.get<{ metadata: { annotations?: Record<string, string> } }>(`${IL_JOBS}/helmet`);
  expect(helmet.metadata.annotations?.['sedna.io/trigger']).toBeUndefined();
  // The bare name reaches the lifelong job (an eval of a job that trained nothing is refused, naming it).
  expect((await t.sedna(['trigger', 'eval', 'atcii'])).stderr).toBe('sedna: LifelongLearningJob default/atcii: no round has trained a model yet, so there is nothing to evaluate: trigger train first\n');

  // A worker pod as the GM labels a LifelongLearningJob's.
  await t.client.request('POST', '/api/v1/namespaces/default/pods', {
    body: {
      metadata: {
        name: 'atcii-train-aaaaa',
        labels: { 'lifelonglearningjob.sedna.io/name': 'atcii', 'lifelonglearningjob.sedna.io/worker-type': 'train', 'sedna.io/round': '1', 'sedna.io/attempt': '1' },
      },
      spec: { containers: [{ name: 'worker', image: 'x' }] },
    },
  });
  const file = podLogPath(path.join(t.dir, 'pods'), 'default', 'atcii-train-aaaaa', 'worker');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'round 1 training\n');
  const expected = { code: 0, stdout: 'round 1 training\n', stderr: 'sedna: pod atcii-train-aaaaa (train, round 1, attempt 1)\n' };
  expect(await t.sedna(['logs', 'll/atcii'])).toEqual(expected);
  expect(await t.sedna(['logs', 'atcii', '--stage', 'train'])).toEqual(expected);
  expect(await t.sedna(['logs', 'll/atcii', '--stage', 'eval'])).toMatchObject({ code: 3, stderr: 'sedna: LifelongLearningJob default/atcii has no worker pod for stage eval (yet)\n' });
});

test('a bare name that is a job of two kinds is refused, naming them; KIND/NAME picks one', async () => {
  const r = await t.sedna(['apply', '-f', '-'], { stdin: LIFELONG_JOB.replace('name: atcii', 'name: helmet') });
  expect(r.code).toBe(0);
  const ambiguous = 'sedna: job "helmet" exists as IncrementalLearningJob and LifelongLearningJob: say which, e.g. ll/helmet\n';
  expect(await t.sedna(['trigger', 'train', 'helmet'])).toEqual({ code: 1, stdout: '', stderr: ambiguous });
  expect(await t.sedna(['logs', 'helmet'])).toEqual({ code: 1, stdout: '', stderr: ambiguous });
  expect((await t.sedna(['trigger', 'train', 'il/helmet'])).stdout).toMatch(/^incrementallearningjob\.sedna\.io\/helmet triggered: sedna\.io\/trigger=train@/);
  const helmet = await t.client.get<{ metadata: { annotations?: Record<string, string> } }>(`${LL_JOBS}/helmet`);
  expect(helmet.metadata.annotations?.['sedna.io/trigger']).toBeUndefined();

  expect(await t.sedna(['trigger', 'train', 'ji/helmet'])).toMatchObject({
    code: 1,
    stderr: 'sedna: JOB "ji/helmet": JointInferenceService is not a learning job: expected IncrementalLearningJob (il) or LifelongLearningJob (ll)\n',
  });
  expect(await t.sedna(['logs', 'nope'])).toMatchObject({
    code: 3,
    stderr: 'sedna: no learning job "nope" in namespace default (looked for IncrementalLearningJob and LifelongLearningJob)\n',
  });
});

test('sedna up prints the conditions and worker pods of jobs of every learning-job kind', async () => {
  const lines: string[] = [];
  const stop = new AbortController();
  const following = followNotableEvents(t.client, (line) => lines.push(line.replace(/^\S+ /, '')), stop.signal);
  try {
    for (const path of [`${IL_JOBS}/helmet`, `${LL_JOBS}/atcii`]) {
      await t.client.request('PATCH', `${path}/status`, {
        contentType: 'application/merge-patch+json',
        body: { status: { round: 1, conditions: [{ type: 'Running', status: 'True', stage: 'Train', round: 1 }] } },
      });
    }
    await eventually(() =>
      expect(lines).toEqual(
        expect.arrayContaining([
          'job default/helmet: round 1 Train Running\n',
          'job default/atcii: round 1 Train Running\n',
          'pod default/atcii-train-aaaaa (train, round 1, attempt 1): Pending\n',
        ]),
      ),
    );
  } finally {
    stop.abort();
    await following;
  }
});

test('get and describe ll show the knowledge base: task models with metrics and samples, unseen counts, the serving index and the last decision', async () => {
  await applyLifelong();
  const job = await t.client.get<Record<string, unknown>>(`${LL_JOBS}/atcii`);
  const status = {
    round: 2,
    conditions: [
      { type: 'Ready', status: 'True', stage: 'Deploy', round: 1, data: JSON.stringify({ input: { models: [{ format: 'json', url: '/output/atcii/deploy/index.json', create_time: '2026-12-05T00:30:00.000Z' }] } }) },
      { type: 'Completed', status: 'True', stage: 'Deploy', round: 1, data: '{"attempt":1}' },
      { type: 'Completed', status: 'True', stage: 'Deploy', round: 2, data: JSON.stringify({ output: { ownerInfo: { reason: 'no task group changed in round 2; the serving index stays' } } }) },
      { type: 'Waiting', status: 'True', stage: 'Train', round: 2, lastTransitionTime: '2026-12-05T01:00:00Z', data: '{"attempt":1}' },
    ],
    knowledgeBase: {
      AIModels: {
        numberOfAIModels: 2,
        listOfAIModels: [
          { modelID: 'Summer_AC@r1', averagePrecision: 0.91, numberOfTrainSamples: 410, task: 'Summer_AC', metrics: { accuracy: 0.91 }, round: 1 },
          { modelID: 'Spring_NV@r2', averagePrecision: 0.88, numberOfTrainSamples: 120, task: 'Spring_NV', metrics: { accuracy: 0.88 }, round: 2 },
        ],
      },
      AIClasses: { numberOfAIClasses: 0, listOfAIClasses: [] },
      samples: { numberOfLabeledUnseenSample: 120, numberOfUnseenSample: 7 },
    },
    servingIndex: { url: '/output/atcii/deploy/index.json', createTime: '2026-12-05T00:59:00.000Z', round: 2 },
    lastDecision: {
      round: 2,
      decision: 'Deploy',
      reason: 'task groups Spring_NV changed',
      deployed: ['Spring_NV'],
      dropped: [{ task: 'Summer_AC', modelID: 'Summer_AC@r2', scores: { accuracy: 0.2 }, reason: 'accuracy 0.2 < 0.5' }],
      index: { url: '/output/atcii/deploy/index.json', createTime: '2026-12-05T00:59:00.000Z' },
      time: '2026-12-05T01:00:00Z',
    },
  };
  await t.client.request('PUT', `${LL_JOBS}/atcii/status`, { body: { ...job, status } });
  const got = await t.sedna(['get', 'll', '-o', 'wide']);
  expect(got.code).toBe(0);
  expect(got.stdout.split('\n')[0]).toMatch(/^NAME\s+STAGE\s+STATUS\s+ROUND\s+MODELS\s+UNSEEN\s+SERVING\s+AGE$/);
  expect(got.stdout.split('\n')[1]).toMatch(/^atcii\s+Train\s+Waiting\s+2\s+2\s+7\s+2\s+/);
  const described = await t.sedna(['describe', 'll/atcii']);
  expect(described.code).toBe(0);
  expect(described.stdout).toContain('Serving Index:  /output/atcii/deploy/index.json (round 2, create_time 2026-12-05T00:59:00.000Z)');
  expect(described.stdout).toMatch(/Knowledge Base:\n  Models: +2\n  Unseen Samples \(edge\): +7\n  Labelled Unseen Learnt: +120\n  TASK +MODEL +ROUND +TRAIN SAMPLES +ACCURACY\n  Summer_AC +Summer_AC@r1 +1 +410 +0\.91\n  Spring_NV +Spring_NV@r2 +2 +120 +0\.88\n/);
  expect(described.stdout).toMatch(/Rounds:\n  ROUND +DECISION +INDEX +REASON\n  1 +Deploy +2026-12-05T00:30:00\.000Z *\n  2 +Keep +no task group changed in round 2; the serving index stays\n  Round: +2\n  Decision: +Deploy\n  Reason: +task groups Spring_NV changed\n  Deployed: +Spring_NV\n  Dropped: +Summer_AC \(Summer_AC@r2\): accuracy 0\.2 < 0\.5\n/);
});

test('apply warns before storing a job whose outputDir overlaps another job\'s: the GM refuses the later one', async () => {
  const clash = LIFELONG_JOB.replace('name: atcii', 'name: clash').replace('outputDir: /output', 'outputDir: /srv/helmet-output/');
  const r = await t.sedna(['apply', '-f', '-'], { stdin: clash });
  expect(r.code).toBe(0);
  expect(r.stderr.split('\n')[0]).toBe(
    'warning: LifelongLearningJob default/clash: spec.outputDir "/srv/helmet-output/" is also the outputDir of IncrementalLearningJob default/helmet ("/srv/helmet-output"): the global manager refuses the later of the two jobs (InvalidSpec)',
  );
  // Applied again, unchanged: the same warning, not one about itself.
  expect((await t.sedna(['apply', '-f', '-'], { stdin: clash })).stderr.split('\n').filter((l) => l.includes('outputDir'))).toHaveLength(1);
  expect((await t.sedna(['delete', 'll', 'clash'])).code).toBe(0);
});
