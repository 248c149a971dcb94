import { encodeFrameContent, type WireFrame } from '@sedna-ts/api-types';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { ControllerError } from '../src/errors.js';
import { GmHttpServer } from '../src/gm/httpServer.js';
import { CLOSE_PROTOCOL_ERROR, CLOSE_REPLACED, CLOSE_UNSUPPORTED_PROTOCOL, LcServer, type LcServerOptions, type UpstreamFrame, type UpstreamResult } from '../src/lc/lcServer.js';
import { createMetrics } from '../src/metrics.js';
import { nodeToken } from '@sedna-ts/api-types/tokens';
import type { LcInfo } from '../src/jobs/workerPod.js';
import { FakeLc } from './lcClient.js';
import { eventually, testLogger } from './cluster.js';
import { PROTOCOL_VERSION } from '@sedna-ts/api-types/contract';

const SECRET = 'a-secret-of-at-least-16-chars';
const NODE = 'edge-1';

function insert(kind: string, name: string, version: number): WireFrame {
  return {
    header: { namespace: 'default', resourceKind: kind, resourceName: name, operation: 'insert' },
    content: encodeFrameContent({ metadata: { name, namespace: 'default' }, version }),
  };
}

interface Harness {
  http: GmHttpServer;
  server: LcServer;
  calls: UpstreamFrame[];
  connects: LcInfo[];
  disconnects: string[];
  setResult: (fn: (frame: UpstreamFrame) => Promise<UpstreamResult>) => void;
  resync: { key: string; frame: WireFrame }[];
  ready: boolean;
}

let harness: Harness;
const clients: FakeLc[] = [];

async function start(options: Partial<LcServerOptions> = {}): Promise<Harness> {
  const h = { calls: [], connects: [], disconnects: [], resync: [], ready: true } as unknown as Harness;
  let handler: (frame: UpstreamFrame) => Promise<UpstreamResult> = async () => ({ result: 'applied' });
  h.setResult = (fn) => {
    handler = fn;
  };
  const metrics = createMetrics();
  const logger = pino({ level: 'silent' });
  h.http = await GmHttpServer.listen({ address: '127.0.0.1', port: 0, logger, metrics, readiness: () => ({ ready: h.ready, reason: 'this global manager replica (gm-b) is not the leader; the leader is gm-a' }) });
  h.server = new LcServer({
    secret: SECRET,
    logger,
    metrics,
    upstream: new Map([
      [
        'incrementallearningjob',
        (frame: UpstreamFrame) => {
          h.calls.push(frame);
          return handler(frame);
        },
      ],
    ]),
    resync: () => h.resync,
    onConnect: (info) => h.connects.push(info),
    onDisconnect: (node) => h.disconnects.push(node),
    ...options,
  });
  h.http.attach(h.server);
  return h;
}

async function connect(node = NODE, token: string = nodeToken(SECRET, node), headers: Record<string, string> = {}): Promise<FakeLc> {
  const lc = await FakeLc.connect(harness.http.url, node, token, headers);
  clients.push(lc);
  return lc;
}

beforeEach(async () => {
  harness = await start();
});

async function stop(h: Harness): Promise<void> {
  await h.server.close();
  await h.http.close();
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await stop(harness);
});

test('a missing or wrong node token is refused with 401 before the upgrade, a missing node name with 400', async () => {
  await expect(connect(NODE, '')).rejects.toMatchObject({ statusCode: 401 });
  await expect(connect(NODE, nodeToken(SECRET, 'other-node'))).rejects.toMatchObject({ statusCode: 401 });
  await expect(connect(NODE, nodeToken('another-secret-of-16-chars', NODE))).rejects.toMatchObject({ statusCode: 401 });
  await expect(connect('', 'x')).rejects.toMatchObject({ statusCode: 400 });
  expect(harness.connects).toEqual([]);
});

