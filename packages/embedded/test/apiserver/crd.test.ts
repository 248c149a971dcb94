import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { eventually, registerWidgets, rejection, removeDir, startTestServer, type TestServer, WIDGETS } from '../support/apiserver.js';

let t: TestServer;
const ns = 'default';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

beforeAll(async () => {
  t = await startTestServer();
  await registerWidgets(t);
});
afterAll(async () => {
  await t.close();
  removeDir(t.dir);
});

type Widget = { metadata: { name: string; resourceVersion?: string; generation?: number }; spec?: Record<string, unknown>; status?: Record<string, unknown> };

const create = (name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  t.custom.createNamespacedCustomObject({ ...WIDGETS, namespace: ns, body: { apiVersion: 'test.sedna.io/v1', kind: 'Widget', metadata: { name }, spec, ...extra } }) as Promise<Widget>;
const get = (name: string) => t.custom.getNamespacedCustomObject({ ...WIDGETS, namespace: ns, name }) as Promise<Widget>;

describe('CustomResourceDefinitions', () => {
  test('a created CRD is Established and its kind is served with scope, short names and categories', async () => {
    const crd = await t.ext.readCustomResourceDefinition({ name: 'widgets.test.sedna.io' });
    expect(crd.status?.acceptedNames).toMatchObject({ kind: 'Widget', plural: 'widgets', shortNames: ['wg'] });
    expect(crd.status?.storedVersions).toEqual(['v1']);
    expect(crd.metadata?.finalizers).toContain('customresourcecleanup.apiextensions.k8s.io');
    const list = (await t.fetch('/apis/test.sedna.io/v1')).json();
    expect(list.resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'widgets', namespaced: true, kind: 'Widget', shortNames: ['wg'], categories: ['sedna'] }),
        expect.objectContaining({ name: 'widgets/status' }),
      ]),
    );
  });

  test('custom resources are defaulted, pruned of unknown fields and validated against the schema', async () => {
    const w = await create('w-defaults', { size: 1, bogus: true, free: { anything: { goes: 1 } } });
    expect(w.spec).toEqual({ size: 1, replicas: 1, free: { anything: { goes: 1 } } });
    const invalid = await rejection(create('w-invalid', { size: -1, color: 'purple' }));
    expect(invalid.code).toBe(422);
    expect(invalid.status.message).toContain('spec.size');
    expect(invalid.status.message).toContain('spec.color');
    const missing = await rejection(create('w-missing', {}));
    expect(missing.status.message).toContain('spec.size: Required value');
    const strict = await rejection(
      t.custom.createNamespacedCustomObject({ ...WIDGETS, namespace: ns, fieldValidation: 'Strict', body: { apiVersion: 'test.sedna.io/v1', kind: 'Widget', metadata: { name: 'w-strict' }, spec: { size: 1, nope: 1 } } }),
    );
    expect(strict.status).toMatchObject({ reason: 'BadRequest', message: 'strict decoding error: unknown field "spec.nope"' });
  });

  test('spec writes ignore status, status writes ignore everything but status, generation follows the spec', async () => {
    const created = await create('w-status', { size: 1 }, { status: { observed: 99 } });
    expect(created.status).toBeUndefined();
    expect(created.metadata.generation).toBe(1);

    const replaced = (await t.custom.replaceNamespacedCustomObject({
      ...WIDGETS,
      namespace: ns,
      name: 'w-status',
      body: { ...created, spec: { size: 2 }, status: { observed: 1 } },
    })) as Widget;
    expect(replaced.spec?.size).toBe(2);
    expect(replaced.status).toBeUndefined();
    expect(replaced.metadata.generation).toBe(2);

    const statusWrite = (await t.custom.replaceNamespacedCustomObjectStatus({
      ...WIDGETS,
      namespace: ns,
      name: 'w-status',
      body: { ...replaced, metadata: { ...replaced.metadata, labels: { ignored: 'yes' } }, spec: { size: 100 }, status: { observed: 2 } },
    })) as Widget & { metadata: { labels?: Record<string, string> } };
    expect(statusWrite.status).toEqual({ observed: 2 });
    expect(statusWrite.spec?.size).toBe(2);
    expect(statusWrite.metadata.labels).toBeUndefined();
    expect(statusWrite.metadata.generation).toBe(2);

    const patched = (await t.custom.patchNamespacedCustomObjectStatus(
      { ...WIDGETS, namespace: ns, name: 'w-status', body: { status: { conditions: [{ type: 'Running', status: 'True' }] }, spec: { size: 7 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Widget;
    expect(patched.status).toEqual({ observed: 2, conditions: [{ type: 'Running', status: 'True' }] });
    expect(patched.spec?.size).toBe(2);

    const metaOnly = (await t.custom.patchNamespacedCustomObject(
      { ...WIDGETS, namespace: ns, name: 'w-status', body: { metadata: { labels: { x: 'y' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Widget;
    expect(metaOnly.metadata.generation).toBe(2);
    expect((await get('w-status')).status).toEqual(patched.status);
  });

  test('kubectl-style Table output evaluates the printer columns, including [-1] and filters', async () => {
    await create('w-table', { size: 3 });
    await t.custom.patchNamespacedCustomObjectStatus(
      { ...WIDGETS, namespace: ns, name: 'w-table', body: { status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Training', status: 'True' }] } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const res = await t.fetch(`/apis/test.sedna.io/v1/namespaces/${ns}/widgets?fieldSelector=metadata.name=w-table`, { headers: { Accept: TABLE } });
    const table = res.json();
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Size', 'Phase', 'Ready', 'Age']);
    expect(table.rows).toHaveLength(1);
    const [name, size, phase, ready, age] = table.rows[0].cells;
    expect([name, size, phase, ready]).toEqual(['w-table', 3, 'Training', 'True']);
    expect(age).toMatch(/^\d+s$/);
    expect(table.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'w-table' } });
    const pods = (await t.fetch('/api/v1/namespaces/default/pods', { headers: { Accept: TABLE } })).json();
    expect(pods.columnDefinitions.map((c: { name: string }) => c.name).slice(0, 5)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
  });

  test('selectableFields work as field selectors', async () => {
    await create('w-red', { size: 1, color: 'red' });
    await create('w-blue', { size: 1, color: 'blue' });
    const list = (await t.custom.listNamespacedCustomObject({ ...WIDGETS, namespace: ns, fieldSelector: 'spec.color=red' })) as { items: Widget[] };
    expect(list.items.map((w) => w.metadata.name)).toEqual(['w-red']);
  });

  test('deleting a CRD deletes its custom resources first, then stops serving the kind', async () => {
    await t.ext.createCustomResourceDefinition({
      body: {
        metadata: { name: 'gadgets.test.sedna.io' },
        spec: {
          group: 'test.sedna.io',
          scope: 'Cluster',
          names: { plural: 'gadgets', kind: 'Gadget' },
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }],
        },
      },
    });
    const gadgets = { group: 'test.sedna.io', version: 'v1', plural: 'gadgets' };
    await t.custom.createClusterCustomObject({ ...gadgets, body: { apiVersion: 'test.sedna.io/v1', kind: 'Gadget', metadata: { name: 'g1', finalizers: ['test/hold'] } } });
    await t.ext.deleteCustomResourceDefinition({ name: 'gadgets.test.sedna.io' });
    const g1 = (await eventually(async () => {
      const g = (await t.custom.getClusterCustomObject({ ...gadgets, name: 'g1' })) as { metadata: { deletionTimestamp?: string } };
      if (!g.metadata.deletionTimestamp) throw new Error('not yet');
      return g;
    })) as { metadata: { deletionTimestamp?: string } };
    expect(g1.metadata.deletionTimestamp).toBeTruthy();
    const terminating = await t.ext.readCustomResourceDefinition({ name: 'gadgets.test.sedna.io' });
    expect(terminating.metadata?.deletionTimestamp).toBeTruthy();
    await t.custom.patchClusterCustomObject({ ...gadgets, name: 'g1', body: { metadata: { finalizers: null } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await eventually(async () => expect((await rejection(t.ext.readCustomResourceDefinition({ name: 'gadgets.test.sedna.io' }))).code).toBe(404));
    expect((await t.fetch('/apis/test.sedna.io/v1/gadgets')).status).toBe(404);
    expect((await t.fetch('/apis/test.sedna.io/v1/namespaces/default/widgets')).status).toBe(200);
  });
});
