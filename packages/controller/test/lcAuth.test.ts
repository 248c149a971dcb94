/**
 * LCs proving their node with a projected ServiceAccount token. First every way a review can answer,
 * through a small HTTP proxy in front of the embedded API server that answers TokenReviews itself and
 * passes everything else on (so the bound pods are real objects); then the tokens the embedded API
 * server issues itself (TokenRequest bound to the LC pod) and reviews.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig, type V1TokenReviewStatus } from '@kubernetes/client-node';
import { startGlobalManager, type GlobalManager } from '../src/gm/globalManager.js';
import { nodeToken } from '@sedna-ts/api-types/tokens';
import { eventually, startCluster, testLogger, type TestCluster } from './cluster.js';
import { FakeLc } from './lcClient.js';

const SECRET = 'sa-auth-test-secret-0123456789';
const SA = 'system:serviceaccount:sedna:sedna-lc';

let cluster: TestCluster;
let proxy: Server;
let gm: GlobalManager;
/** TokenReview answers by token; a token not here is not authenticated. */
const reviews = new Map<string, V1TokenReviewStatus | 'fail'>();
const asked: { token: string; audiences?: string[] }[] = [];
const uids: Record<string, string> = {};
const lcs: FakeLc[] = [];

function startProxy(target: URL): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url?.startsWith('/apis/authentication.k8s.io/v1/tokenreviews')) {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const review = JSON.parse(body) as { spec: { token: string; audiences?: string[] } };
        asked.push(review.spec);
        const answer = reviews.get(review.spec.token) ?? { authenticated: false, error: 'token not recognised' };
        if (answer === 'fail') {
          res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'authenticator unavailable', code: 500 }));
          return;
        }
        res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ...review, status: answer }));
      });
      return;
    }
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function review(pod: string, extra: Record<string, string[]> = {}, overrides: Partial<V1TokenReviewStatus> = {}): V1TokenReviewStatus {
  return {
    authenticated: true,
    audiences: ['sedna-gm'],
    user: { username: SA, extra: { 'authentication.kubernetes.io/pod-name': [pod], 'authentication.kubernetes.io/pod-uid': [uids[pod] ?? ''], ...extra } },
    ...overrides,
  };
}

async function lcPod(name: string, node: string): Promise<void> {
  const pod = await cluster.core.createNamespacedPod({
    namespace: 'sedna',
    body: { metadata: { name }, spec: { nodeName: node, serviceAccountName: 'sedna-lc', containers: [{ name: 'lc', image: 'sedna-ts/lc:0.1' }] } },
  });
  uids[name] = pod.metadata?.uid ?? '';
}

beforeAll(async () => {
  cluster = await startCluster({ tls: false });
  proxy = await startProxy(new URL(cluster.server.url));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'proxy', server: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'gm', token: cluster.server.token }],
    contexts: [{ name: 'gm', cluster: 'proxy', user: 'gm' }],
    currentContext: 'gm',
  });
  await cluster.core.createNamespace({ body: { metadata: { name: 'sedna' } } });
  await lcPod('sedna-lc-a', 'edge-1');
  await lcPod('sedna-lc-b', 'edge-2');
  gm = await startGlobalManager({
    kubeConfig,
    secret: SECRET,
    websocket: { address: '127.0.0.1', port: 0 },
    serviceAccountAuth: { serviceAccounts: ['sedna/sedna-lc'] },
    logger: testLogger('gm'),
  });
});

afterAll(async () => {
  for (const lc of lcs) lc.close();
  await gm?.stop();
  await new Promise((resolve) => proxy?.close(resolve));
  await cluster?.close();
});

test('an LC whose token is bound to a pod on its node connects, and its hello tells it its node token', async () => {
  reviews.set('header.payload.lc-a', review('sedna-lc-a'));
  const lc = await FakeLc.connect(gm.wsUrl, 'edge-1', 'header.payload.lc-a');
  lcs.push(lc);
  lc.hello('http://127.0.0.1:9100');
  await lc.until((r) => r.some((f) => f.header.operation === 'hello'), 'the GM hello');
  expect(lc.frames('hello')[0]?.payload).toEqual({ protocolVersion: 1, resources: [], nodeToken: nodeToken(SECRET, 'edge-1') });
  expect(asked.at(-1)).toEqual({ token: 'header.payload.lc-a', audiences: ['sedna-gm'] });
});

