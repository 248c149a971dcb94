import fs from 'node:fs';
import path from 'node:path';
import { podLogPath } from '@sedna-ts/embedded';
import { LineRedactor } from '../src/commands/logs.js';
import { DATASET, JOB, MODELS } from './helpers.js';
import { eventually, startTestServer, type TestServer } from './server.js';

let t: TestServer;
const PODS = '/api/v1/namespaces/default/pods';

/** A worker pod as the GM labels it, with its log file written where the node agent writes it. */
async function workerPod(name: string, type: string, round: number, log: string) {
  await t.client.request('POST', PODS, {
    body: {
      metadata: {
        name,
        labels: {
          'incrementallearningjob.sedna.io/name': 'helmet',
          'incrementallearningjob.sedna.io/worker-type': type,
          'sedna.io/round': String(round),
          'sedna.io/attempt': '1',
        },
      },
      spec: { containers: [{ name: 'worker', image: 'sedna-ts/worker-node:0.1' }] },
    },
  });
  const file = podLogPath(path.join(t.dir, 'pods'), 'default', name, 'worker');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, log);
  return file;
}

beforeAll(async () => {
  t = await startTestServer();
  expect((await t.sedna(['apply', '-f', '-'], { stdin: [DATASET, MODELS, JOB].join('---\n') })).code).toBe(0);
  await workerPod('helmet-train-aaaaa', 'train', 1, 'round 1 training\nepoch 1 loss 0.9\n');
  await workerPod('helmet-eval-bbbbb', 'eval', 1, 'round 1 eval\n');
  // A second later, so it is the latest pod by creation time.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await workerPod('helmet-train-0000c', 'train', 2, 'round 2 training\n');
});
afterAll(async () => {
  await t.close();
});

test('logs JOB prints the log of the latest worker pod, and names it on stderr', async () => {
  const r = await t.sedna(['logs', 'helmet']);
  expect(r).toEqual({ code: 0, stdout: 'round 2 training\n', stderr: 'sedna: pod helmet-train-0000c (train, round 2, attempt 1)\n' });
});

test('--stage and --round pick the worker', async () => {
  expect((await t.sedna(['logs', 'helmet', '--stage', 'train', '--round', '1'])).stdout).toBe('round 1 training\nepoch 1 loss 0.9\n');
  expect((await t.sedna(['logs', 'helmet', '--stage', 'eval'])).stdout).toBe('round 1 eval\n');
  expect((await t.sedna(['logs', 'helmet', '--round', '1', '--tail', '1'])).stdout).toMatch(/^(epoch 1 loss 0.9|round 1 eval)\n$/);
});

test('-f prints what the worker appends until its pod finishes', async () => {
  const file = podLogPath(path.join(t.dir, 'pods'), 'default', 'helmet-train-0000c', 'worker');
  let seen = '';
  const following = t.sedna(['logs', 'helmet', '-f'], { onStdout: (all) => (seen = all) });
  await eventually(() => expect(seen).toBe('round 2 training\n'));
  fs.appendFileSync(file, 'epoch 1 loss 0.5\n');
  await eventually(() => expect(seen).toBe('round 2 training\nepoch 1 loss 0.5\n'));
  await t.client.request('PATCH', `${PODS}/helmet-train-0000c/status`, {
    contentType: 'application/merge-patch+json',
    body: { status: { phase: 'Succeeded' } },
  });
  expect(await following).toMatchObject({ code: 0, stdout: 'round 2 training\nepoch 1 loss 0.5\n' });
});

test('a job without such a worker, or no such job, exits 3; a wrong stage exits 2', async () => {
  expect(await t.sedna(['logs', 'helmet', '--round', '9'])).toMatchObject({ code: 3, stderr: 'sedna: IncrementalLearningJob default/helmet has no worker pod for round 9 (yet)\n' });
  expect(await t.sedna(['logs', 'nope'])).toMatchObject({ code: 3, stderr: 'sedna: no learning job "nope" in namespace default (looked for IncrementalLearningJob and LifelongLearningJob)\n' });
  expect((await t.sedna(['logs', 'helmet', '--stage', 'build'])).code).toBe(2);
  expect((await t.sedna(['logs', 'helmet', '--round', 'two'])).code).toBe(2);
});

test('a token a worker printed is redacted, whatever is glued to it; everything else comes out byte for byte', async () => {
  const token = `sw1.${'a'.repeat(40)}.${'B_-9'.repeat(10)}`;
  await workerPod('helmet-eval-eeeee', 'eval', 5, `token ${token}\nx_${token} and Bearer ${token}\n\x1b[31mred\x1b[0m\n`);
  const r = await t.sedna(['logs', 'helmet', '--stage', 'eval', '--round', '5']);
  expect(r.code).toBe(0);
  expect(r.stdout).not.toContain('aaaaaaaa');
  expect(r.stdout).toBe('token sw1.<redacted>\nx_sw1.<redacted> and Bearer sw1.<redacted>\n\x1b[31mred\x1b[0m\n');
});

test('LineRedactor: a token split across chunks is redacted whole; bytes that are not UTF-8 pass unchanged', () => {
  const out: Buffer[] = [];
  const redactor = new LineRedactor((bytes) => out.push(bytes));
  const token = `sw1.${'c'.repeat(30)}.${'d'.repeat(30)}`;
  redactor.push(Buffer.concat([Buffer.from([0xff, 0xfe, 0x20]), Buffer.from(token.slice(0, 20))]));
  redactor.push(Buffer.from(`${token.slice(20)}\npartial`));
  redactor.end();
  expect(Buffer.concat(out)).toEqual(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(' sw1.<redacted>\npartial')]));
});
