import { expect, test } from '@jest/globals';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, type Json } from './patch.js';

test('merge patch merges objects, removes null keys and replaces arrays (RFC 7386)', () => {
  expect(applyMergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { b: { c: null, e: 4 }, l: [3], n: 'x' })).toEqual({ a: 1, b: { d: 3, e: 4 }, l: [3], n: 'x' });
});

test('JSON patch applies add, remove, replace, move, copy and test (RFC 6902)', () => {
  const doc = { a: { b: [1, 2] }, c: 'x', 'k/e~y': 1 };
  const out = applyJsonPatch(doc, [
    { op: 'add', path: '/a/b/1', value: 9 },
    { op: 'add', path: '/a/b/-', value: 3 },
    { op: 'remove', path: '/k~1e~0y' },
    { op: 'replace', path: '/c', value: 'y' },
    { op: 'copy', from: '/c', path: '/d' },
    { op: 'move', from: '/d', path: '/e' },
    { op: 'test', path: '/e', value: 'y' },
  ]);
  expect(out).toEqual({ a: { b: [1, 9, 2, 3] }, c: 'y', e: 'y' });
  expect(doc).toEqual({ a: { b: [1, 2] }, c: 'x', 'k/e~y': 1 });
  expect(() => applyJsonPatch(doc, [{ op: 'test', path: '/c', value: 'z' }])).toThrow(/testing value failed/);
  expect(() => applyJsonPatch(doc, [{ op: 'remove', path: '/missing' }])).toThrow(/missing key/);
  expect(() => applyJsonPatch(doc, { op: 'add' })).toThrow(/array of operations/);
});

test('strategic merge patch merges lists by their merge key and honours the directives', () => {
  const pod: Json = {
    metadata: { finalizers: ['a'] },
    spec: {
      containers: [
        { name: 'x', image: 'x:1', env: [{ name: 'A', value: '1' }] },
        { name: 'y', image: 'y:1' },
      ],
      tolerations: [{ key: 'k' }],
    },
  };
  const out = applyStrategicMergePatch(pod, {
    metadata: { finalizers: ['b'] },
    spec: {
      containers: [{ name: 'x', env: [{ name: 'B', value: '2' }] }, { name: 'y', $patch: 'delete' }, { name: 'z', image: 'z:1' }],
      tolerations: [{ key: 'other' }],
    },
  });
  expect(out).toEqual({
    metadata: { finalizers: ['a', 'b'] },
    spec: {
      containers: [
        { name: 'x', image: 'x:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
        { name: 'z', image: 'z:1' },
      ],
      tolerations: [{ key: 'other' }],
    },
  });
  const ordered = applyStrategicMergePatch(
    { metadata: { finalizers: ['a', 'b'] }, spec: { containers: [{ name: 'x' }, { name: 'y' }] } },
    { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] }, spec: { '$setElementOrder/containers': [{ name: 'y' }, { name: 'x' }] } },
  );
  expect(ordered).toEqual({ metadata: { finalizers: ['b'] }, spec: { containers: [{ name: 'y' }, { name: 'x' }] } });
  expect(applyStrategicMergePatch({ spec: { a: 1, b: 2 } }, { spec: { $patch: 'replace', c: 3 } })).toEqual({ spec: { c: 3 } });
  expect(applyStrategicMergePatch({ spec: { a: 1, b: 2 } }, { spec: { $retainKeys: ['a'], a: 5 } })).toEqual({ spec: { a: 5 } });
});