test('a node token still works, and its hello carries no node token', async () => {
  const before = asked.length;
  const lc = await FakeLc.connect(gm.wsUrl, 'edge-2', gm.nodeToken('edge-2'));
  lcs.push(lc);
  lc.hello('http://127.0.0.1:9100');
  await lc.until((r) => r.some((f) => f.header.operation === 'hello'), 'the GM hello');
  expect(lc.frames('hello')[0]?.payload).toEqual({ protocolVersion: 1, resources: [] });
  expect(asked.length).toBe(before);
});

test.each([
  ['a token bound to a pod on another node', 'edge-2', () => review('sedna-lc-a'), 403, 'the token is bound to pod sedna/sedna-lc-a on node edge-1, not on node edge-2'],
  ['a token whose review names another node', 'edge-1', () => review('sedna-lc-a', { 'authentication.kubernetes.io/node-name': ['edge-9'] }), 403, 'the token is bound to pod sedna/sedna-lc-a on node edge-9, not on node edge-1'],
  ['a token the API server does not authenticate', 'edge-1', () => ({ authenticated: false, error: 'token has expired' }), 401, 'the token of node edge-1 is not valid: token has expired'],
  ['a token for another audience', 'edge-1', () => review('sedna-lc-a', {}, { audiences: ['https://kubernetes.default.svc'] }), 401, 'the token of node edge-1 is not issued for the audience sedna-gm'],
  ['an API server that ignores audiences', 'edge-1', () => review('sedna-lc-a', {}, { audiences: [] }), 401, 'the token of node edge-1 is not issued for the audience sedna-gm'],
  ['a token of another ServiceAccount', 'edge-1', () => review('sedna-lc-a', {}, { user: { username: 'system:serviceaccount:default:builder', extra: {} } }), 403, 'ServiceAccount default/builder is not one Local Controllers run as (sedna/sedna-lc)'],
  ['a token of a user, not a ServiceAccount', 'edge-1', () => review('sedna-lc-a', {}, { user: { username: 'alice' } }), 401, 'the token of node edge-1 is not a ServiceAccount token (user "alice")'],
  ['a token not bound to a pod', 'edge-1', () => review('sedna-lc-a', {}, { user: { username: SA } }), 401, 'the token of ServiceAccount sedna/sedna-lc is not bound to a pod (use a projected ServiceAccount token)'],
  ['a token of an earlier pod of the same name', 'edge-1', () => review('sedna-lc-a', { 'authentication.kubernetes.io/pod-uid': ['uid-of-a-deleted-pod'] }), 401, 'the token is bound to an earlier pod sedna/sedna-lc-a (uid uid-of-a-deleted-pod), not the one that exists now'],
  ['a token of a pod that is gone', 'edge-1', () => review('sedna-lc-gone', { 'authentication.kubernetes.io/pod-uid': ['x'] }), 401, 'the token is bound to pod sedna/sedna-lc-gone, which no longer exists'],
] as const)('%s is refused before the upgrade (%s)', async (_what, node, answer, status, message) => {
  reviews.set('header.payload.refused', answer());
  expect(await FakeLc.attempt(gm.wsUrl, node, 'header.payload.refused')).toEqual({ status, body: `${message}\n` });
});

test('a TokenReview that fails is a 503: the LC tries again later', async () => {
  reviews.set('header.payload.fail', 'fail');
  const refused = await FakeLc.attempt(gm.wsUrl, 'edge-1', 'header.payload.fail');
  expect(refused).toMatchObject({ status: 503 });
  expect((refused as { body: string }).body).toContain('the token of node edge-1 cannot be checked now (TokenReview: HTTP 500: authenticator unavailable)');
});

test('a token that is neither a node token nor a JWT is refused without a review', async () => {
  const before = asked.length;
  expect(await FakeLc.attempt(gm.wsUrl, 'edge-1', 'not-a-jwt')).toEqual({ status: 401, body: 'the token of node edge-1 is missing or wrong\n' });
  expect(asked.length).toBe(before);
});