test('hello: the GM answers with the resources of the node, then sends each of them', async () => {
  harness.resync = [
    { key: 'dataset/default/d1', frame: insert('dataset', 'd1', 1) },
    { key: 'incrementallearningjob/default/j1', frame: insert('incrementallearningjob', 'j1', 1) },
  ];
  const lc = await connect();
  lc.hello('http://127.0.0.1:9100');
  await lc.until((r) => r.length === 3);
  expect(lc.received[0]).toEqual({
    header: { namespace: '', resourceKind: 'node', resourceName: NODE, operation: 'hello' },
    payload: { protocolVersion: 1, resources: ['dataset/default/d1', 'incrementallearningjob/default/j1'] },
  });
  expect(lc.received.slice(1).map((r) => `${r.header.operation} ${r.header.resourceKind}/${r.header.resourceName}`)).toEqual([
    'insert dataset/d1',
    'insert incrementallearningjob/j1',
  ]);
  expect(harness.connects).toEqual([
    { nodeName: NODE, lcServer: 'http://127.0.0.1:9100', hotUpdateRoot: '/var/lib/sedna-ts/model-hot-update', hardExampleRoot: '/var/lib/sedna-ts/hard-examples', version: 'test', connectedAt: expect.any(String) },
  ]);
  expect([...harness.server.connectedNodes().keys()]).toEqual([NODE]);
});

test('frames for a node wait in its queue before it connects, coalesced by key, and keep their order', async () => {
  harness.server.send(NODE, 'model/default/m1', insert('model', 'm1', 1));
  harness.server.send(NODE, 'dataset/default/d1', insert('dataset', 'd1', 1));
  harness.server.send(NODE, 'model/default/m1', insert('model', 'm1', 2));
  harness.resync = [{ key: 'incrementallearningjob/default/j1', frame: insert('incrementallearningjob', 'j1', 5) }];
  const lc = await connect();
  lc.hello();
  await lc.until((r) => r.length === 4);
  expect(lc.received.slice(1).map((r) => `${r.header.resourceName} v${(r.payload as { version: number }).version}`)).toEqual(['m1 v2', 'd1 v1', 'j1 v5']);
  harness.server.send(NODE, 'dataset/default/d1', insert('dataset', 'd1', 2));
  await lc.until((r) => r.length === 5);
  expect((lc.received[4]?.payload as { version: number }).version).toBe(2);
});

test('an unsupported protocol version is closed with 4001 naming both versions, a hello without lcServer with 4002', async () => {
  const newer = await connect();
  newer.hello('http://x', { protocolVersion: PROTOCOL_VERSION + 1 });
  expect(await newer.untilClosed()).toEqual({ code: CLOSE_UNSUPPORTED_PROTOCOL, reason: `protocol version mismatch: this GM speaks ${PROTOCOL_VERSION}, the LC ${PROTOCOL_VERSION + 1}` });
  const bare = await connect('edge-2');
  bare.hello('');
  expect(await bare.untilClosed()).toMatchObject({ code: CLOSE_PROTOCOL_ERROR, reason: 'hello without lcServer' });
  const header = await connect('edge-3', nodeToken(SECRET, 'edge-3'), { 'Sedna-Protocol': String(PROTOCOL_VERSION + 1) });
  expect(await header.untilClosed()).toEqual({ code: CLOSE_UNSUPPORTED_PROTOCOL, reason: `protocol version mismatch: this GM speaks ${PROTOCOL_VERSION}, the LC ${PROTOCOL_VERSION + 1}` });
  expect(harness.connects).toEqual([]);
});

test('both refusals of another protocol version are logged by the GM naming both versions: its own, and an LC refusing its hello', async () => {
  await stop(harness);
  const logger = testLogger('gm');
  harness = await start({ logger });
  const header = await connect('edge-3', nodeToken(SECRET, 'edge-3'), { 'Sedna-Protocol': String(PROTOCOL_VERSION + 1) });
  await header.untilClosed();
  // An LC one version ahead takes the GM's hello and refuses it, as ours does.
  const ahead = await connect('edge-4', nodeToken(SECRET, 'edge-4'));
  ahead.hello('http://x');
  await ahead.until((r) => r.some((f) => f.header.operation === 'hello'), 'the GM hello');
  const reason = `protocol version mismatch: this LC speaks ${PROTOCOL_VERSION + 1}, the GM ${PROTOCOL_VERSION}`;
  ahead.ws.close(CLOSE_UNSUPPORTED_PROTOCOL, reason);
  await ahead.untilClosed();
  const warned = () => logger.entries.filter((e) => e.level === 'warn').map((e) => e.msg);
  await eventually('the refusal logged', () => (warned().includes(`local controller refused this GM: ${reason}`) ? true : undefined));
  expect(warned()).toContain(`local controller refused: protocol version mismatch: this GM speaks ${PROTOCOL_VERSION}, the LC ${PROTOCOL_VERSION + 1}`);
});

