import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { podLogPath } from '../../src/index.js';
import { rejection, removeDir, startTestServer, type TestServer } from '../support/apiserver.js';

let t: TestServer;
const ns = 'default';

beforeAll(async () => {
  t = await startTestServer();
  await t.core.createNamespacedPod({
    namespace: ns,
    body: { metadata: { name: 'logger' }, spec: { nodeName: 'edge', containers: [{ name: 'main', image: 'x' }, { name: 'side', image: 'x' }] } },
  });
  const file = podLogPath(path.join(t.dir, 'pods'), ns, 'logger', 'main');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, 'one\ntwo\nthree\n');
  writeFileSync(podLogPath(path.join(t.dir, 'pods'), ns, 'logger', 'main', true), 'before the restart\n');
});
afterAll(async () => {
  await t.close();
  removeDir(t.dir);
});

test('pods/log serves the container log the node agent writes, with tailLines, limitBytes and previous', async () => {
  expect(await t.core.readNamespacedPodLog({ name: 'logger', namespace: ns, container: 'main' })).toBe('one\ntwo\nthree\n');
  expect(await t.core.readNamespacedPodLog({ name: 'logger', namespace: ns, container: 'main', tailLines: 2 })).toBe('two\nthree\n');
  expect(await t.core.readNamespacedPodLog({ name: 'logger', namespace: ns, container: 'main', limitBytes: 5 })).toBe('one\nt');
  expect(await t.core.readNamespacedPodLog({ name: 'logger', namespace: ns, container: 'main', previous: true })).toBe('before the restart\n');
});

test('a pod with several containers needs the container named; a container that has not started answers 400', async () => {
  const ambiguous = await rejection(t.core.readNamespacedPodLog({ name: 'logger', namespace: ns }));
  expect(ambiguous.code).toBe(400);
  const waiting = await rejection(t.core.readNamespacedPodLog({ name: 'logger', namespace: ns, container: 'side' }));
  expect(waiting.code).toBe(400);
});

test('follow streams what is appended until the pod finishes', async () => {
  const file = podLogPath(path.join(t.dir, 'pods'), ns, 'logger', 'main');
  const streamed = t.fetch(`/api/v1/namespaces/${ns}/pods/logger/log?container=main&follow=true&tailLines=1`);
  await new Promise((r) => setTimeout(r, 400));
  appendFileSync(file, 'four\n');
  await new Promise((r) => setTimeout(r, 400));
  const pod = await t.core.readNamespacedPodStatus({ name: 'logger', namespace: ns });
  await t.core.replaceNamespacedPodStatus({ name: 'logger', namespace: ns, body: { ...pod, status: { phase: 'Succeeded' } } });
  const res = await streamed;
  expect(res.status).toBe(200);
  expect(res.text).toBe('three\nfour\n');
});