test('with serviceAccountAuth disabled only node tokens are taken', async () => {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(cluster.server.kubeconfig());
  const strict = await startGlobalManager({
    kubeConfig,
    secret: SECRET,
    websocket: { address: '127.0.0.1', port: 0 },
    serviceAccountAuth: { enabled: false },
    leaderElection: { name: 'strict-gm' },
    logger: testLogger('strict'),
  });
  try {
    const before = asked.length;
    expect(await FakeLc.attempt(strict.wsUrl, 'edge-1', 'header.payload.lc-a')).toEqual({ status: 401, body: 'the token of node edge-1 is missing or wrong\n' });
    expect(asked.length).toBe(before);
    expect(await FakeLc.attempt(strict.wsUrl, 'edge-1', strict.nodeToken('edge-1'))).toBe('open');
  } finally {
    await strict.stop();
  }
});

describe('with the tokens the embedded API server issues (TokenRequest) and reviews (TokenReview)', () => {
  let real: TestCluster;
  let realGm: GlobalManager;
  let podUid = '';

  async function token(audiences: string[], pod = 'sedna-lc-real'): Promise<string> {
    const request = await real.core.createNamespacedServiceAccountToken({
      namespace: 'sedna',
      name: 'sedna-lc',
      body: { spec: { audiences, expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod, uid: podUid } } },
    });
    return request.status?.token ?? '';
  }

  beforeAll(async () => {
    real = await startCluster();
    await real.core.createNamespace({ body: { metadata: { name: 'sedna' } } });
    await real.core.createNamespacedServiceAccount({ namespace: 'sedna', body: { metadata: { name: 'sedna-lc' } } });
    const pod = await real.core.createNamespacedPod({
      namespace: 'sedna',
      body: { metadata: { name: 'sedna-lc-real' }, spec: { nodeName: 'edge-1', serviceAccountName: 'sedna-lc', containers: [{ name: 'lc', image: 'sedna-ts/lc:0.1' }] } },
    });
    podUid = pod.metadata?.uid ?? '';
    realGm = await startGlobalManager({ kubeConfig: real.kc, secret: SECRET, websocket: { address: '127.0.0.1', port: 0 }, serviceAccountAuth: { serviceAccounts: ['sedna/sedna-lc'] }, logger: testLogger('real') });
  });

  afterAll(async () => {
    await realGm?.stop();
    await real?.close();
  });

  test('the LC pod\'s projected token for sedna-gm is accepted on its node, refused on another, and for another audience', async () => {
    const lcToken = await token(['sedna-gm']);
    const lc = await FakeLc.connect(realGm.wsUrl, 'edge-1', lcToken);
    lcs.push(lc);
    lc.hello('http://127.0.0.1:9100');
    await lc.until((r) => r.some((f) => f.header.operation === 'hello'), 'the GM hello');
    expect((lc.frames('hello')[0]?.payload as { nodeToken?: string }).nodeToken).toBe(nodeToken(SECRET, 'edge-1'));
    lc.close();

    expect(await FakeLc.attempt(realGm.wsUrl, 'edge-2', lcToken)).toEqual({ status: 403, body: 'the token is bound to pod sedna/sedna-lc-real on node edge-1, not on node edge-2\n' });
    const apiToken = await token([]);
    expect(await FakeLc.attempt(realGm.wsUrl, 'edge-1', apiToken)).toMatchObject({ status: 401 });
  });

  test('once the bound pod is deleted its token no longer passes', async () => {
    const lcToken = await token(['sedna-gm']);
    await real.core.deleteNamespacedPod({ namespace: 'sedna', name: 'sedna-lc-real', gracePeriodSeconds: 0 });
    await eventually('the pod to be gone', async () => {
      try {
        await real.core.readNamespacedPod({ namespace: 'sedna', name: 'sedna-lc-real' });
        return undefined;
      } catch {
        return true;
      }
    });
    const refused = await FakeLc.attempt(realGm.wsUrl, 'edge-1', lcToken);
    expect(refused).toMatchObject({ status: 401 });
    expect((refused as { body: string }).body).toMatch(/^the token of node edge-1 is not valid/);
  });
});
