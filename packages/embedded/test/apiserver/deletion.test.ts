import { PatchStrategy, setHeaderOptions, type V1ConfigMap, type V1OwnerReference } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { eventually, rejection, removeDir, startTestServer, type TestServer } from '../support/apiserver.js';

let t: TestServer;
const ns = 'default';
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
  removeDir(t.dir);
});

async function cm(name: string, extra: Partial<V1ConfigMap['metadata']> = {}): Promise<V1ConfigMap> {
  return t.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, ...extra } } });
}

function ownedBy(owner: V1ConfigMap, block = false): V1OwnerReference[] {
  return [{ apiVersion: 'v1', kind: 'ConfigMap', name: owner.metadata?.name as string, uid: owner.metadata?.uid as string, ...(block ? { blockOwnerDeletion: true, controller: true } : {}) }];
}

const exists = async (name: string): Promise<boolean> => {
  try {
    await t.core.readNamespacedConfigMap({ name, namespace: ns });
    return true;
  } catch (error) {
    if ((await rejection(Promise.reject(error))).code === 404) return false;
    throw error;
  }
};

describe('finalizers', () => {
  test('an object with finalizers gets deletionTimestamp and stays until the last finalizer is removed', async () => {
    await cm('fin', { finalizers: ['test.sedna.io/a', 'test.sedna.io/b'] });
    await t.core.deleteNamespacedConfigMap({ name: 'fin', namespace: ns });
    const still = await t.core.readNamespacedConfigMap({ name: 'fin', namespace: ns });
    expect(still.metadata?.deletionTimestamp).toBeTruthy();
    const added = await rejection(
      t.core.patchNamespacedConfigMap({ name: 'fin', namespace: ns, body: { metadata: { finalizers: ['test.sedna.io/a', 'test.sedna.io/b', 'test.sedna.io/c'] } } }, merge),
    );
    expect(added.code).toBe(422);
    await t.core.patchNamespacedConfigMap({ name: 'fin', namespace: ns, body: { metadata: { finalizers: ['test.sedna.io/b'] } } }, merge);
    expect(await exists('fin')).toBe(true);
    await t.core.patchNamespacedConfigMap({ name: 'fin', namespace: ns, body: { metadata: { finalizers: null } } }, merge);
    expect(await exists('fin')).toBe(false);
  });

  test('delete preconditions on uid and resourceVersion answer 409 when they do not hold', async () => {
    const c = await cm('pre');
    const err = await rejection(t.core.deleteNamespacedConfigMap({ name: 'pre', namespace: ns, body: { preconditions: { uid: 'not-the-uid' } } }));
    expect(err.status).toMatchObject({ reason: 'Conflict', code: 409 });
    await t.core.deleteNamespacedConfigMap({ name: 'pre', namespace: ns, body: { preconditions: { uid: c.metadata?.uid as string, resourceVersion: c.metadata?.resourceVersion as string } } });
    expect(await exists('pre')).toBe(false);
  });
});

describe('ownerReference cascade', () => {
  test('background: the owner goes at once, its dependents (and theirs) after it', async () => {
    const owner = await cm('bg-owner');
    const child = await cm('bg-child', { ownerReferences: ownedBy(owner) });
    await cm('bg-grandchild', { ownerReferences: ownedBy(child) });
    await cm('bg-other');
    await t.core.deleteNamespacedConfigMap({ name: 'bg-owner', namespace: ns, propagationPolicy: 'Background' });
    expect(await exists('bg-owner')).toBe(false);
    await eventually(async () => expect([await exists('bg-child'), await exists('bg-grandchild')]).toEqual([false, false]));
    expect(await exists('bg-other')).toBe(true);
  });

  test('foreground: the owner waits with foregroundDeletion until its blocking dependents are gone', async () => {
    const owner = await cm('fg-owner');
    await cm('fg-child', { ownerReferences: ownedBy(owner, true), finalizers: ['test.sedna.io/slow'] });
    await t.core.deleteNamespacedConfigMap({ name: 'fg-owner', namespace: ns, propagationPolicy: 'Foreground' });
    const waiting = await t.core.readNamespacedConfigMap({ name: 'fg-owner', namespace: ns });
    expect(waiting.metadata?.finalizers).toContain('foregroundDeletion');
    expect(waiting.metadata?.deletionTimestamp).toBeTruthy();
    await eventually(async () => expect((await t.core.readNamespacedConfigMap({ name: 'fg-child', namespace: ns })).metadata?.deletionTimestamp).toBeTruthy());
    expect(await exists('fg-owner')).toBe(true);
    await t.core.patchNamespacedConfigMap({ name: 'fg-child', namespace: ns, body: { metadata: { finalizers: null } } }, merge);
    await eventually(async () => expect(await exists('fg-owner')).toBe(false));
    expect(await exists('fg-child')).toBe(false);
  });

  test('orphan: dependents stay and lose the reference to the deleted owner', async () => {
    const owner = await cm('or-owner');
    const keep = await cm('or-keep');
    await cm('or-child', { ownerReferences: [...ownedBy(owner), ...ownedBy(keep)] });
    await t.core.deleteNamespacedConfigMap({ name: 'or-owner', namespace: ns, propagationPolicy: 'Orphan' });
    await eventually(async () => expect(await exists('or-owner')).toBe(false));
    const child = await t.core.readNamespacedConfigMap({ name: 'or-child', namespace: ns });
    expect(child.metadata?.ownerReferences?.map((r) => r.name)).toEqual(['or-keep']);
  });

  test('a dependent whose owner no longer exists is collected; one with another live owner keeps living', async () => {
    const ghost = { apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: '00000000-0000-0000-0000-000000000000' };
    await cm('dangling', { ownerReferences: [ghost] });
    const alive = await cm('alive-owner');
    await cm('half', { ownerReferences: [ghost, ...ownedBy(alive)] });
    await eventually(async () => expect(await exists('dangling')).toBe(false));
    const half = await eventually(async () => {
      const h = await t.core.readNamespacedConfigMap({ name: 'half', namespace: ns });
      if (h.metadata?.ownerReferences?.length !== 1) throw new Error('not yet');
      return h;
    });
    expect(half.metadata?.ownerReferences?.[0]?.name).toBe('alive-owner');
  });

  test('a custom owner cascades to built-in dependents across kinds (pods owned by a configmap)', async () => {
    const owner = await cm('pod-owner');
    await t.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'owned-pod', ownerReferences: ownedBy(owner) }, spec: { containers: [{ name: 'c', image: 'x' }] } } });
    await t.core.deleteNamespacedConfigMap({ name: 'pod-owner', namespace: ns });
    await eventually(async () => expect((await rejection(t.core.readNamespacedPod({ name: 'owned-pod', namespace: ns }))).code).toBe(404));
  });
});