test('an LC that never says hello is closed', async () => {
  await stop(harness);
  harness = await start({ helloTimeoutMs: 20 });
  const lc = await connect();
  expect(await lc.untilClosed()).toMatchObject({ code: CLOSE_PROTOCOL_ERROR });
});

test('a status frame is applied by the handler of its kind and acknowledged with its header and id', async () => {
  await stop(harness);
  const logger = testLogger('sedna-gm');
  harness = await start({ logger });
  const lc = await connect();
  lc.hello();
  await lc.until((r) => r.length === 1);
  const header = { namespace: 'default', resourceKind: 'incrementallearningjob', resourceName: 'j1', operation: 'status' as const, messageId: 'id-1' };
  lc.send(header, { phase: 'Train', status: 'Ready', round: 1 });
  await lc.until(() => lc.frames('ack').length === 1);
  expect(lc.frames('ack')[0]).toEqual({ header: { ...header, operation: 'ack' }, payload: { ok: true } });
  expect(harness.calls).toEqual([{ node: NODE, header, payload: { phase: 'Train', status: 'Ready', round: 1 } }]);
  // The record names the object as `object`: `name` is the component's (pino's), one key per meaning.
  const record = logger.entries.find((e) => e.msg === 'upstream message');
  expect(record?.fields).toEqual({ node: NODE, kind: 'incrementallearningjob', object: 'default/j1', messageId: 'id-1', arrival: 1, result: 'applied' });
});

test('a replayed id is acknowledged without being applied again, also while the first is still in flight', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  harness.setResult(async () => {
    await gate;
    return { result: 'applied' };
  });
  const lc = await connect();
  lc.hello();
  await lc.until((r) => r.length === 1);
  const header = { namespace: 'default', resourceKind: 'incrementallearningjob', resourceName: 'j1', operation: 'status' as const, messageId: 'id-7' };
  lc.send(header, { phase: 'Train', status: 'Ready' });
  lc.send(header, { phase: 'Train', status: 'Ready' });
  await new Promise((r) => setTimeout(r, 20));
  expect(lc.frames('ack')).toHaveLength(0);
  release();
  await lc.until(() => lc.frames('ack').length === 2);
  lc.send(header, { phase: 'Train', status: 'Ready' });
  await lc.until(() => lc.frames('ack').length === 3);
  expect(harness.calls).toHaveLength(1);
});

test('a frame without messageId (an original LC) is applied every time and not acknowledged', async () => {
  const lc = await connect();
  lc.hello();
  await lc.until((r) => r.length === 1);
  const header = { namespace: 'default', resourceKind: 'incrementallearningjob', resourceName: 'j1', operation: 'status' as const };
  lc.send(header, { phase: 'Train', status: 'Ready' });
  lc.send(header, { phase: 'Train', status: 'Ready' });
  // A frame with an id after them: once its ack arrives, the two before were handled.
  lc.send({ ...header, messageId: 'after' }, { phase: 'Train', status: 'Ready' });
  await lc.until(() => lc.frames('ack').length === 1);
  expect(harness.calls).toHaveLength(3);
  expect(lc.frames('ack')[0]?.header.messageId).toBe('after');
});

