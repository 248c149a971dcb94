import { type KubeConfig, makeInformer, type V1ConfigMap, Watch } from '@kubernetes/client-node';
import { afterEach, describe, expect, test } from '@jest/globals';
import { eventually, removeDir, startTestServer, tempDir, type TestServer } from '../support/apiserver.js';

const ns = 'default';
const path = `/api/v1/namespaces/${ns}/configmaps`;
const servers: TestServer[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) removeDir(d);
});

async function server(options: Parameters<typeof startTestServer>[0] = {}, dir?: string): Promise<TestServer> {
  const s = await startTestServer(options, dir);
  servers.push(s);
  if (!dirs.includes(s.dir)) dirs.push(s.dir);
  return s;
}

interface Seen {
  type: string;
  name?: string;
  rv?: string;
  object: { kind?: string; code?: number; reason?: string; metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> } };
}

/** Starts a client-node watch and collects its events until stopped. */
async function collect(kc: KubeConfig, params: Record<string, string | number | boolean | undefined>, p = path) {
  const events: Seen[] = [];
  let done: unknown = 'open';
  const controller = await new Watch(kc).watch(
    p,
    params,
    (type, object: Seen['object']) => events.push({ type, name: object.metadata?.name, rv: object.metadata?.resourceVersion, object }),
    (err) => {
      done = err ?? null;
    },
  );
  return {
    events,
    get done() {
      return done;
    },
    stop: () => controller.abort(),
  };
}

async function put(t: TestServer, name: string, value: string, labels: Record<string, string> = { w: 'yes' }): Promise<string> {
  try {
    const cm = await t.core.readNamespacedConfigMap({ name, namespace: ns });
    const out = await t.core.replaceNamespacedConfigMap({ name, namespace: ns, body: { ...cm, metadata: { ...cm.metadata, labels }, data: { v: value } } });
    return out.metadata?.resourceVersion as string;
  } catch {
    const out = await t.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, labels }, data: { v: value } } });
    return out.metadata?.resourceVersion as string;
  }
}

