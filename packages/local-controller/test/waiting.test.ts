/**
 * What a waiting train stage waits for, as the LC tells the GM (status `Waiting`, phase Train, with the
 * reason): the samples against the threshold, the timer window and the time now, a missing index.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pino } from 'pino';
import { startLocalController, type LocalController } from '../src/index.js';
import { FakeGm, waitFor, waitForJobs } from './helpers/fakeGm.js';
import { condition, dataset, job, model, withConditions } from './helpers/objects.js';
import { withSampleFiles } from './helpers/samples.js';

let dir: string;
let gm: FakeGm;
let lc: LocalController;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lc-waiting-'));
  await mkdir(join(dir, 'data'), { recursive: true });
  await mkdir(join(dir, 'models'), { recursive: true });
  await writeFile(join(dir, 'models', 'initial.ckpt'), 'initial');
  await writeFile(join(dir, 'models', 'deploy.onnx'), 'deployed');
  gm = await FakeGm.start();
  lc = await startLocalController({ nodeName: 'edge-1', gmUrl: gm.url, nodeToken: gm.nodeToken, dataDir: join(dir, 'lc'), timeZone: 'UTC', logger: pino({ level: 'silent' }) });
  expect(await lc.waitForGm()).toBe(true);
  gm.insert(model('initial-model', join(dir, 'models', 'initial.ckpt'), 'ckpt'));
  gm.insert(model('deploy-model', join(dir, 'models', 'deploy.onnx'), 'onnx'));
});

afterAll(async () => {
  await lc?.stop();
  await gm?.close();
  await rm(dir, { recursive: true, force: true });
});

const waitingOf = (name: string) => gm.jobMessages().filter((m) => m.name === name && m.phase === 'Train' && m.status === 'Waiting');

test('outside the timer window: the window and the time now, once the samples are enough', async () => {
  const index = join(dir, 'data', 'timer', 'index.txt');
  await mkdir(dirname(index), { recursive: true });
  await writeFile(index, `${(await withSampleFiles(dirname(index), ['a.png 1', 'b.png 1', 'c.png 1'])).join('\n')}\n`);
  gm.insert(dataset('timer-data', index, 'edge-1'));
  // A window two to three hours from now (UTC): the trigger cannot fire during this test.
  const hh = (offset: number) => `${String((new Date().getUTCHours() + offset) % 24).padStart(2, '0')}:00`;
  const base = job({ name: 'timer-job', dataset: 'timer-data', outputDir: join(dir, 'out-timer'), threshold: 2, trainProb: 1 });
  base.spec.trainSpec.trigger.timer = { start: hh(2), end: hh(3) };
  gm.insert(withConditions(base, 0, [condition('Train', 'Waiting', 0)]));
  await waitForJobs(lc.url);
  const last = await waitFor(() => waitingOf('timer-job').find((m) => /^timer /.test(m.reason ?? '')), 'the timer reason');
  expect(last).toMatchObject({ round: 0 });
  expect(last.reason).toMatch(new RegExp(`^timer ${hh(2)}-${hh(3)}, now \\d\\d:\\d\\d$`));
  expect(gm.jobMessages().filter((m) => m.name === 'timer-job' && m.status === 'Ready')).toEqual([]);
});

test('no index yet: the path, and the samples against the threshold; then the count as samples arrive', async () => {
  const index = join(dir, 'data', 'later', 'index.txt');
  await mkdir(dirname(index), { recursive: true });
  gm.insert(dataset('later-data', index, 'edge-1'));
  gm.insert(withConditions(job({ name: 'later-job', dataset: 'later-data', outputDir: join(dir, 'out-later'), threshold: 5, trainProb: 1 }), 0, [condition('Train', 'Waiting', 0)]));
  await waitForJobs(lc.url);
  await waitFor(() => waitingOf('later-job').find((m) => m.reason === `no index at ${index}; 0 of 5 samples (num_of_samples >= 5)`), 'the missing index said');
  await appendFile(index, `${(await withSampleFiles(dirname(index), ['a.png 1', 'b.png 1'])).join('\n')}\n`);
  await waitFor(() => waitingOf('later-job').find((m) => m.reason === '2 of 5 samples (num_of_samples >= 5)'), 'the count said');
});
