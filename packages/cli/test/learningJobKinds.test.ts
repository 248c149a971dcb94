// Kinds of learning job beside IncrementalLearningJob: `sedna trigger` and `sedna logs` take KIND/NAME
// and refuse a bare name two kinds of job share; the lines `sedna up` prints cover every kind.
import fs from 'node:fs';
import path from 'node:path';
import { podLogPath } from '@sedna-ts/embedded';
import { followNotableEvents } from '../src/upEvents.js';
import { DATASET, JOB, LIFELONG_JOB, MODELS } from './helpers.js';
import { eventually, startTestServer, type TestServer } from './server.js';

const LL_JOBS = '/apis/sedna.io/v1alpha1/namespaces/default/lifelonglearningjobs';
const IL_JOBS = '/apis/sedna.io/v1alpha1/namespaces/default/incrementallearningjobs';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  expect((await t.sedna(['apply', '-f', '-'], { stdin: [DATASET, MODELS, JOB, LIFELONG_JOB].join('---\n') })).code).toBe(0);
});
afterAll(async () => {
  await t.close();
});

test('trigger and logs take KIND/NAME of a LifelongLearningJob, and its bare name', async () => {
  const triggered = await t.sedna(['trigger', 'train', 'll/atcii']);
  expect(triggered.code).toBe(0);
  const job = await t.client.get<{ metadata: { annotations?: Record<string, string> } }>(`${LL_JOBS}/atcii`);
  const value = job.metadata.annotations?.['sedna.io/trigger'];
  expect(value).toMatch(/^train@\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expect(triggered.stdout.split('\n')).toEqual([
    `lifelonglearningjob.sedna.io/atcii triggered: sedna.io/trigger=${value}`,
    'The job has no condition yet (is the global manager running?). Once it is at (Train, Waiting), its local controller acts on the trigger at once.',
    'Follow it with: sedna get ll atcii -w',
    '',
  ]);
  const helmet = await t.client.get<{ metadata: { annotations?: Record<string, string> } }>(`${IL_JOBS}/helmet`);
  expect(helmet.metadata.annotations?.['sedna.io/trigger']).toBeUndefined();
  expect((await t.sedna(['trigger', 'eval', 'atcii'])).stdout).toMatch(/^lifelonglearningjob\.sedna\.io\/atcii triggered: sedna\.io\/trigger=eval@/);

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