describe('namespaces and pods', () => {
  test('deleting a namespace marks it Terminating, deletes its contents, then removes it; system namespaces stay', async () => {
    await t.core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await t.core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'x', finalizers: ['test.sedna.io/hold'] } } });
    await t.core.createNamespacedSecret({ namespace: 'doomed', body: { metadata: { name: 's' } } });
    const marked = await t.core.deleteNamespace({ name: 'doomed' });
    expect((marked as { status?: { phase?: string } }).status?.phase).toBe('Terminating');
    const forbidden = await rejection(t.core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'late' } } }));
    expect(forbidden.status).toMatchObject({ reason: 'Forbidden', code: 403 });
    await eventually(async () => expect((await rejection(t.core.readNamespacedSecret({ name: 's', namespace: 'doomed' }))).code).toBe(404));
    expect((await t.core.readNamespace({ name: 'doomed' })).status?.phase).toBe('Terminating');
    await t.core.patchNamespacedConfigMap({ name: 'x', namespace: 'doomed', body: { metadata: { finalizers: null } } }, merge);
    await eventually(async () => expect((await rejection(t.core.readNamespace({ name: 'doomed' }))).code).toBe(404));
    expect((await rejection(t.core.deleteNamespace({ name: 'default' }))).code).toBe(403);
  });

  test('a pod bound to a node is deleted gracefully: it stays until a delete with gracePeriodSeconds 0', async () => {
    await t.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'bound' }, spec: { nodeName: 'edge', terminationGracePeriodSeconds: 20, containers: [{ name: 'c', image: 'x' }] } } });
    await t.core.deleteNamespacedPod({ name: 'bound', namespace: ns });
    const pod = await t.core.readNamespacedPod({ name: 'bound', namespace: ns });
    expect(pod.metadata?.deletionGracePeriodSeconds).toBe(20);
    expect(new Date(pod.metadata?.deletionTimestamp as unknown as string).getTime()).toBeGreaterThan(Date.now() + 10_000);
    await t.core.deleteNamespacedPod({ name: 'bound', namespace: ns, gracePeriodSeconds: 0, body: { preconditions: { uid: pod.metadata?.uid as string } } });
    expect((await rejection(t.core.readNamespacedPod({ name: 'bound', namespace: ns }))).code).toBe(404);
    await t.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'unbound' }, spec: { containers: [{ name: 'c', image: 'x' }] } } });
    await t.core.deleteNamespacedPod({ name: 'unbound', namespace: ns });
    expect((await rejection(t.core.readNamespacedPod({ name: 'unbound', namespace: ns }))).code).toBe(404);
  });

  test('deletecollection deletes what the selector picks', async () => {
    await cm('col-1', { labels: { batch: 'x' } });
    await cm('col-2', { labels: { batch: 'x' } });
    await cm('col-3', { labels: { batch: 'y' } });
    await t.core.deleteCollectionNamespacedConfigMap({ namespace: ns, labelSelector: 'batch=x' });
    expect([await exists('col-1'), await exists('col-2'), await exists('col-3')]).toEqual([false, false, true]);
  });
});

describe('after a restart', () => {
  test('a bound pod whose grace period ran out while the server was down is removed by the restarted server', async () => {
    const s = await startTestServer();
    await s.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'orphaned' }, spec: { nodeName: 'gone-node', terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'x' }] } } });
    await s.core.deleteNamespacedPod({ name: 'orphaned', namespace: ns });
    await s.close();
    const again = await startTestServer({}, s.dir);
    try {
      expect((await again.core.readNamespacedPod({ name: 'orphaned', namespace: ns })).metadata?.deletionTimestamp).toBeTruthy();
      await eventually(async () => expect((await rejection(again.core.readNamespacedPod({ name: 'orphaned', namespace: ns }))).code).toBe(404), 15000);
    } finally {
      await again.close();
      removeDir(s.dir);
    }
  }, 30000);
});
