import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type WorkerReport } from '@sedna-ts/api-types';
import { WorkerSdkError } from '../src/errors.js';
import { LCClient } from '../src/lcClient.js';
import { FakeLc, memoryLogger, removeDir, tempDir } from './helpers.js';

const report = (over: Partial<WorkerReport> = {}): WorkerReport => ({
  name: 'train-worker-abc12',
  namespace: 'default',
  ownerName: 'helmet',
  ownerKind: 'incrementallearningjob',
  kind: 'train',
  status: 'completed',
  results: [{ format: 'onnx', url: '/output/train/1/model.onnx', size: 10, sha256: 'a'.repeat(64) }],
  ...over,
});
const fast = { attempts: 4, initialDelayMs: 5, maxDelayMs: 20, timeoutMs: 10_000 };

let lc: FakeLc;
let spool: string;
beforeEach(async () => {
  lc = await new FakeLc().start();
  spool = await tempDir('sedna-spool-');
});
afterEach(async () => {
  await lc.stop();
  await removeDir(spool);
});

test('a report is POSTed to /sedna/workers/{name}/info with the original body, a reportId and the bearer token', async () => {
  const client = new LCClient({ lcServer: `${lc.url}/`, token: 'tok-123', retry: fast, logger: memoryLogger() });
  const outcome = await client.send(report());
  expect(outcome).toMatchObject({ delivered: true, attempts: 1 });
  expect(lc.received).toHaveLength(1);
  const [got] = lc.received;
  expect(got!.path).toBe('/sedna/workers/train-worker-abc12/info');
  expect(got!.headers.authorization).toBe('Bearer tok-123');
  expect(got!.headers['content-type']).toBe('application/json');
  expect(got!.body).toEqual({ ...report(), reportId: outcome.reportId });
  expect(outcome.reportId).toMatch(/^[0-9a-f-]{36}$/);
});

test('without a token no Authorization header is sent', async () => {
  await new LCClient({ lcServer: lc.url, retry: fast, logger: memoryLogger() }).send(report());
  expect(lc.received[0]!.headers.authorization).toBeUndefined();
});

test('5xx, 429 and 408 are retried with backoff, keeping the same reportId', async () => {
  const statuses = [503, 429, 408];
  lc.respond = ({ count }) => statuses[count - 1] ?? 200;
  const logger = memoryLogger();
  const outcome = await new LCClient({ lcServer: lc.url, retry: fast, logger }).send(report());
  expect(outcome).toMatchObject({ delivered: true, attempts: 4 });
  expect(lc.received).toHaveLength(1);
  expect(logger.records.filter((r) => r.level === 'warn')).toHaveLength(3);
});

test('a 4xx refusal is permanent: thrown at once with the LC answer', async () => {
  let calls = 0;
  lc.respond = () => {
    calls++;
    return 400;
  };
  const send = new LCClient({ lcServer: lc.url, retry: fast, logger: memoryLogger() }).send(report());
  await expect(send).rejects.toThrow(/worker train-worker-abc12: report kind=train status=completed: .* refused it: HTTP 400/);
  expect(calls).toBe(1);
});

test('an unreachable LC gives REPORT_UNDELIVERABLE after every attempt, naming the URL', async () => {
  const url = lc.url;
  await lc.stop();
  const send = new LCClient({ lcServer: url, retry: fast, logger: memoryLogger() }).send(report());
  await expect(send).rejects.toBeInstanceOf(WorkerSdkError);
  await expect(send).rejects.toMatchObject({ code: 'REPORT_UNDELIVERABLE' });
  await expect(send).rejects.toThrow(`could not be delivered to ${url}/sedna/workers/train-worker-abc12/info after 4 attempts`);
});

