// `sedna wait` and `sedna version` against a real embedded API server.
import { JOB, run } from './helpers.js';
import { JOB_PATH, startJobServer, type TestServer } from './server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startJobServer();
});
afterAll(async () => {
  await t.close();
});

/** Records conditions on the job as a GM would. */
async function setStatus(round: number, conditions: Array<{ stage: string; type: string; round: number }>) {
  await t.client.request('PATCH', `${JOB_PATH}/status`, {
    contentType: 'application/merge-patch+json',
    body: { status: { round, conditions: conditions.map((c) => ({ ...c, status: 'True' })) } },
  });
}

const NO_DOOMED = 'sedna: no learning job "doomed" in namespace default (looked for IncrementalLearningJob and LifelongLearningJob): nothing to wait for\n';

/** Runs `sedna wait` until it has read the job once (its watch is then open), then runs `change`. */
async function waitWhile(args: string[], change: () => Promise<void>) {
  const waiting = t.sedna(['wait', ...args]);
  // The wait reads the job, then watches from that version: a change before or after its read reaches it.
  await new Promise((resolve) => setImmediate(resolve));
  await change();
  return waiting;
}

test('--for=stage=Deploy,type=Completed: met when the round the job is at (or a later one) completes Deploy', async () => {
  await setStatus(2, [
    { stage: 'Deploy', type: 'Completed', round: 1 },
    { stage: 'Train', type: 'Running', round: 2 },
  ]);
  const r = await waitWhile(['helmet', '--for=stage=Deploy,type=Completed', '--timeout', '20s'], () =>
    setStatus(2, [
      { stage: 'Deploy', type: 'Completed', round: 1 },
      { stage: 'Deploy', type: 'Completed', round: 2 },
    ]),
  );
  expect(r).toEqual({ code: 0, stdout: 'incrementallearningjob.sedna.io/helmet condition met\n', stderr: '' });
  // round=1 is already met; stage and type are read case-insensitively.
  expect((await t.sedna(['wait', 'il/helmet', '--for=stage=deploy,type=completed,round=1'])).code).toBe(0);
});

test('a wait that is not met exits 5 at --timeout, saying what it waited for and where the job is', async () => {
  await setStatus(3, [{ stage: 'Train', type: 'Running', round: 3 }]);
  const r = await t.sedna(['wait', 'helmet', '--for=stage=Deploy,type=Completed', '--timeout', '1s']);
  expect(r).toEqual({
    code: 5,
    stdout: '',
    stderr: 'sedna: timed out after 1s waiting for incrementallearningjob.sedna.io/helmet (namespace default): stage=Deploy,type=Completed; now: round 3, Train Running\n',
  });
  const path = await t.sedna(['wait', 'helmet', "--for=jsonpath={.status.round}=4", '--timeout', '0']);
  expect(path).toEqual({ code: 5, stdout: '', stderr: 'sedna: timed out after 0s waiting for incrementallearningjob.sedna.io/helmet (namespace default): {.status.round}=4; now: {.status.round} is "3"\n' });
});

test("--for=jsonpath='{...}'=VALUE, and a path that only has to have a value", async () => {
  await setStatus(3, [{ stage: 'Train', type: 'Running', round: 3 }]);
  const r = await waitWhile(['helmet', '--for=jsonpath={.status.round}=4', '--timeout', '20s'], () => setStatus(4, [{ stage: 'Train', type: 'Waiting', round: 4 }]));
  expect(r).toEqual({ code: 0, stdout: 'incrementallearningjob.sedna.io/helmet condition met\n', stderr: '' });
  expect((await t.sedna(['wait', 'helmet', '--for=jsonpath={.spec.outputDir}'])).code).toBe(0);
  expect((await t.sedna(['wait', 'helmet', '--for=jsonpath={.spec.nope}', '--timeout', '0'])).code).toBe(5);
});