describe('watch', () => {
  test('events arrive in revision order with no gap or repeat across a reconnect from the last resourceVersion', async () => {
    const t = await server();
    const start = await put(t, 'w-0', 'start');
    const first = await collect(t.kc, { resourceVersion: start, labelSelector: 'w=yes' });
    const acked: string[] = [];
    for (let i = 0; i < 10; i++) acked.push(await put(t, `w-${i % 3}`, `a${i}`));
    await eventually(() => expect(first.events.length).toBeGreaterThanOrEqual(10));
    first.stop();
    const last = first.events[first.events.length - 1]?.rv as string;
    // Writes while no watch is open, then a burst racing the reconnect.
    for (let i = 0; i < 10; i++) acked.push(await put(t, `w-${i % 4}`, `b${i}`));
    const second = await collect(t.kc, { resourceVersion: last, labelSelector: 'w=yes' });
    const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => put(t, `burst-${i}`, 'c')));
    acked.push(...burst);
    await eventually(() => expect(first.events.length + second.events.length).toBe(acked.length));
    second.stop();
    const seen = [...first.events, ...second.events].map((e) => Number(e.rv));
    expect(seen).toEqual([...acked].map(Number).sort((a, b) => a - b));
    expect(first.events.every((e) => e.type === 'ADDED' || e.type === 'MODIFIED')).toBe(true);
  });

  test('a resourceVersion that left the watch window answers an ERROR event with a 410 Status and ends the watch', async () => {
    const t = await server({ watchWindow: 5 });
    const old = await put(t, 'gone-0', 'x');
    for (let i = 0; i < 8; i++) await put(t, `gone-${i}`, `v${i}`);
    const w = await collect(t.kc, { resourceVersion: old });
    await eventually(() => expect(w.done).not.toBe('open'));
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  test('an informer relists after its watch gets 410 Gone, and its cache stays right', async () => {
    const t = await server({ watchWindow: 5, minRequestTimeoutSeconds: 1 });
    await put(t, 'inf-1', '1', { inf: 'yes' });
    const informer = makeInformer<V1ConfigMap>(t.kc, path, () => t.core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'inf=yes' }), 'inf=yes');
    const errors: unknown[] = [];
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    try {
      await eventually(() => expect(informer.list(ns).map((c) => c.metadata?.name)).toEqual(['inf-1']));
      const lists = () => t.logger.entries.filter((e) => e.message === 'request' && /configmaps\?/.test(String(e.fields.url)) && !/watch=true/.test(String(e.fields.url))).length;
      const listsBefore = lists();
      // Writes the informer does not see move the store's revision past its window.
      for (let i = 0; i < 8; i++) await put(t, `other-${i}`, `${i}`, { inf: 'no' });
      // Its watch ends within 1-2 s; the reconnect from its old resourceVersion gets 410 and it relists.
      await eventually(() => expect(lists()).toBeGreaterThan(listsBefore), 15000);
      await put(t, 'inf-2', '2', { inf: 'yes' });
      await eventually(() => expect(informer.list(ns).map((c) => c.metadata?.name).sort()).toEqual(['inf-1', 'inf-2']), 15000);
      expect(errors).toEqual([]);
    } finally {
      await informer.stop();
    }
  }, 30000);

  test('a watch without resourceVersion starts with the current objects; selector changes turn into ADDED and DELETED', async () => {
    const t = await server();
    await put(t, 'sel-a', '1', { team: 'x' });
    await put(t, 'sel-b', '1', { team: 'y' });
    const w = await collect(t.kc, { labelSelector: 'team=x' });
    await eventually(() => expect(w.events.map((e) => [e.type, e.name])).toEqual([['ADDED', 'sel-a']]));
    await put(t, 'sel-b', '2', { team: 'x' });
    await put(t, 'sel-a', '2', { team: 'y' });
    await put(t, 'sel-b', '3', { team: 'x' });
    await t.core.deleteNamespacedConfigMap({ name: 'sel-b', namespace: ns });
    await eventually(() =>
      expect(w.events.map((e) => [e.type, e.name])).toEqual([
        ['ADDED', 'sel-a'],
        ['ADDED', 'sel-b'],
        ['DELETED', 'sel-a'],
        ['MODIFIED', 'sel-b'],
        ['DELETED', 'sel-b'],
      ]),
    );
    w.stop();
  });

  test('allowWatchBookmarks brings BOOKMARK events at the current resourceVersion; sendInitialEvents ends with the initial-events-end bookmark', async () => {
    const t = await server({ bookmarkIntervalSeconds: 0.2 });
    const rv = await put(t, 'bm', '1');
    const w = await collect(t.kc, { resourceVersion: rv, allowWatchBookmarks: true });
    await eventually(() => expect(w.events.some((e) => e.type === 'BOOKMARK')).toBe(true));
    const bookmark = w.events.find((e) => e.type === 'BOOKMARK');
    expect(bookmark?.object).toMatchObject({ kind: 'ConfigMap', metadata: { resourceVersion: rv } });
    w.stop();
    const init = await collect(t.kc, { allowWatchBookmarks: true, sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' });
    await eventually(() => expect(init.events.some((e) => e.type === 'BOOKMARK')).toBe(true));
    expect(init.events[0]).toMatchObject({ type: 'ADDED', name: 'bm' });
    expect(init.events.find((e) => e.type === 'BOOKMARK')?.object.metadata?.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    init.stop();
  });

  test('timeoutSeconds ends the watch; a watch resumes across a server restart from the persisted event log', async () => {
    const dir = tempDir();
    dirs.push(dir);
    let t = await server({}, dir);
    const from = await put(t, 'r-1', '1');
    const rv2 = await put(t, 'r-2', '1');
    const rv3 = await put(t, 'r-1', '2');
    const timed = await collect(t.kc, { resourceVersion: rv3, timeoutSeconds: 1 });
    await eventually(() => expect(timed.done).toBeNull(), 5000);
    await t.close();
    servers.splice(servers.indexOf(t), 1);
    t = await server({}, dir);
    const w = await collect(t.kc, { resourceVersion: from });
    await eventually(() => expect(w.events.map((e) => [e.type, e.name, e.rv])).toEqual([
      ['ADDED', 'r-2', rv2],
      ['MODIFIED', 'r-1', rv3],
    ]));
    w.stop();
  });

  test('a watch on one object by name through the /watch/ path', async () => {
    const t = await server();
    const rv = await put(t, 'one', '1');
    await put(t, 'two', '1');
    const w = await collect(t.kc, { resourceVersion: rv }, `/api/v1/watch/namespaces/${ns}/configmaps/two`);
    await put(t, 'one', '2');
    await put(t, 'two', '2');
    await eventually(() => expect(w.events.map((e) => [e.type, e.name])).toEqual([
      ['ADDED', 'two'],
      ['MODIFIED', 'two'],
    ]));
    w.stop();
  });
});
