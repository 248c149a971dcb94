import { JOB_PATH, startJobServer, type TestServer } from './server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startJobServer();
});
afterAll(async () => {
  await t.close();
});

/** The job at (stage, type) of `round`, after a round 1 that trained a model. */
async function setLatest(stage: string, type: string, round: number) {
  const trained = { type: 'Completed', status: 'True', stage: 'Train', round: 1, data: JSON.stringify({ output: { models: [{ format: 'onnx', url: '/srv/helmet-output/train/1/model.onnx' }] } }) };
  await t.client.request('PATCH', `${JOB_PATH}/status`, {
    contentType: 'application/merge-patch+json',
    body: { status: { round, conditions: [trained, { type, status: 'True', stage, round }] } },
  });
}

async function annotation(): Promise<string | undefined> {
  const job = await t.client.get<{ metadata: { annotations?: Record<string, string> } }>(JOB_PATH);
  return job.metadata.annotations?.['sedna.io/trigger'];
}

test('trigger train sets sedna.io/trigger to train@<RFC3339 time> and says the LC acts at once', async () => {
  await setLatest('Train', 'Waiting', 2);
  const before = Math.floor(Date.now() / 1000) * 1000;
  const r = await t.sedna(['trigger', 'train', 'helmet']);
  expect(r.code).toBe(0);
  const value = await annotation();
  expect(value).toMatch(/^train@\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expect(Date.parse(value!.slice('train@'.length))).toBeGreaterThanOrEqual(before);
  expect(r.stdout.split('\n')[0]).toBe(`incrementallearningjob.sedna.io/helmet triggered: sedna.io/trigger=${value}`);
  // Which context and server it acted on, before it did.
  expect(r.stderr).toBe(`sedna: trigger on context "sedna-embedded" at ${t.client.server} (from --kubeconfig)\n`);
  expect(r.stdout).toContain("round 3's train file");
  expect(r.stdout).toContain('without waiting for the trigger condition or the check period');
});

test('trigger eval on an idle job starts a new round at eval; deploy says the gate is bypassed', async () => {
  await setLatest('Train', 'Waiting', 2);
  const evalRun = await t.sedna(['trigger', 'eval', 'helmet']);
  expect(await annotation()).toMatch(/^eval@/);
  expect(evalRun.stdout).toContain('starts round 3 at (Eval, Waiting) with reason ManualTrigger');
  await setLatest('Eval', 'Running', 3);
  const deployRun = await t.sedna(['trigger', 'deploy', 'helmet']);
  expect(await annotation()).toMatch(/^deploy@/);
  expect(deployRun.stdout).toContain('the annotation stays until Deploy is Waiting');
  expect(deployRun.stdout).toContain('ManualDeploy');
});

test('a job that does not exist exits 3; a stage that does not exist exits 2', async () => {
  expect(await t.sedna(['trigger', 'train', 'nope'])).toMatchObject({ code: 3, stderr: 'sedna: no learning job "nope" in namespace default (looked for IncrementalLearningJob and LifelongLearningJob)\n' });
  expect(await t.sedna(['trigger', 'infer', 'helmet'])).toMatchObject({ code: 2, stderr: 'sedna: trigger "infer": expected train, eval, deploy\n' });
  expect((await t.sedna(['trigger', 'train'])).code).toBe(2);
});

test('eval or deploy of a job that trained nothing is refused (exit 1): the GM would ignore it', async () => {
  await t.client.request('PATCH', `${JOB_PATH}/status`, { contentType: 'application/merge-patch+json', body: { status: { round: 0, conditions: [{ type: 'Waiting', status: 'True', stage: 'Train', round: 0 }] } } });
  await t.client.request('PATCH', JOB_PATH, { contentType: 'application/merge-patch+json', body: { metadata: { annotations: { 'sedna.io/trigger': null } } } });
  const r = await t.sedna(['trigger', 'deploy', 'helmet']);
  expect(r).toMatchObject({ code: 1, stderr: 'sedna: IncrementalLearningJob default/helmet: no round has trained a model yet, so there is nothing to deploy: trigger train first\n' });
  expect(await annotation()).toBeUndefined();
});

test('a held job says what holds it; a completed job refuses the trigger (exit 1) and keeps no annotation', async () => {
  await t.client.request('PATCH', `${JOB_PATH}/status`, {
    contentType: 'application/merge-patch+json',
    body: { status: { round: 0, conditions: [{ type: 'Waiting', status: 'True', stage: 'Train', round: 0, message: 'waiting for the local controller of node far-node to connect' }] } },
  });
  const held = await t.sedna(['trigger', 'train', 'helmet']);
  expect(held.code).toBe(0);
  expect(held.stdout.split('\n')[1]).toBe('The job is at (Train, Waiting) in round 0 and held: waiting for the local controller of node far-node to connect. Once that is resolved, its local controller acts on the trigger.');

  await t.client.request('PATCH', JOB_PATH, { contentType: 'application/merge-patch+json', body: { metadata: { annotations: { 'sedna.io/trigger': null } } } });
  await t.client.request('PATCH', `${JOB_PATH}/status`, { contentType: 'application/merge-patch+json', body: { status: { completionTime: '2026-12-05T01:00:00Z' } } });
  const done = await t.sedna(['trigger', 'train', 'helmet']);
  expect(done.code).toBe(1);
  expect(done.stderr).toContain('IncrementalLearningJob default/helmet completed at 2026-12-05T01:00:00Z: a trigger would have no effect; raise spec.maxRounds to run more rounds');
  expect(await annotation()).toBeUndefined();
});