test('--for=delete: met once the job is gone (at once for a job that does not exist)', async () => {
  await t.sedna(['apply', '-f', '-'], { stdin: JOB.replace('name: helmet\n', 'name: doomed\n') });
  const r = await waitWhile(['doomed', '--for=delete', '--timeout', '20s'], async () => {
    await t.client.request('DELETE', JOB_PATH.replace(/helmet$/, 'doomed'));
  });
  // Deleted while it watched, or (the test cannot order it) before its first read.
  expect([{ code: 0, stdout: 'incrementallearningjob.sedna.io/doomed deleted\n', stderr: '' }, { code: 0, stdout: '', stderr: NO_DOOMED }]).toContainEqual(r);
  // A job that never existed (or is gone already) is not said to be deleted: it does not exist.
  expect(await t.sedna(['wait', 'doomed', '--for=delete'])).toEqual({ code: 0, stdout: '', stderr: NO_DOOMED });
});

test('a job deleted while waiting for a stage or a field: exit 3 at once, saying so', async () => {
  await t.sedna(['apply', '-f', '-'], { stdin: JOB.replace('name: helmet\n', 'name: doomed\n') });
  const started = Date.now();
  const r = await waitWhile(['il/doomed', '--for=stage=Deploy,type=Completed', '--timeout', '60s'], async () => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    await t.client.request('DELETE', JOB_PATH.replace(/helmet$/, 'doomed'));
  });
  expect(r).toEqual({ code: 3, stdout: '', stderr: 'sedna: incrementallearningjob.sedna.io/doomed (namespace default) was deleted while waiting for stage=Deploy,type=Completed\n' });
  expect(Date.now() - started).toBeLessThan(30_000);
});

test('bad --for values are usage errors; a job that does not exist is not found', async () => {
  expect(await t.sedna(['wait', 'helmet', '--for=stage=Deploy'])).toMatchObject({ code: 2, stderr: 'sedna: --for "stage=Deploy": type=TYPE is missing (Waiting, Ready, Starting, Running, Completed, Failed)\n' });
  expect(await t.sedna(['wait', 'helmet', '--for=stage=Infer,type=Running'])).toMatchObject({ code: 2, stderr: 'sedna: --for stage="Infer": expected Train, Eval, Deploy\n' });
  expect(await t.sedna(['wait', 'helmet', '--for=condition=Ready'])).toMatchObject({ code: 2 });
  expect(await t.sedna(['wait', 'helmet', '--for=jsonpath=.status.round'])).toMatchObject({ code: 2 });
  expect((await t.sedna(['wait', 'helmet'])).stderr).toContain("sedna: required option '--for <condition>' not specified");
  expect(await t.sedna(['wait', 'nope', '--for=stage=Train,type=Running'])).toMatchObject({ code: 3 });
});

test('version: the client, and the server it talks to; --client asks no server', async () => {
  const r = await t.sedna(['version']);
  expect(r).toEqual({ code: 0, stdout: 'Client Version: 0.1.0\nServer Version: v1.32.0+sedna-embedded-0.1.0\n', stderr: '' });
  const json = JSON.parse((await t.sedna(['version', '-o', 'json'])).stdout) as { clientVersion: { sednaVersion: string }; serverVersion: { gitVersion: string } };
  expect([json.clientVersion.sednaVersion, json.serverVersion.gitVersion]).toEqual(['0.1.0', 'v1.32.0+sedna-embedded-0.1.0']);
  const unreachable = await run(['version', '--data-dir', '/nonexistent-sedna']);
  expect(unreachable).toEqual({ code: 4, stdout: 'Client Version: 0.1.0\n', stderr: 'sedna: no API server in /nonexistent-sedna (it has no kubeconfig): start it with `sedna up --data-dir /nonexistent-sedna`\n' });
  const alone = await run(['version', '--client', '--data-dir', '/nonexistent-sedna']);
  expect(alone).toEqual({ code: 0, stdout: 'Client Version: 0.1.0\n', stderr: '' });
});