test('a rejected message is acknowledged with its error; a handler failure leaves it unacknowledged for a replay', async () => {
  harness.setResult(async (frame) => {
    if (frame.header.messageId === 'bad') return { result: 'rejected', error: 'IncrementalLearningJob default/j1 not found' };
    throw new ControllerError('STOPPED', 'stopping');
  });
  const lc = await connect();
  lc.hello();
  await lc.until((r) => r.length === 1);
  const header = { namespace: 'default', resourceKind: 'incrementallearningjob', resourceName: 'j1', operation: 'status' as const };
  lc.send({ ...header, messageId: 'lost' }, { phase: 'Train', status: 'Ready' });
  lc.send({ ...header, messageId: 'bad' }, { phase: 'Train', status: 'Ready' });
  lc.send({ ...header, resourceKind: 'unknownkind', messageId: 'nokind' }, {});
  await lc.until(() => lc.frames('ack').length === 2);
  await new Promise((r) => setTimeout(r, 20));
  expect(lc.frames('ack').map((a) => [a.header.messageId, a.payload])).toEqual([
    ['bad', { ok: false, error: 'IncrementalLearningJob default/j1 not found' }],
    ['nokind', { ok: false, error: 'no upstream handler for kind "unknownkind"' }],
  ]);
});

test('frames before the hello, frames that are not JSON and the original bare header are dropped', async () => {
  const lc = await connect();
  lc.ws.send('{"namespace":"","resourceKind":"","resourceName":"","operation":""}');
  lc.ws.send('not json');
  lc.send({ operation: 'status', resourceKind: 'incrementallearningjob', messageId: 'early' }, { phase: 'Train', status: 'Ready' });
  lc.hello();
  await lc.until((r) => r.length === 1);
  lc.send({ operation: 'status', resourceKind: 'incrementallearningjob', messageId: 'late' }, { phase: 'Train', status: 'Ready' });
  await lc.until(() => lc.frames('ack').length === 1);
  expect(harness.calls.map((c) => c.header.messageId)).toEqual(['late']);
});

test('a newer connection of the same node replaces the older one', async () => {
  const first = await connect();
  first.hello();
  await first.until((r) => r.length === 1);
  const second = await connect();
  expect(await first.untilClosed()).toMatchObject({ code: CLOSE_REPLACED });
  second.hello();
  await second.until((r) => r.length === 1);
  expect(harness.disconnects).toEqual([NODE]);
  expect([...harness.server.connectedNodes().keys()]).toEqual([NODE]);
  second.close();
  await second.untilClosed();
  await new Promise((r) => setTimeout(r, 20));
  expect(harness.disconnects).toEqual([NODE, NODE]);
});

test('/healthz, /readyz and /metrics are served on the same port', async () => {
  const base = `http://127.0.0.1:${harness.http.port}`;
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  harness.ready = false;
  const notReady = await fetch(`${base}/readyz`);
  expect(notReady.status).toBe(503);
  expect(await notReady.text()).toBe('this global manager replica (gm-b) is not the leader; the leader is gm-a\n');
  const metrics = await fetch(`${base}/metrics`);
  expect(metrics.status).toBe(200);
  const text = await metrics.text();
  expect(text).toContain('sedna_gm_connected_local_controllers');
  expect(text).toContain('sedna_gm_reconcile_queue_depth');
  expect(text).toContain('sedna_gm_leader');
  expect((await fetch(`${base}/nothing`)).status).toBe(404);
});

test('without a leader endpoint (a follower) an LC upgrade is refused with 503 and the reason, before its token is looked at', async () => {
  harness.http.attach(undefined);
  harness.ready = false;
  const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const ws = new WebSocket(harness.http.url, { headers: { 'Node-Name': NODE, Authorization: 'Bearer nonsense' } });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('open', () => reject(new Error('a follower took the connection')));
    ws.once('error', () => undefined);
  });
  expect(refused).toEqual({ status: 503, body: 'this global manager replica (gm-b) is not the leader; the leader is gm-a\n' });
  expect(harness.connects).toEqual([]);
});

test('closing the endpoint (leadership lost) closes every LC with the code given', async () => {
  const lc = await connect();
  lc.hello();
  await lc.until((r) => r.length === 1);
  await harness.server.close(4003, 'this global manager replica is no longer the leader');
  expect(await lc.untilClosed()).toEqual({ code: 4003, reason: 'this global manager replica is no longer the leader' });
  expect(harness.disconnects).toEqual([NODE]);
});

