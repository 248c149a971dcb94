/**
 * `reuseConnections` against the embedded API server over TLS, seen through a TCP relay that counts the
 * connections: client-node alone opens one per request; with it, requests, a watch and the requests
 * beside it share kept-alive connections; the GM's own KubeConfig reuses them.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { type AddressInfo } from 'node:net';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { releaseConnections, reuseConnections } from '../src/kube/connectionReuse.js';
import { resolveConfig } from '../src/config.js';
import { startCluster, type TestCluster } from './cluster.js';

let cluster: TestCluster;
let relay: Server;
let connections = 0;
const sockets = new Set<Socket>();
/** The relay's client-side sockets, in the order they connected. */
const clients: Socket[] = [];

beforeAll(async () => {
  cluster = await startCluster();
  relay = createServer((client) => {
    connections++;
    clients.push(client);
    const upstream = connect(cluster.server.port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => relay.close(resolve));
  await cluster.close();
});

/** The cluster's kubeconfig pointed at the relay (the certificate names 127.0.0.1, as the relay). */
function relayed(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(cluster.server.kubeconfig());
  const port = (relay.address() as AddressInfo).port;
  const current = kc.getCurrentCluster();
  if (!current) throw new Error('no current cluster');
  kc.clusters = kc.clusters.map((c) => (c.name === current.name ? { ...c, server: `https://127.0.0.1:${port}` } : c));
  return kc;
}

async function connectionsFor(kc: KubeConfig, requests: number): Promise<number> {
  const before = connections;
  const core = kc.makeApiClient(CoreV1Api);
  for (let i = 0; i < requests; i++) await core.readNamespace({ name: 'default' });
  return connections - before;
}

test('client-node alone opens a connection per request (why reuseConnections exists)', async () => {
  expect(await connectionsFor(relayed(), 20)).toBe(20);
});

// A connection goes back to the pool once the response has been read to its end, which may come just
// after the caller has its answer: another connection may open now and then, never one per request.
test('with reuseConnections, requests one after another share kept-alive connections', async () => {
  expect(await connectionsFor(reuseConnections(relayed()), 20)).toBeLessThanOrEqual(5);
});

test('a watch holds its connection while the requests beside it share another', async () => {
  const kc = reuseConnections(relayed());
  const before = connections;
  const events: string[] = [];
  const watching = await new Watch(kc).watch('/api/v1/namespaces/default/configmaps', {}, (type, obj: { metadata?: { name?: string } }) => events.push(`${type} ${obj.metadata?.name}`), () => undefined);
  const core = kc.makeApiClient(CoreV1Api);
  const names = Array.from({ length: 12 }, (_, i) => `cm-${i}`);
  for (const name of names) await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name } } });
  const deadline = Date.now() + 10_000;
  while (events.length < names.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  watching.abort();
  expect(events).toEqual(names.map((n) => `ADDED ${n}`));
  // Without reuse: 13 (the watch and one per create).
  expect(connections - before).toBeLessThanOrEqual(6);
});

test('reuseConnections is idempotent', () => {
  const kc = relayed();
  const apply = reuseConnections(kc).applySecurityAuthentication;
  expect(reuseConnections(kc)).toBe(kc);
  expect(kc.applySecurityAuthentication).toBe(apply);
});

test('the GM reuses connections through a view of the KubeConfig it is given, which stays as it was', async () => {
  const given = relayed();
  const resolved = resolveConfig({ kubeConfig: given, secret: 'a-secret-of-sixteen-chars' }, {});
  expect(resolved.kubeConfig).toBeInstanceOf(KubeConfig);
  expect(resolved.kubeConfig.getCurrentCluster()).toEqual(given.getCurrentCluster());
  expect(await connectionsFor(resolved.kubeConfig, 20)).toBeLessThanOrEqual(5);
  expect(await connectionsFor(given, 4)).toBe(4);
  await releaseConnections(resolved.kubeConfig);
});

test('releaseConnections closes the kept-alive connections (the GM does on stop), and later requests open new ones', async () => {
  const kc = reuseConnections(relayed());
  const first = clients.length;
  expect(await connectionsFor(kc, 5)).toBeGreaterThan(0);
  const opened = clients.slice(first);
  expect(opened.some((s) => !s.closed)).toBe(true);
  await releaseConnections(kc);
  const deadline = Date.now() + 10_000;
  while (opened.some((s) => !s.closed) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(opened.filter((s) => !s.closed)).toHaveLength(0);
  expect(await connectionsFor(kc, 3)).toBeGreaterThan(0);
  await releaseConnections(kc);
});

test('switching to a context with another server and CA takes an agent of its own (a reused one would fail TLS)', async () => {
  const other = await startCluster();
  try {
    const kc = reuseConnections(relayed());
    const second = new KubeConfig();
    second.loadFromString(other.server.kubeconfig());
    const prefix = (name: string) => `other-${name}`;
    kc.clusters = [...kc.clusters, ...second.clusters.map((c) => ({ ...c, name: prefix(c.name) }))];
    kc.users = [...kc.users, ...second.users.map((u) => ({ ...u, name: prefix(u.name) }))];
    kc.contexts = [...kc.contexts, ...second.contexts.map((c) => ({ ...c, name: prefix(c.name), cluster: prefix(c.cluster), user: prefix(c.user) }))];
    const first = kc.getCurrentContext();
    await kc.makeApiClient(CoreV1Api).readNamespace({ name: 'default' });
    kc.setCurrentContext(prefix(second.getCurrentContext()));
    await kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'only-on-the-other' } } });
    kc.setCurrentContext(first);
    const core = kc.makeApiClient(CoreV1Api);
    await expect(core.readNamespacedConfigMap({ namespace: 'default', name: 'only-on-the-other' })).rejects.toMatchObject({ code: 404 });
    await releaseConnections(kc);
  } finally {
    await other.close();
  }
});
