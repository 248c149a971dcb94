import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { rejection, removeDir, startTestServer, type TestServer } from '../support/apiserver.js';

let t: TestServer;
const ns = 'default';

beforeAll(async () => {
  t = await startTestServer({ watchWindow: 20 });
  const labels: Record<string, Record<string, string>> = {
    a: { app: 'web', tier: 'front', v: '1' },
    b: { app: 'web', tier: 'back', v: '2' },
    c: { app: 'db', v: '3' },
    d: { app: 'cache' },
    e: {},
  };
  for (const [name, l] of Object.entries(labels)) await t.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, labels: l } } });
  const pod = (name: string, node: string | undefined) => ({ metadata: { name }, spec: { ...(node ? { nodeName: node } : {}), containers: [{ name: 'c', image: 'x' }] } });
  await t.core.createNamespacedPod({ namespace: ns, body: pod('p1', 'edge-1') });
  await t.core.createNamespacedPod({ namespace: ns, body: pod('p2', 'edge-2') });
  await t.core.createNamespacedPod({ namespace: ns, body: pod('p3', undefined) });
  const p2 = await t.core.readNamespacedPodStatus({ name: 'p2', namespace: ns });
  await t.core.replaceNamespacedPodStatus({ name: 'p2', namespace: ns, body: { ...p2, status: { phase: 'Running' } } });
});
afterAll(async () => {
  await t.close();
  removeDir(t.dir);
});

async function names(labelSelector?: string, fieldSelector?: string): Promise<string[]> {
  const list = await t.core.listNamespacedConfigMap({ namespace: ns, ...(labelSelector ? { labelSelector } : {}), ...(fieldSelector ? { fieldSelector } : {}) });
  return list.items.map((c) => c.metadata?.name as string);
}

describe('label selectors', () => {
  test.each([
    ['app=web', ['a', 'b']],
    ['app==web', ['a', 'b']],
    ['app!=web', ['c', 'd', 'e']],
    ['app in (db, cache)', ['c', 'd']],
    ['app notin (web)', ['c', 'd', 'e']],
    ['tier', ['a', 'b']],
    ['!tier', ['c', 'd', 'e']],
    ['app=web,tier=back', ['b']],
    ['app,!tier', ['c', 'd']],
    ['v>1', ['b', 'c']],
    ['v<2', ['a']],
  ])('%s selects %j', async (selector, expected) => {
    expect(await names(selector)).toEqual(expected);
  });

  test('a malformed selector answers 400', async () => {
    const err = await rejection(t.core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'app in web' }));
    expect(err.status).toMatchObject({ reason: 'BadRequest', code: 400 });
  });
});

describe('field selectors', () => {
  test('metadata.name and metadata.namespace work on every kind', async () => {
    expect(await names(undefined, 'metadata.name=c')).toEqual(['c']);
    expect(await names(undefined, 'metadata.name!=c,metadata.namespace=default')).toEqual(['a', 'b', 'd', 'e']);
    const all = await t.core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.namespace=kube-system' });
    expect(all.items).toEqual([]);
  });

  test('pods select by spec.nodeName and status.phase', async () => {
    const byNode = await t.core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=edge-1' });
    expect(byNode.items.map((p) => p.metadata?.name)).toEqual(['p1']);
    const unbound = await t.core.listNamespacedPod({ namespace: ns, fieldSelector: 'spec.nodeName=' });
    expect(unbound.items.map((p) => p.metadata?.name)).toEqual(['p3']);
    const running = await t.core.listNamespacedPod({ namespace: ns, fieldSelector: 'status.phase=Running' });
    expect(running.items.map((p) => p.metadata?.name)).toEqual(['p2']);
    const notPending = await t.core.listNamespacedPod({ namespace: ns, fieldSelector: 'status.phase!=Pending,spec.nodeName=edge-2' });
    expect(notPending.items.map((p) => p.metadata?.name)).toEqual(['p2']);
  });

  test('a field the kind does not support answers 400', async () => {
    const err = await rejection(t.core.listNamespacedConfigMap({ namespace: ns, fieldSelector: 'spec.nodeName=x' }));
    expect(err.status).toMatchObject({ reason: 'BadRequest', message: 'field label not supported: spec.nodeName' });
  });
});

describe('limit and continue', () => {
  test('pages are consistent at the first page revision even when objects change in between', async () => {
    const page1 = await t.core.listNamespacedConfigMap({ namespace: ns, limit: 2 });
    expect(page1.items.map((c) => c.metadata?.name)).toEqual(['a', 'b']);
    expect(page1.metadata?._continue).toBeTruthy();
    expect(page1.metadata?.remainingItemCount).toBe(3);
    // Changes after the first page: a deletion, a creation and an update of later items.
    await t.core.deleteNamespacedConfigMap({ name: 'c', namespace: ns });
    await t.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'cc' } } });
    await t.core.patchNamespacedConfigMap({ name: 'd', namespace: ns, body: [{ op: 'add', path: '/data', value: { changed: 'yes' } }] });
    const page2 = await t.core.listNamespacedConfigMap({ namespace: ns, limit: 2, _continue: page1.metadata?._continue });
    expect(page2.metadata?.resourceVersion).toBe(page1.metadata?.resourceVersion);
    expect(page2.items.map((c) => c.metadata?.name)).toEqual(['c', 'd']);
    expect(page2.items[1]?.data).toBeUndefined();
    const page3 = await t.core.listNamespacedConfigMap({ namespace: ns, limit: 2, _continue: page2.metadata?._continue });
    expect(page3.items.map((c) => c.metadata?.name)).toEqual(['e']);
    expect(page3.metadata?._continue).toBeFalsy();
    const fresh = await t.core.listNamespacedConfigMap({ namespace: ns });
    expect(fresh.items.map((c) => c.metadata?.name)).toEqual(['a', 'b', 'cc', 'd', 'e']);
  });

  test('a continue token older than the watch window answers HTTP 410 Expired', async () => {
    const page1 = await t.core.listNamespacedConfigMap({ namespace: ns, limit: 1 });
    for (let i = 0; i < 25; i++) await t.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { generateName: 'fill-' } } });
    const err = await rejection(t.core.listNamespacedConfigMap({ namespace: ns, limit: 1, _continue: page1.metadata?._continue }));
    expect(err.code).toBe(410);
    expect(err.status).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
  });
});
