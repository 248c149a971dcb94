/**
 * The worker report API over real HTTP: authentication by the worker token, a clear 400 for a bad
 * body, 404 for an unknown job, the upstream message on disk before the reply, with the round and
 * attempt of the worker from the job's conditions; health, readiness and metrics.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { legacyWorkerToken } from '@sedna-ts/api-types/tokens';
import { parseMetricsText, sampleValue } from '@sedna-ts/internal/metrics';
import { startLocalController, type LocalController } from '../src/index.js';
import { FakeGm, waitFor, waitForJobs } from './helpers/fakeGm.js';
import { condition, dataset, job, model, tokenOf, withConditions } from './helpers/objects.js';

describe('POST /sedna/workers/{name}/info', () => {
  let dir: string;
  let gm: FakeGm;
  let lc: LocalController;
  const worker = 'helmet-train-x7k2p';

  const post = (name: string, body: unknown, token: string | null = tokenOf(gm.nodeToken, name, name.includes('-infer-') ? 'inference' : 'train')) =>
    fetch(`${lc.url}/sedna/workers/${name}/info`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  const report = (extra: Record<string, unknown> = {}) => ({
    name: worker,
    namespace: 'default',
    ownerName: 'helmet',
    ownerKind: 'incrementallearningjob',
    kind: 'train',
    status: 'completed',
    results: [{ format: 'onnx', url: '/out/train/2/model.onnx', metrics: { loss: 0.2 } }],
    ...extra,
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-api-'));
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(join(dir, 'data', 'index.txt'), '');
    gm = await FakeGm.start();
    gm.autoAck = false;
    lc = await startLocalController({
      nodeName: 'edge-1',
      gmUrl: gm.url,
      nodeToken: gm.nodeToken,
      dataDir: join(dir, 'lc'),
      logger: pino({ level: 'silent' }),
      drainTimeoutMs: 0,
      metricsAddress: '127.0.0.1:0',
    });
    await lc.waitForGm();
    gm.insert(dataset('d', join(dir, 'data', 'index.txt'), 'edge-1'));
    gm.insert(model('initial-model', '/m/initial', 'ckpt'));
    gm.insert(model('deploy-model', '/m/deploy.onnx', 'onnx'));
    const base = job({ dataset: 'd', outputDir: join(dir, 'out'), threshold: 1000 });
    gm.insert(
      withConditions(base, 2, [
        condition('Train', 'Waiting', 1),
        condition('Train', 'Ready', 2),
        { ...condition('Train', 'Starting', 2, { worker, attempt: 2 }) },
        condition('Train', 'Running', 2),
      ]),
    );
    await waitForJobs(lc.url);
  });

  afterAll(async () => {
    await lc?.stop();
    await gm?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const messageOf = async (response: Response): Promise<string> => ((await response.json()) as { message: string }).message;

  test('a report without a token is 401; with the token of another worker, of another node or a forged one, 403', async () => {
    const missing = await post(worker, report(), null);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({
      status: 401,
      message: `worker ${worker}: no Authorization: Bearer <SEDNA_WORKER_TOKEN> header; IncrementalLearningJob default/helmet does not take reports without a token (its annotation sedna.io/worker-auth: none would let its own pods report without one)`,
    });
    // Told to the GM once (a Warning event on the job), whatever the retries.
    await post(worker, report(), null);
    const told = await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Event'), 'the refusal event');
    // On the job, and on the worker's pod (the conditions name it), with the code and the reason counted.
    expect(told.events).toEqual([{ type: 'Warning', reason: 'WorkerReportRefused', pod: worker, message: `the LC of node edge-1 refused the train report of worker ${worker} (401 no-token): worker ${worker}: no Authorization: Bearer <SEDNA_WORKER_TOKEN> header; IncrementalLearningJob default/helmet does not take reports without a token (its annotation sedna.io/worker-auth: none would let its own pods report without one)` }]);
    expect(gm.jobMessages().filter((m) => m.phase === 'Event')).toHaveLength(1);
    expect(await (await fetch(`${lc.url}/metrics`)).text()).toMatch(/sedna_lc_worker_reports_rejected_total\{code="401",reason="no-token",node="edge-1"\} 2/);
    const wrong = await post(worker, report(), tokenOf(gm.nodeToken, 'helmet-train-other', 'train'));
    expect(wrong.status).toBe(403);
    expect(await messageOf(wrong)).toBe(`worker ${worker}: the token is the one of worker pod helmet-train-other`);
    const otherNode = await post(worker, report(), tokenOf('another-node-token', worker, 'train'));
    expect(otherNode.status).toBe(403);
    expect(await messageOf(otherNode)).toBe(`worker ${worker}: the token was not issued for a worker on node "edge-1" by this node's credentials`);
    const garbage = await post(worker, report(), 'sw1.e30.AAAA');
    expect(garbage.status).toBe(403);
    const oldForm = await post(worker, report(), legacyWorkerToken(gm.nodeToken, 'helmet-train-other'));
    expect(oldForm.status).toBe(403);
  });

  test('without a token, a bad body is 401 as the README says, not 400: who sends a report is checked before what it says', async () => {
    const cases: Array<[unknown, string]> = [
      ['{not json', 'the body names no job (namespace, ownerKind, ownerName) that takes reports without one'],
      [[1, 2], 'the body names no job (namespace, ownerKind, ownerName) that takes reports without one'],
      [report({ kind: 'training' }), 'IncrementalLearningJob default/helmet does not take reports without a token'],
      [report({ ownerName: 'nope' }), 'the body names incrementallearningjob default/nope, which the LC of node edge-1 does not hold'],
      [report({ ownerInfo: { blob: 'x'.repeat(1024 * 1024) } }), 'the body (over 1048576 bytes) was not read'],
    ];
    for (const [body, why] of cases) {
      const response = await post(worker, body, null);
      expect([response.status, await messageOf(response)]).toEqual([401, `worker ${worker}: no Authorization: Bearer <SEDNA_WORKER_TOKEN> header; ${why}${why.startsWith('IncrementalLearningJob') ? ' (its annotation sedna.io/worker-auth: none would let its own pods report without one)' : ''}`]);
    }
    // A name that is not URL-encoded: 401 without a token, 400 with one.
    expect((await post('%E0%A4%A', report(), null)).status).toBe(401);
    expect((await post('%E0%A4%A', report(), tokenOf(gm.nodeToken, worker, 'train'))).status).toBe(400);
  });

  test('a worker of another job cannot report for this one (403, nothing forwarded), nor a worker in another role', async () => {
    const before = gm.jobMessages().length;
    // The train worker of job "intruder" on the same node, with its own valid token, claims to be ours.
    const intruder = 'intruder-train-abcde';
    const forged = await post(intruder, report({ name: intruder, reportId: 'forged-0001-aaaa' }), tokenOf(gm.nodeToken, intruder, 'train', { job: 'intruder' }));
    expect(forged.status).toBe(403);
    expect(await messageOf(forged)).toBe(`worker ${intruder}: its token is for incrementallearningjob default/intruder, not for incrementallearningjob default/helmet`);
    // The same with our train worker's name but the intruder's token: the token names its pod.
    const borrowed = await post(worker, report({ reportId: 'forged-0002-aaaa' }), tokenOf(gm.nodeToken, intruder, 'train', { job: 'intruder' }));
    expect(borrowed.status).toBe(403);
    // Our own inference worker cannot send a train report.
    const infer = 'helmet-infer-q9z8w';
    const wrongRole = await post(infer, report({ name: infer, reportId: 'forged-0003-aaaa' }));
    expect(wrongRole.status).toBe(403);
    expect(await messageOf(wrongRole)).toBe(`worker ${infer}: it is the inference worker of incrementallearningjob default/helmet; train reports come from its train worker`);
    // Our eval worker token cannot report the train stage either, even under the train worker's name.
    const evalToken = await post(worker, report({ reportId: 'forged-0004-aaaa' }), tokenOf(gm.nodeToken, worker, 'eval'));
    expect(evalToken.status).toBe(403);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gm.jobMessages().length).toBe(before);
  });

  test('sizes agreed end to end: a body over 1 MiB is 413, and so are results that would not fit a condition (64 KiB)', async () => {
    const huge = await post(worker, report({ ownerInfo: { blob: 'x'.repeat(1024 * 1024) } }));
    expect(huge.status).toBe(413);
    expect(await messageOf(huge)).toBe(`worker ${worker}: the report is larger than 1048576 bytes (1 MiB), the limit; keep large results in files and report their URLs`);
    const wide = await post(worker, report({ results: [{ format: 'onnx', url: '/m.onnx', metrics: { big: 'y'.repeat(70 * 1024) } }] }));
    expect(wide.status).toBe(413);
    expect(await messageOf(wide)).toMatch(new RegExp(`^worker ${worker}: results and ownerInfo take \\d+ bytes as JSON, more than 65536 \\(64 KiB\\), the limit of a condition's data`));
  });

  test('a bad body is 400 with the field and the value', async () => {
    const cases: Array<[unknown, string]> = [
      ['{not json', 'worker report: body is not JSON'],
      [[1, 2], 'worker report: (body): [1,2] is not a JSON object'],
      [report({ name: 'someone-else' }), `worker report: name: "someone-else" differs from the worker name in the URL ("${worker}")`],
      [report({ kind: 'training' }), 'worker report: kind: "training" is not one of train, eval, deploy, inference'],
      [report({ status: 'done' }), 'worker report: status: "done" is not one of completed, failed, running, ready'],
      [report({ results: [{ format: 'onnx', url: 7 }] }), 'worker report: results[0].url: 7 is not a string'],
      [report({ ownerName: '' }), 'worker report: ownerName: "" is not a non-empty string'],
    ];
    for (const [body, message] of cases) {
      const response = await post(worker, body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toContain(message);
    }
  });

  test('a report about a job the LC does not hold is 404', async () => {
    const response = await post(worker, report({ ownerName: 'nope' }), tokenOf(gm.nodeToken, worker, 'train', { job: 'nope' }));
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ status: 404, message: `worker ${worker}: IncrementalLearningJob default/nope is not known to the LC of node edge-1` });
  });

  test('a good report is on disk in the outbox when the reply comes, with the round and attempt of its worker', async () => {
    const reportId = 'report-0001-aaaa';
    const response = await post(worker, report({ reportId, ownerInfo: { epochs: 3 } }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 200, message: 'OK' });
    const log = await readFile(join(dir, 'lc', 'outbox', 'outbox.log'), 'utf8');
    expect(log).toContain(`"id":"${reportId}"`);
    const message = await waitFor(() => gm.jobMessages().find((m) => m.messageId === reportId), 'the upstream report');
    expect(message).toMatchObject({
      phase: 'train',
      status: 'completed',
      round: 2,
      attempt: 2,
      output: { models: [{ format: 'onnx', url: '/out/train/2/model.onnx', metrics: { loss: 0.2 } }], ownerInfo: { epochs: 3 } },
    });
    // A retried delivery of the same report is the same upstream message (deduplicated by id): the outbox
    // holds it once (counted in the log itself: other messages, e.g. the Dataset's count, come and go).
    expect((await post(worker, report({ reportId, ownerInfo: { epochs: 3 } }))).status).toBe(200);
    const records = (await readFile(join(dir, 'lc', 'outbox', 'outbox.log'), 'utf8')).split('\n').filter((l) => l.includes(`"id":"${reportId}"`) && l.includes('"t":"m"'));
    expect(records).toHaveLength(1);
  });

  test("an inference worker's deploy report takes its round from model_version; statistics are not forwarded", async () => {
    const infer = 'helmet-infer-q9z8w';
    const deploy = await post(infer, report({ name: infer, kind: 'deploy', results: [{ format: 'onnx', url: '/model-hot-update/2/model.onnx' }], ownerInfo: { model_version: '2' } }));
    expect(deploy.status).toBe(200);
    const forwarded = await waitFor(() => gm.jobMessages().find((m) => m.phase === 'deploy'), 'the deploy report');
    expect(forwarded).toMatchObject({ status: 'completed', round: 2 });
    const initial = await post(infer, report({ name: infer, kind: 'deploy', ownerInfo: { model_version: 'initial' } }));
    expect(await initial.json()).toEqual({ status: 200, message: 'OK (not forwarded: model_version "initial" is not a round (the initial model))' });
    const stats = await post(infer, report({ name: infer, kind: 'inference', status: 'running', ownerInfo: { inferenceNumber: 10 } }));
    expect(stats.status).toBe(200);
  });

  test('health, readiness and metrics', async () => {
    expect(await (await fetch(`${lc.url}/healthz`)).text()).toBe('ok\n');
    expect(await (await fetch(`${lc.url}/readyz`)).json()).toEqual({ ready: true, gmConnected: true, outboxDepth: lc.outboxDepth, jobs: 1 });
    const metrics = await (await fetch(`${lc.url}/metrics`)).text();
    expect(metrics).toMatch(/sedna_lc_worker_reports_total\{kind="train",status="completed",code="200",node="edge-1"\} 2/);
    expect(metrics).toMatch(/sedna_lc_outbox_depth\{node="edge-1"\} [1-9]/);
    expect(metrics).toMatch(/sedna_lc_gm_connected\{node="edge-1"\} 1/);
    expect((await fetch(`${lc.url}/nothing`)).status).toBe(404);
    expect((await fetch(`${lc.url}/sedna/workers/${worker}/info`)).status).toBe(405);
  });

  test('every refusal is counted in the reports total and in the rejected total alike (400 and 413 included), and a bad body of a worker with a token is told to the GM', async () => {
    const families = parseMetricsText(await (await fetch(`${lc.url}/metrics`)).text());
    const byCode = (name: string) => {
      const out = new Map<string, number>();
      for (const sample of families.get(name)?.samples ?? []) out.set(sample.labels.code as string, (out.get(sample.labels.code as string) ?? 0) + sample.value);
      return out;
    };
    const total = byCode('sedna_lc_worker_reports_total');
    const rejected = byCode('sedna_lc_worker_reports_rejected_total');
    for (const code of ['400', '401', '403', '404', '413']) expect([code, total.get(code)]).toEqual([code, rejected.get(code)]);
    expect([...rejected.keys()].sort()).toEqual([...total.keys()].filter((c) => Number(c) >= 400).sort());
    expect(total.get('400')).toBeGreaterThanOrEqual(8);
    expect(total.get('413')).toBeGreaterThanOrEqual(2);
    expect(sampleValue(families, 'sedna_lc_worker_reports_total', { kind: 'unknown', status: 'unknown', code: '400', node: 'edge-1' })).toBeGreaterThanOrEqual(2);
    // Label values only from the known kinds and statuses: a made-up kind is `unknown`, not a new series.
    expect(sampleValue(families, 'sedna_lc_worker_reports_total', { kind: 'unknown', status: 'completed', code: '400', node: 'edge-1' })).toBe(1);
    expect(families.get('sedna_lc_worker_reports_total')?.samples.some((x) => x.labels.kind === 'training')).toBe(false);
    const badBody = gm.jobMessages().find((m) => m.phase === 'Event' && m.events?.[0]?.message.includes('(400 bad-body)'));
    expect(badBody?.events?.[0]).toMatchObject({ pod: worker, message: expect.stringContaining(`refused the train report of worker ${worker} (400 bad-body): worker report: body is not JSON`) });
  });

  test('metricsAddress: the same metrics on a listener of their own, which serves nothing else', async () => {
    expect(lc.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lc.metricsUrl).not.toBe(lc.url);
    const families = parseMetricsText(await (await fetch(`${lc.metricsUrl}/metrics`)).text());
    expect(sampleValue(families, 'sedna_lc_worker_reports_total', { kind: 'train', status: 'completed', code: '200', node: 'edge-1' })).toBe(2);
    expect(sampleValue(families, 'sedna_lc_gm_connected', { node: 'edge-1' })).toBe(1);
    expect(families.get('sedna_lc_outbox_depth')?.type).toBe('gauge');
    expect((await fetch(`${lc.metricsUrl}/sedna/workers/${worker}/info`, { method: 'POST', body: '{}' })).status).toBe(404);
  });
});

describe('a train or eval report of a worker the job does not name yet', () => {
  let dir: string;
  let gm: FakeGm;
  let lc: LocalController;
  let base: ReturnType<typeof job>;
  const first = condition('Train', 'Starting', 2, { worker: 'helmet-train-first1' });
  const failed = condition('Train', 'Failed', 2, {}, 'PodFailed');
  const post = (name: string, body: unknown, token?: string) =>
    fetch(`${lc.url}/sedna/workers/${name}/info`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token ?? tokenOf(gm.nodeToken, name, (body as { kind: 'train' | 'eval' }).kind)}` },
      body: JSON.stringify(body),
    });
  const report = (name: string, kind: string, reportId: string) => ({ name, namespace: 'default', ownerName: 'helmet', ownerKind: 'incrementallearningjob', kind, status: 'completed', results: [], reportId });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-api-race-'));
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(join(dir, 'data', 'index.txt'), '');
    gm = await FakeGm.start();
    lc = await startLocalController({ nodeName: 'edge-1', gmUrl: gm.url, nodeToken: gm.nodeToken, dataDir: join(dir, 'lc'), logger: pino({ level: 'silent' }), drainTimeoutMs: 0, workerNameWaitMs: 3000 });
    await lc.waitForGm();
    gm.insert(dataset('d', join(dir, 'data', 'index.txt'), 'edge-1'));
    gm.insert(model('initial-model', '/m/initial', 'ckpt'));
    gm.insert(model('deploy-model', '/m/deploy.onnx', 'onnx'));
    base = job({ dataset: 'd', outputDir: join(dir, 'out'), threshold: 1000 });
    // The first attempt of round 2's training failed; the GM is retrying it.
    gm.insert(withConditions(base, 2, [condition('Train', 'Waiting', 1), condition('Train', 'Ready', 2), first, failed]));
    await waitForJobs(lc.url);
  });

  afterAll(async () => {
    await lc?.stop();
    await gm?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("waits for the GM's update naming the worker and takes that worker's round and attempt (a retry's report racing its condition)", async () => {
    const worker = 'helmet-train-retry';
    const pending = post(worker, report(worker, 'train', 'race-0001-aaaa'));
    // The GM's update of the retry arrives after the report (the LC holds the report meanwhile).
    setTimeout(() => {
      const retry = [condition('Train', 'Ready', 2, { attempt: 2 }, 'Retry'), condition('Train', 'Starting', 2, { worker, attempt: 2 })];
      gm.insert(withConditions(base, 2, [condition('Train', 'Waiting', 1), condition('Train', 'Ready', 2), first, failed, ...retry]));
    }, 200);
    expect((await pending).status).toBe(200);
    const message = await waitFor(() => gm.jobMessages().find((m) => m.messageId === 'race-0001-aaaa'), 'the upstream report');
    expect(message).toMatchObject({ phase: 'train', status: 'completed', round: 2, attempt: 2 });
  });

  test('a worker no condition names is told to retry after the wait (503), and nothing is forwarded', async () => {
    const worker = 'helmet-eval-stray1';
    const response = await post(worker, report(worker, 'eval', 'stray-0001-aaaa'));
    expect(response.status).toBe(503);
    expect(((await response.json()) as { message: string }).message).toBe(`worker ${worker}: no condition of IncrementalLearningJob default/helmet known to this LC names it yet; retry`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gm.jobMessages().find((m) => m.messageId === 'stray-0001-aaaa')).toBeUndefined();
  });

  test('a worker named for another stage is refused (403)', async () => {
    const response = await post('helmet-train-first1', report('helmet-train-first1', 'eval', 'stage-0001-aaaa'), tokenOf(gm.nodeToken, 'helmet-train-first1', 'eval'));
    expect(response.status).toBe(403);
    expect(((await response.json()) as { message: string }).message).toBe('worker helmet-train-first1: it is the Train worker of IncrementalLearningJob default/helmet (round 2, attempt 1), not its Eval worker');
  });

  test('an old-form token (a pod made before the upgrade) is taken only from the current worker of its stage', async () => {
    // helmet-train-retry is the current Train worker (the first test's update named it); helmet-train-first1 failed before it.
    const current = await post('helmet-train-retry', report('helmet-train-retry', 'train', 'legacy-0001-aaaa'), legacyWorkerToken(gm.nodeToken, 'helmet-train-retry'));
    expect(current.status).toBe(200);
    await waitFor(() => gm.jobMessages().find((m) => m.messageId === 'legacy-0001-aaaa'), 'the upstream report');
    const previous = await post('helmet-train-first1', report('helmet-train-first1', 'train', 'legacy-0002-aaaa'), legacyWorkerToken(gm.nodeToken, 'helmet-train-first1'));
    expect(previous.status).toBe(403);
    expect(((await previous.json()) as { message: string }).message).toBe(
      'worker helmet-train-first1: an old-form token is accepted only from the current Train worker of IncrementalLearningJob default/helmet, which is pod helmet-train-retry',
    );
    // Nor for another job: its conditions do not name the pod.
    const otherJob = await post('helmet-train-retry', { ...report('helmet-train-retry', 'train', 'legacy-0003-aaaa'), ownerName: 'other' }, legacyWorkerToken(gm.nodeToken, 'helmet-train-retry'));
    expect(otherJob.status).toBe(404);
  });
});

describe('sedna.io/worker-auth: none (workers of the original Python library send no token)', () => {
  let dir: string;
  let gm: FakeGm;
  let lc: LocalController;
  const trainer = 'helmet-train-py001';
  const server = 'helmet-infer-py001';
  const post = (name: string, body: unknown) =>
    fetch(`${lc.url}/sedna/workers/${name}/info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const report = (name: string, kind: string, extra: Record<string, unknown> = {}) => ({ name, namespace: 'default', ownerName: 'helmet', ownerKind: 'incrementallearningjob', kind, status: 'completed', ...extra });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-api-noauth-'));
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(join(dir, 'data', 'index.txt'), '');
    gm = await FakeGm.start();
    lc = await startLocalController({ nodeName: 'edge-1', gmUrl: gm.url, nodeToken: gm.nodeToken, dataDir: join(dir, 'lc'), logger: pino({ level: 'silent' }), drainTimeoutMs: 0, workerNameWaitMs: 200 });
    await lc.waitForGm();
    gm.insert(dataset('d', join(dir, 'data', 'index.txt'), 'edge-1'));
    gm.insert(model('initial-model', '/m/initial', 'ckpt'));
    gm.insert(model('deploy-model', '/m/deploy.onnx', 'onnx'));
    const base = job({ dataset: 'd', outputDir: join(dir, 'out'), threshold: 1000, inferenceWorker: true });
    base.metadata.annotations = { 'sedna.io/worker-auth': 'none' };
    gm.insert(
      withConditions(base, 2, [
        condition('Train', 'Waiting', 1),
        condition('Train', 'Ready', 2),
        condition('Train', 'Starting', 2, { worker: trainer, attempt: 1 }),
        condition('Train', 'Running', 2),
        condition('Train', 'Completed', 2),
        condition('Eval', 'Waiting', 2),
        condition('Deploy', 'Waiting', 2),
        condition('Deploy', 'Ready', 2),
        condition('Deploy', 'Starting', 2, { worker: server, attempt: 1 }),
        condition('Deploy', 'Running', 2, { worker: server, attempt: 1 }),
      ]),
    );
    await waitForJobs(lc.url);
  });

  afterAll(async () => {
    await lc?.stop();
    await gm?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("taken from the pods the job's conditions name, counted; another pod's is refused (403) and told to the GM; one no condition names is told to retry (503)", async () => {
    const taken = await post(trainer, report(trainer, 'train', { results: [{ format: 'json', url: '/out/train/2/model.json', metrics: { accuracy: 1 } }] }));
    expect(taken.status).toBe(200);
    const forwarded = await waitFor(() => gm.jobMessages().find((m) => m.phase === 'train'), 'the train report');
    expect(forwarded).toMatchObject({ status: 'completed', round: 2, attempt: 1 });
    // A pod no condition names (yet): as with a token, retry once the GM's update names it; nothing forwarded.
    const stranger = await post('helmet-train-other', report('helmet-train-other', 'train'));
    expect(stranger.status).toBe(503);
    // The serving inference worker may not send a train report.
    const wrongRole = await post(server, report(server, 'train'));
    expect(wrongRole.status).toBe(403);
    expect(((await wrongRole.json()) as { message: string }).message).toBe(
      'worker helmet-infer-py001: without a token (sedna.io/worker-auth: none) a train report is taken only from the current train worker of IncrementalLearningJob default/helmet, which is pod helmet-train-py001',
    );
    const event = await waitFor(() => gm.jobMessages().find((m) => m.phase === 'Event'), 'the refusal event');
    expect(event.events?.[0]).toMatchObject({ type: 'Warning', reason: 'WorkerReportRefused' });
    const metrics = await (await fetch(`${lc.url}/metrics`)).text();
    expect(metrics).toMatch(/sedna_lc_worker_reports_unauthenticated_total\{namespace="default",sedna_job="helmet",kind="train",node="edge-1"\} 1/);
    expect(metrics).toMatch(/sedna_lc_worker_reports_rejected_total\{code="403",reason="not-bound",node="edge-1"\} 1/);
    expect(metrics).toMatch(/sedna_lc_worker_reports_rejected_total\{code="503",reason="not-ready",node="edge-1"\} 1/);
    expect(gm.jobMessages().filter((m) => m.phase === 'train')).toHaveLength(1);
  });

  test('a deploy report without ownerInfo (as the library sends it) is about the model the LC last published to the worker', async () => {
    await mkdir(lc.hotUpdateDir('default', 'helmet'), { recursive: true });
    await writeFile(join(lc.hotUpdateDir('default', 'helmet'), 'model_config.json'), JSON.stringify({ model_config: { model_path: '/x/2/model.json', model_update_time: 't', model_version: '2' } }));
    const response = await post(server, report(server, 'deploy'));
    expect(response.status).toBe(200);
    const deploy = await waitFor(() => gm.jobMessages().find((m) => m.phase === 'deploy'), 'the deploy report');
    expect(deploy).toMatchObject({ status: 'completed', round: 2, output: { ownerInfo: { model_version: '2', model_version_source: 'last published by the LC' } } });
  });
});