test('spool mode: reports wait on disk while the LC is down and are replayed in order once it is back', async () => {
  const port = lc.port;
  await lc.stop();
  const client = new LCClient({ lcServer: `http://127.0.0.1:${port}`, retry: { ...fast, maxDelayMs: 50 }, spoolDir: spool, logger: memoryLogger() });
  const first = await client.send(report({ kind: 'deploy', ownerInfo: { model_version: '1' } }), 'spool');
  const second = await client.send(report({ kind: 'deploy', ownerInfo: { model_version: '2' } }), 'spool');
  expect(first.delivered).toBe(false);
  expect(second).toMatchObject({ delivered: false, pending: 2 });
  expect(await client.pending()).toBe(2);
  expect((await readdir(spool)).filter((f) => f.endsWith('.json'))).toHaveLength(2);

  await lc.start(port);
  expect(await client.flush()).toBe(0);
  expect(lc.received.map((r) => r.body.ownerInfo?.model_version)).toEqual(['1', '2']);
  expect(lc.received.map((r) => r.body.reportId)).toEqual([first.reportId, second.reportId]);
  expect(await client.pending()).toBe(0);
  client.close();
});

test('spool mode: flush answers from a pass that started after it was called, not from one already failing', async () => {
  const client = new LCClient({ lcServer: lc.url, retry: { ...fast, initialDelayMs: 60_000, maxDelayMs: 60_000 }, spoolDir: spool, logger: memoryLogger() });
  // A report waiting in the spool (as after an outage), then the LC answers 503 once and 200 after.
  await mkdir(spool, { recursive: true });
  await writeFile(join(spool, '000000000000001-00000000-r1.json'), JSON.stringify({ ...report({ kind: 'deploy' }), reportId: 'r1' }));
  lc.respond = ({ count }) => (count === 1 ? 503 : 200);
  const first = client.flush(); // its pass posts into the 503
  const second = client.flush(); // called while that pass runs: must not take its answer
  expect(await first).toBe(1);
  expect(await second).toBe(0);
  expect(lc.received.map((r) => r.body.reportId)).toEqual(['r1']);
  client.close();
});

test('spool mode: the background replay delivers without being asked', async () => {
  const port = lc.port;
  await lc.stop();
  const client = new LCClient({ lcServer: `http://127.0.0.1:${port}`, retry: { ...fast, initialDelayMs: 20, maxDelayMs: 40 }, spoolDir: spool, logger: memoryLogger() });
  await client.send(report({ kind: 'deploy' }), 'spool');
  await lc.start(port);
  const deadline = Date.now() + 20_000;
  // The LC records the report as it arrives; the client removes the spooled file once the reply is in.
  while ((lc.received.length === 0 || (await client.pending()) > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(lc.received).toHaveLength(1);
  expect(await client.pending()).toBe(0);
  client.close();
});

test('spool mode: a report left by an earlier (closed) run is replayed by resume(), once', async () => {
  const port = lc.port;
  await lc.stop();
  const earlier = new LCClient({ lcServer: `http://127.0.0.1:${port}`, retry: fast, spoolDir: spool, logger: memoryLogger() });
  await earlier.send(report({ kind: 'deploy' }), 'spool');
  earlier.close();
  await lc.start(port);
  // A closed client posts nothing, not even a replay its timer had started: the report waits for the next run.
  expect(await earlier.flush()).toBe(1);
  expect(lc.received).toEqual([]);
  const later = new LCClient({ lcServer: `http://127.0.0.1:${port}`, retry: fast, spoolDir: spool, logger: memoryLogger() });
  later.resume();
  expect(await later.flush()).toBe(0);
  expect(lc.received).toHaveLength(1);
  later.close();
});

test('spool mode: a permanently refused report moves to rejected/ and is logged, later ones still go', async () => {
  lc.respond = ({ body }) => (body.status === 'failed' ? 403 : 200);
  const logger = memoryLogger();
  const client = new LCClient({ lcServer: lc.url, retry: fast, spoolDir: spool, logger });
  const refused = await client.send(report({ kind: 'deploy', status: 'failed' }), 'spool');
  const ok = await client.send(report({ kind: 'deploy' }), 'spool');
  expect(refused).toMatchObject({ delivered: false, rejected: true });
  expect(ok.delivered).toBe(true);
  const rejected = await readdir(join(spool, 'rejected'));
  expect(rejected).toHaveLength(1);
  expect(rejected[0]).toContain(refused.reportId);
  expect(logger.records.some((r) => r.level === 'error' && r.msg.includes('refused by the LC'))).toBe(true);
  client.close();
});