test("a request to a node's LC (the dashboard's) resolves with the LC's response of the same messageId; another node's response is not taken", async () => {
  const lc = await connect();
  lc.hello();
  await lc.until((r) => r.some((f) => f.header.operation === 'hello'));
  const job = { namespace: 'default', resourceKind: 'incrementallearningjob', resourceName: 'tray' };
  const answer = harness.server.request(NODE, job, { action: 'hardExamples.list', list: 'queue' }, 10_000);
  await lc.until((r) => r.some((f) => f.header.operation === 'request'));
  const request = lc.frames('request')[0]!;
  expect(request).toEqual({ header: { ...job, operation: 'request', messageId: expect.any(String) }, payload: { action: 'hardExamples.list', list: 'queue' } });
  const other = await connect('edge-2');
  other.hello();
  other.send({ ...job, operation: 'response', messageId: request.header.messageId as string }, { status: 200, body: { from: 'edge-2' } });
  lc.send({ ...job, operation: 'response', messageId: request.header.messageId as string }, { status: 200, body: { examples: [] } });
  await expect(answer).resolves.toEqual({ status: 200, body: { examples: [] } });
});

test('a request fails with UNAVAILABLE when the LC is not connected, goes away, or (an LC older than this GM) never answers', async () => {
  const job = { namespace: 'default', resourceKind: 'incrementallearningjob', resourceName: 'tray' };
  await expect(harness.server.request('edge-9', job, { action: 'dataset.coco' }, 1000)).rejects.toMatchObject({ code: 'UNAVAILABLE', message: 'the local controller of node edge-9 is not connected to this global manager' });
  const lc = await connect();
  lc.hello();
  await lc.until((r) => r.some((f) => f.header.operation === 'hello'));
  await expect(harness.server.request(NODE, job, { action: 'dataset.coco' }, 200)).rejects.toMatchObject({ code: 'UNAVAILABLE', message: `the local controller of node ${NODE} did not answer dataset.coco within 0.2s (an LC older than this GM does not take requests)` });
  const pending = harness.server.request(NODE, job, { action: 'dataset.coco' }, 10_000);
  await lc.until((r) => r.filter((f) => f.header.operation === 'request').length === 2);
  lc.close();
  await expect(pending).rejects.toMatchObject({ code: 'UNAVAILABLE', message: `the local controller of node ${NODE} went away before it answered` });
});

test('the GM tells the LC to stop a request it no longer waits for: past its deadline, or when the client went away (a cancel frame of its messageId)', async () => {
  const lc = await connect();
  lc.hello();
  await lc.until((r) => r.some((f) => f.header.operation === 'hello'));
  const job = { namespace: 'default', resourceKind: 'incrementallearningjob', resourceName: 'tray' };
  await expect(harness.server.request(NODE, job, { action: 'dataset.coco' }, 200)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  const gone = new AbortController();
  const pending = harness.server.request(NODE, job, { action: 'dataset.coco' }, 10_000, gone.signal);
  await lc.until((r) => r.filter((f) => f.header.operation === 'request').length === 2);
  gone.abort();
  await expect(pending).rejects.toMatchObject({ code: 'UNAVAILABLE', message: `dataset.coco on node ${NODE}: cancelled (the client went away)` });
  await lc.until((r) => r.filter((f) => f.header.operation === 'cancel').length === 2);
  const ids = (operation: string) => lc.frames(operation).map((f) => f.header.messageId);
  expect(ids('cancel')).toEqual(ids('request'));
  // A response after the cancel is not taken; a request answered in time is never cancelled.
  lc.send({ ...job, operation: 'response', messageId: ids('request')[1] as string }, { status: 200, body: {} });
  const answered = harness.server.request(NODE, job, { action: 'hardExamples.list', list: 'queue' }, 10_000, new AbortController().signal);
  await lc.until((r) => r.filter((f) => f.header.operation === 'request').length === 3);
  lc.send({ ...job, operation: 'response', messageId: ids('request')[2] as string }, { status: 200, body: { examples: [] } });
  await expect(answered).resolves.toEqual({ status: 200, body: { examples: [] } });
  expect(lc.frames('cancel')).toHaveLength(2);
});
