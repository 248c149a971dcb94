import { PatchStrategy, setHeaderOptions, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startApiServer } from '../../src/index.js';
import { rawRequest, rejection, removeDir, startTestServer, type TestServer } from '../support/apiserver.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
  removeDir(t.dir);
});

const ns = 'default';

describe('create, get, update', () => {
  test('a stale update answers 409 Conflict with a Status, a fresh one succeeds', async () => {
    const created = await t.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'stale' }, data: { a: '1' } } });
    const first = { ...created, data: { a: '2' } };
    const updated = await t.core.replaceNamespacedConfigMap({ name: 'stale', namespace: ns, body: first });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));

    const err = await rejection(t.core.replaceNamespacedConfigMap({ name: 'stale', namespace: ns, body: { ...created, data: { a: '3' } } }));
    expect(err.code).toBe(409);
    expect(err.status).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    expect(err.status.message).toContain('the object has been modified');

    const stalePatch = await rejection(
      t.core.patchNamespacedConfigMap(
        { name: 'stale', namespace: ns, body: { metadata: { resourceVersion: created.metadata?.resourceVersion }, data: { a: '4' } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(stalePatch.code).toBe(409);
    const now = await t.core.readNamespacedConfigMap({ name: 'stale', namespace: ns });
    expect(now.data).toEqual({ a: '2' });
  });

  test('an update without resourceVersion is unconditional, and one that changes nothing stores nothing', async () => {
    const created = await t.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'noop' }, data: { a: '1' } } });
    const same = await t.core.replaceNamespacedConfigMap({ name: 'noop', namespace: ns, body: { metadata: { name: 'noop' }, data: { a: '1' } } });
    expect(same.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    const changed = await t.core.replaceNamespacedConfigMap({ name: 'noop', namespace: ns, body: { metadata: { name: 'noop' }, data: { a: '2' } } });
    expect(changed.metadata?.resourceVersion).not.toBe(created.metadata?.resourceVersion);
    expect(changed.metadata?.uid).toBe(created.metadata?.uid);
    expect(changed.metadata?.creationTimestamp).toEqual(created.metadata?.creationTimestamp);
  });

  test('built-in kinds carry no metadata.generation, as in Kubernetes 1.32, even when the client sends one', async () => {
    const created = await t.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'no-generation', generation: 7 }, data: { a: '1' } } });
    expect(created.metadata?.generation).toBeUndefined();
    const changed = await t.core.replaceNamespacedConfigMap({ name: 'no-generation', namespace: ns, body: { metadata: { name: 'no-generation', generation: 3 }, data: { a: '2' } } });
    expect(changed.metadata?.generation).toBeUndefined();
    const secret = await t.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'no-generation' }, stringData: { k: 'v' } } });
    expect(secret.metadata?.generation).toBeUndefined();
  });

  test('generateName gives a unique name with a random suffix; no name at all is invalid', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const cm = await t.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { generateName: 'gen-' } } });
      expect(cm.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
      expect(cm.metadata?.generateName).toBe('gen-');
      names.add(cm.metadata?.name as string);
    }
    expect(names.size).toBe(5);
    const err = await rejection(t.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: {} } }));
    expect(err.code).toBe(422);
    expect(err.status.reason).toBe('Invalid');
  });

  test('creating an existing name answers 409 AlreadyExists; reading a missing one 404 NotFound', async () => {
    await t.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'dup' } } });
    const dup = await rejection(t.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'dup' } } }));
    expect(dup.status).toMatchObject({ reason: 'AlreadyExists', code: 409 });
    const missing = await rejection(t.core.readNamespacedConfigMap({ name: 'nope', namespace: ns }));
    expect(missing.status).toMatchObject({ reason: 'NotFound', code: 404, message: 'configmaps "nope" not found' });
  });

  test('objects go only into namespaces that exist', async () => {
    const err = await rejection(t.core.createNamespacedConfigMap({ namespace: 'ghost', body: { metadata: { name: 'x' } } }));
    expect(err.status).toMatchObject({ reason: 'NotFound', message: 'namespaces "ghost" not found' });
    const names = (await t.core.listNamespace()).items.map((n) => n.metadata?.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease']));
  });

  test('secrets turn stringData into base64 data', async () => {
    const s = await t.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'sec' }, stringData: { password: 'hunter2' } } });
    expect(s.data).toEqual({ password: Buffer.from('hunter2').toString('base64') });
    expect(s.type).toBe('Opaque');
  });

  test('metav1.Time fields of Events and Pods are stored at whole seconds (a MicroTime keeps its fraction), as Kubernetes does', async () => {
    const json = (method: string, body: unknown, contentType = 'application/json') => ({ method, headers: { 'Content-Type': contentType }, body: JSON.stringify(body) });
    const created = await t.fetch(
      `/api/v1/namespaces/${ns}/events`,
      json('POST', {
        metadata: { name: 'ms-event' },
        involvedObject: { kind: 'Pod', name: 'ms-pod', namespace: ns },
        reason: 'Pulled',
        firstTimestamp: '2026-12-05T14:31:27.123Z',
        lastTimestamp: '2026-12-05T15:31:27.999+01:00',
        eventTime: '2026-12-05T14:31:27.123456Z',
      }),
    );
    expect(created.status).toBe(201);
    const event = (await t.fetch(`/api/v1/namespaces/${ns}/events/ms-event`)).json() as Record<string, unknown>;
    expect([event.firstTimestamp, event.lastTimestamp, event.eventTime]).toEqual(['2026-12-05T14:31:27Z', '2026-12-05T14:31:27Z', '2026-12-05T14:31:27.123456Z']);
    await t.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'ms-pod' }, spec: { containers: [{ name: 'c', image: 'x' }] } } });
    const status = { phase: 'Running', startTime: '2026-12-05T14:31:27.5Z', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-12-05T14:31:28.25Z' }], containerStatuses: [{ name: 'c', image: 'x', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: '2026-12-05T14:31:27.75Z' } } }] };
    expect((await t.fetch(`/api/v1/namespaces/${ns}/pods/ms-pod/status`, json('PATCH', { status }, 'application/merge-patch+json'))).status).toBe(200);
    const pod = (await t.fetch(`/api/v1/namespaces/${ns}/pods/ms-pod`)).json() as { status: typeof status };
    expect([pod.status.startTime, pod.status.conditions[0]?.lastTransitionTime, pod.status.containerStatuses[0]?.state.running.startedAt]).toEqual(['2026-12-05T14:31:27Z', '2026-12-05T14:31:28Z', '2026-12-05T14:31:27Z']);
  });

  test('merge, JSON and strategic merge patches apply to built-in kinds', async () => {
    await t.core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: 'patchy', labels: { a: '1' } }, spec: { containers: [{ name: 'c', image: 'x', env: [{ name: 'A', value: '1' }] }] } },
    });
    await t.core.patchNamespacedPod({ name: 'patchy', namespace: ns, body: { metadata: { labels: { b: '2', a: null } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await t.core.patchNamespacedPod({ name: 'patchy', namespace: ns, body: [{ op: 'add', path: '/metadata/annotations', value: { x: 'y' } }] });
    const pod = await t.core.patchNamespacedPod(
      { name: 'patchy', namespace: ns, body: { spec: { containers: [{ name: 'c', env: [{ name: 'B', value: '2' }] }] } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(pod.metadata?.labels).toEqual({ b: '2' });
    expect(pod.metadata?.annotations).toEqual({ x: 'y' });
    expect(pod.spec?.containers[0]?.image).toBe('x');
    expect(pod.spec?.containers[0]?.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ]);
    const failing = await rejection(t.core.patchNamespacedPod({ name: 'patchy', namespace: ns, body: [{ op: 'test', path: '/metadata/name', value: 'other' }] }));
    expect(failing.code).toBe(422);
  });

  test('server-side apply creates, then merges the applied configuration', async () => {
    const apply = (data: Record<string, string>) =>
      t.core.patchNamespacedConfigMap(
        { name: 'applied', namespace: ns, fieldManager: 'test', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data } },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
    expect((await apply({ a: '1' })).data).toEqual({ a: '1' });
    expect((await apply({ b: '2' })).data).toEqual({ a: '1', b: '2' });
  });

  test('dryRun=All validates without storing', async () => {
    const cm: V1ConfigMap = await t.core.createNamespacedConfigMap({ namespace: ns, dryRun: 'All', body: { metadata: { name: 'dry' } } });
    expect(cm.metadata?.name).toBe('dry');
    expect((await rejection(t.core.readNamespacedConfigMap({ name: 'dry', namespace: ns }))).code).toBe(404);
  });
});

describe('wire rules', () => {
  test('every request without the bearer token answers 401 with a Status', async () => {
    const res = await rawRequest(`${t.server.url}/api/v1/namespaces`, {}, Buffer.from(t.kc.getCurrentCluster()?.caData as string, 'base64').toString());
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    const wrong = await t.fetch('/api/v1/namespaces', { headers: { Authorization: 'Bearer wrong-token-of-some-length' } });
    expect(wrong.status).toBe(401);
    expect((await t.fetch('/healthz')).text).toBe('ok');
  });

  test('a request body over 3 MiB answers 413', async () => {
    const big = JSON.stringify({ metadata: { name: 'big' }, data: { a: 'x'.repeat(3 * 1024 * 1024) } });
    const res = await t.fetch('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: big });
    expect(res.status).toBe(413);
    expect(res.json()).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge', code: 413 });
    const small = JSON.stringify({ metadata: { name: 'almost' }, data: { a: 'x'.repeat(1024 * 1024) } });
    expect((await t.fetch('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: small })).status).toBe(201);
  });

  test('unknown paths, resources and bodies answer Status errors', async () => {
    expect((await t.fetch('/apis/nope.io/v1/things')).json()).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
    const bad = await t.fetch('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{not json' });
    expect(bad.json()).toMatchObject({ reason: 'BadRequest', code: 400 });
    const proto = await t.fetch('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' }, body: 'k8s\0' });
    expect(proto.json()).toMatchObject({ reason: 'BadRequest', code: 400, message: expect.stringContaining('the envelope names no kind') });
    const other = await t.fetch('/api/v1/namespaces/default/configmaps', { method: 'POST', headers: { 'Content-Type': 'application/x-thrift' }, body: 'x' });
    expect(other.json()).toMatchObject({ reason: 'UnsupportedMediaType', code: 415, message: expect.stringContaining('"application/x-thrift"') });
    const kind = await t.fetch('/api/v1/namespaces/default/configmaps', { method: 'POST', body: JSON.stringify({ kind: 'Secret', metadata: { name: 'k' } }) });
    expect(kind.json()).toMatchObject({ reason: 'BadRequest' });
  });

  test('a watch with a malformed resourceVersion answers 400 before streaming', async () => {
    const res = await t.fetch('/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=abc');
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
  });

  test('a second server on the same data dir is refused while the first runs', async () => {
    await expect(startApiServer({ dataDir: t.dir, logger: t.logger })).rejects.toMatchObject({ name: 'ApiServerError', code: 'StoreFailure' });
  });

  test('discovery lists groups, versions and resources, plain and aggregated', async () => {
    expect((await t.fetch('/api')).json()).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const v1 = (await t.fetch('/api/v1')).json();
    const pods = v1.resources.find((r: { name: string }) => r.name === 'pods');
    expect(pods).toMatchObject({ namespaced: true, kind: 'Pod', shortNames: ['po'] });
    expect(v1.resources.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(['pods/log', 'pods/status', 'namespaces', 'nodes', 'secrets', 'configmaps', 'events']));
    const groups = (await t.fetch('/apis')).json().groups.map((g: { name: string }) => g.name);
    expect(groups).toEqual(expect.arrayContaining(['coordination.k8s.io', 'apiextensions.k8s.io', 'events.k8s.io']));
    const agg = await t.fetch('/apis', { headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' } });
    expect(agg.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(agg.json().kind).toBe('APIGroupDiscoveryList');
    expect((await t.fetch('/version')).json()).toMatchObject({ major: '1' });
  });

  test('events are served as core/v1 and as events.k8s.io/v1, one store', async () => {
    await t.core.createNamespacedEvent({
      namespace: ns,
      body: { metadata: { name: 'ev1' }, involvedObject: { kind: 'Pod', name: 'p', namespace: ns }, reason: 'Started', message: 'hello', type: 'Normal' },
    });
    const v1 = (await t.fetch('/apis/events.k8s.io/v1/namespaces/default/events/ev1')).json();
    expect(v1).toMatchObject({ apiVersion: 'events.k8s.io/v1', note: 'hello', reason: 'Started', regarding: { kind: 'Pod', name: 'p' } });
    const listed = await t.core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=p,reason=Started' });
    expect(listed.items.map((e) => e.metadata.name)).toEqual(['ev1']);
  });
});

describe('bodies nested deeper than the server recurses', () => {
  // Found by the fault suite's mutated documents (e2e/src/faults/mutations.ts): a body nested 10,000
  // deep overflowed the stack of the handling after the parse and answered 500.
  const nested = (depth: number): unknown => {
    let value: unknown = 'x';
    for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
    return value;
  };
  // JSON.stringify itself overflows on such a value: the text is built as an attacker would send it.
  const deepJson = (depth: number) => `${'{"a":['.repeat(depth / 2)}"x"${']}'.repeat(depth / 2)}`;
  const json = { 'content-type': 'application/json' };

  test('POST, PUT, merge patch and JSON patch of a body nested 10,000 deep answer 400 naming where, and the server goes on', async () => {
    await t.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'deep' }, data: { a: '1' } } });
    const path = `/api/v1/namespaces/${ns}/configmaps`;
    const body = `{"metadata":{"name":"deep"},"data":${deepJson(10_000)}}`;
    const answers = [
      await t.fetch(path, { method: 'POST', headers: json, body }),
      await t.fetch(`${path}/deep`, { method: 'PUT', headers: json, body }),
      await t.fetch(`${path}/deep`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body }),
      await t.fetch(`${path}/deep`, { method: 'PATCH', headers: { 'content-type': 'application/json-patch+json' }, body: `[{"op":"add","path":"/data/b","value":${deepJson(10_000)}}]` }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
      expect(answer.json().message).toMatch(/^the request body is nested deeper than 1000 levels, at (data|\[0\]\.value)\.a\[0\]/);
    }
    expect((await t.core.readNamespacedConfigMap({ name: 'deep', namespace: ns })).data).toEqual({ a: '1' });
  });

  test('a body just within the limit is handled, not a 500', async () => {
    const answer = await t.fetch(`/api/v1/namespaces/${ns}/configmaps`, { method: 'POST', headers: json, body: JSON.stringify({ metadata: { name: 'deep-enough' }, data: nested(998) }) });
    expect(answer.status).toBeLessThan(500);
  });
});
