/**
 * A Dataset whose index is in S3 (s3rver here): the LC keeps a copy of the index fetched with its own S3
 * settings, counts it like a host-path index (the count follows the object as it is replaced), and a
 * round of it carries a data index (`dataIndexURL`: the index's S3 folder, then the round's sample
 * paths) so the worker pod's storage initializer fetches the round's samples from S3.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import S3rver from 's3rver';
import Account from 's3rver/lib/models/account.js';
import { startLocalController, type LocalController } from '../src/index.js';
import { FakeGm, waitFor, waitForJobs } from './helpers/fakeGm.js';
import { condition, dataset, job, model, withConditions } from './helpers/objects.js';

const ACCESS_KEY_ID = 'AKIDSEDNALCTEST01';
const SECRET_ACCESS_KEY = 'sedna-lc-remote-dataset-secret';
Account.DUMMY_ACCOUNT.createKeyPair(ACCESS_KEY_ID, SECRET_ACCESS_KEY);
const URL = 's3://datasets/tabular/index.txt';

let dir: string;
let s3: S3rver;
let client: S3Client;
let gm: FakeGm;
let lc: LocalController;
let endpoint: string;

const putIndex = (lines: string[]) => client.send(new PutObjectCommand({ Bucket: 'datasets', Key: 'tabular/index.txt', Body: lines.map((l) => `${l}\n`).join('') }));
const samples = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `samples/${from + i}.txt ${(from + i) % 2}`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lc-remote-'));
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(dir, 's3'), configureBuckets: [{ name: 'datasets' }] });
  const { port } = (await s3.run()) as AddressInfo;
  endpoint = `http://127.0.0.1:${port}`;
  client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY } });
  await putIndex(samples(1, 2));
  await mkdir(join(dir, 'models'), { recursive: true });
  await writeFile(join(dir, 'models', 'initial.json'), '{}');
  gm = await FakeGm.start();
  lc = await startLocalController({
    nodeName: 'edge-1',
    gmUrl: gm.url,
    nodeToken: gm.nodeToken,
    dataDir: join(dir, 'lc'),
    datasetPollSeconds: 0.2,
    s3Env: { S3_ENDPOINT_URL: endpoint, ACCESS_KEY_ID, SECRET_ACCESS_KEY, SEDNA_RETRY_DELAY_MS: '1', SEDNA_RETRY_MAX_DELAY_MS: '5' },
    logger: pino({ level: 'silent' }),
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
  });
  expect(await lc.waitForGm()).toBe(true);
});

afterAll(async () => {
  await lc?.stop();
  await gm?.close();
  client?.destroy();
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

test('the index in S3 is counted, and the count follows the object when it is replaced', async () => {
  gm.insert(dataset('remote', URL, 'edge-1'));
  await waitFor(() => gm.datasetCounts().includes(2), 'the count 2 reported');
  await putIndex(samples(1, 6));
  await waitFor(() => gm.datasetCounts().at(-1) === 6, 'the count 6 reported');
  // An unchanged object is not counted again.
  await new Promise((r) => setTimeout(r, 500));
  expect(gm.datasetCounts()).toEqual([2, 6]);
});

test("a round of it hands over a data index: the index's S3 folder, then the round's sample paths", async () => {
  const outputDir = join(dir, 'output');
  gm.insert(model('initial-model', join(dir, 'models', 'initial.json'), 'json'));
  gm.insert(model('deploy-model', join(dir, 'models', 'initial.json'), 'json'));
  const base = job({ dataset: 'remote', outputDir, threshold: 3, trainProb: 0.5 });
  gm.insert(withConditions(base, 0, [condition('Train', 'Waiting', 0)]));
  await waitForJobs(lc.url);
  const ready = await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Train' && m.status === 'Ready'), '(Train, Ready)');
  expect(ready.input).toMatchObject({ dataURL: join(outputDir, 'data', 'train', '1', 'data.txt'), dataIndexURL: join(outputDir, 'data', 'train', '1', 'index.txt') });
  const roundFile = (await readFile(join(outputDir, 'data', 'train', '1', 'data.txt'), 'utf8')).split('\n').filter(Boolean);
  expect(roundFile).toEqual(samples(1, 3));
  expect(await readFile(join(outputDir, 'data', 'train', '1', 'index.txt'), 'utf8')).toBe(['s3://datasets/tabular', 'samples/1.txt', 'samples/2.txt', 'samples/3.txt', ''].join('\n'));
});
