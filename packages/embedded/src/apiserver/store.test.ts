import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from '@jest/globals';
import { open } from 'lmdb';
import { type KubeObject } from './kubeObject.js';
import { objectKey, STORE_SCHEMA_VERSION, Store, type StoredEvent } from './store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'sedna-store-'));
  dirs.push(d);
  return d;
}
const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', uid: `uid-${name}` } });
const key = (name: string) => objectKey('core/configmaps', 'default', name);

test('mutations of one group commit are atomic one by one: a mutation that throws leaves none of its writes', async () => {
  const store = Store.open(dir(), { watchWindow: 100 });
  const events: StoredEvent[] = [];
  store.onCommit((e) => events.push(...e));
  const ok = store.write((tx) => tx.put(key('a'), cm('a')));
  const failing = store.write((tx) => {
    tx.put(key('b'), cm('b'));
    tx.put(key('c'), cm('c'));
    throw new Error('validation failed after two puts');
  });
  const after = store.write((tx) => {
    expect(tx.get(key('b'))).toBeUndefined();
    return tx.put(key('d'), cm('d'));
  });
  expect(await ok).toBe(1);
  await expect(failing).rejects.toThrow('validation failed');
  expect(await after).toBe(2);
  expect(store.get(key('b'))).toBeUndefined();
  expect(store.keyOfUid('uid-c')).toBeUndefined();
  expect(store.revision).toBe(2);
  expect(events.map((e) => [e.rev, e.type, e.key])).toEqual([
    [1, 'ADDED', key('a')],
    [2, 'ADDED', key('d')],
  ]);
  await store.close();
});

test('the event log keeps the last watchWindow events, across a reopen', async () => {
  const d = dir();
  let store = Store.open(d, { watchWindow: 3 });
  for (let i = 0; i < 5; i++) await store.write((tx) => tx.put(key(`x${i}`), cm(`x${i}`)));
  await store.close();
  store = Store.open(d, { watchWindow: 3 });
  expect(store.revision).toBe(5);
  expect(store.compacted).toBe(2);
  expect([...store.eventsSince(2)].map((e) => e.rev)).toEqual([3, 4, 5]);
  await store.close();
});

test('a store written by a newer release is refused; a non-empty folder without a version is not taken for a store', async () => {
  const d = dir();
  (await Store.open(d, { watchWindow: 3 }).close());
  const env = open({ path: d, maxDbs: 16 });
  const meta = env.openDB({ name: 'meta', encoding: 'json' });
  await meta.put('schemaVersion', STORE_SCHEMA_VERSION + 1);
  await env.close();
  expect(() => Store.open(d, { watchWindow: 3 })).toThrow(expect.objectContaining({ code: 'StoreSchema' }));

  const e = dir();
  const raw = open({ path: e, maxDbs: 16 });
  await raw.openDB({ name: 'objects', encoding: 'string' }).put('something', 'else');
  await raw.close();
  expect(() => Store.open(e, { watchWindow: 3 })).toThrow(/no schema version/);
});
