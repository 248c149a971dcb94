// `sedna rollback` against the embedded API server with no GM: what it sets, and how it waits (the GM's
// side is in the controller's tests, the whole loop in e2e/test/incrementalLearning.test.ts).
import { JOB_PATH, startJobServer, type TestServer } from './server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startJobServer();
});
afterAll(async () => {
  await t.close();
});

async function annotation(): Promise<string | undefined> {
  const job = await t.client.get<{ metadata: { annotations?: Record<string, string> } }>(JOB_PATH);
  return job.metadata.annotations?.['sedna.io/rollback'];
}

test('--wait=0 sets sedna.io/rollback to previous@<time> (or N@<time>), names the server, and returns at once', async () => {
  const r = await t.sedna(['rollback', 'helmet', '--wait=0']);
  expect(r.code).toBe(0);
  const value = await annotation();
  expect(value).toMatch(/^previous@\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  expect(r.stdout).toMatch(new RegExp(`^incrementallearningjob\\.sedna\\.io/helmet \\(namespace default, context "[^"]+" at https://127\\.0\\.0\\.1:\\d+ \\(from --kubeconfig\\)\\): sedna\\.io/rollback=${value}\\n`));
  expect(r.stdout).toContain('Not waiting (--wait=0); the outcome will be in status.lastRollback: sedna describe il helmet');
  await t.sedna(['rollback', 'il/helmet', '--to-round', '2', '--wait', '0s']);
  expect(await annotation()).toMatch(/^2@/);
});

test('no outcome within --wait: exit 5 saying what it waited for; the request stays', async () => {
  const r = await t.sedna(['rollback', 'helmet', '--to-round', '1', '--wait', '1s']);
  expect(r.code).toBe(5);
  expect(r.stderr).toMatch(/^rollback 1@\S+: no outcome within 1 s \(--wait\); the global manager has not answered it \(is it running\?\)\. The request stays; follow it with: sedna describe il helmet\n$/);
  expect(await annotation()).toMatch(/^1@/);
});

test('the outcome the GM writes ends the wait: Refused exits 1 with the reason, Done exits 0', async () => {
  const run = t.sedna(['rollback', 'helmet', '--to-round', '0', '--wait', '30s']);
  let value: string | undefined;
  for (let i = 0; i < 200 && !(value = await annotation())?.startsWith('0@'); i++) await new Promise((r) => setTimeout(r, 50));
  await t.client.request('PATCH', `${JOB_PATH}/status`, {
    contentType: 'application/merge-patch+json',
    body: { status: { lastRollback: { requested: value, result: 'Refused', reason: "the initial model (/m.onnx) is the one serving now", time: new Date().toISOString() } } },
  });
  expect(await run).toMatchObject({ code: 1, stderr: 'sedna: rollback refused: the initial model (/m.onnx) is the one serving now\n' });

  const done = t.sedna(['rollback', 'helmet', '--wait', '30s']);
  for (let i = 0; i < 200 && !(value = await annotation())?.startsWith('previous@'); i++) await new Promise((r) => setTimeout(r, 50));
  await t.client.request('PATCH', `${JOB_PATH}/status`, {
    contentType: 'application/merge-patch+json',
    body: { status: { lastRollback: { requested: value, result: 'Done', reason: 'round 4 deployed the model of round 2 again (/o/train/2/model.onnx)', round: 4, to: 2, time: new Date().toISOString() } } },
  });
  const r = await done;
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('rolled back: round 4 deployed the model of round 2 again (/o/train/2/model.onnx)\n');
});

test('a request replaced by another before the GM took it exits 1 saying so; one whose round ran is answered from that round', async () => {
  const run = t.sedna(['rollback', 'helmet', '--to-round', '1', '--wait', '30s']);
  let value: string | undefined;
  for (let i = 0; i < 200 && !(value = await annotation())?.startsWith('1@'); i++) await new Promise((r) => setTimeout(r, 50));
  await t.client.request('PATCH', JOB_PATH, { contentType: 'application/merge-patch+json', body: { metadata: { annotations: { 'sedna.io/rollback': 'previous@2025-01-01T00:00:00Z' } } } });
  expect(await run).toMatchObject({ code: 1, stderr: `rollback ${value}: replaced by the request previous@2025-01-01T00:00:00Z before the global manager acted on it; nothing was done for it\n` });

  // Two requests in a row: the GM ran the first in round 7 and now answers the second in lastRollback.
  const second = t.sedna(['rollback', 'helmet', '--to-round', '2', '--wait', '30s']);
  for (let i = 0; i < 200 && !(value = await annotation())?.startsWith('2@'); i++) await new Promise((r) => setTimeout(r, 50));
  const at = '2025-01-01T00:20:00Z';
  const rollbackData = JSON.stringify({ round: 7, attempt: 1, rollback: { requested: value, to: 2, toTrainedIn: 2, from: 1 } });
  const decision = JSON.stringify({ round: 7, decision: { round: 7, decision: 'Rollback', reason: 'x', metric: '', operator: '>', threshold: 0, compared: {}, time: at } });
  await t.client.request('PATCH', `${JOB_PATH}/status`, {
    contentType: 'application/merge-patch+json',
    body: {
      status: {
        conditions: [
          { type: 'Waiting', status: 'True', stage: 'Deploy', round: 7, reason: 'Rollback', data: rollbackData, lastTransitionTime: at },
          { type: 'Ready', status: 'True', stage: 'Deploy', round: 7, data: decision, lastTransitionTime: at },
          { type: 'Completed', status: 'True', stage: 'Deploy', round: 7, lastTransitionTime: at },
        ],
        lastRollback: { requested: 'previous@2025-01-01T00:21:00Z', result: 'Pending', reason: 'waits', time: at },
      },
    },
  });
  await t.client.request('PATCH', JOB_PATH, { contentType: 'application/merge-patch+json', body: { metadata: { annotations: { 'sedna.io/rollback': 'previous@2025-01-01T00:21:00Z' } } } });
  const r = await second;
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('rolled back: round 7 deployed the model of round 2 again\n');
});

test('bad flags exit 2 naming the value; a job that does not exist exits 3', async () => {
  expect(await t.sedna(['rollback', 'helmet', '--to-round', 'last'])).toMatchObject({ code: 2, stderr: 'sedna: --to-round "last": expected a round number (0: the job\'s initial model)\n' });
  expect(await t.sedna(['rollback', 'helmet', '--wait', 'soon'])).toMatchObject({ code: 2, stderr: 'sedna: --wait "soon": expected a duration such as 30s, 1m or 500ms\n' });
  expect((await t.sedna(['rollback', 'nope', '--wait=0'])).code).toBe(3);
});
