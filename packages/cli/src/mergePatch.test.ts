import { applyConfiguration, LAST_APPLIED_ANNOTATION, lastApplied, threeWayMergePatch } from './mergePatch.js';

test('fields of the file that differ from the live object are set; equal ones are left out', () => {
  const live = { spec: { a: 1, b: { c: 2, d: 3 } }, status: { x: 1 } };
  expect(threeWayMergePatch(undefined, { spec: { a: 1, b: { c: 5 } } }, live)).toEqual({ spec: { b: { c: 5 } } });
  expect(threeWayMergePatch(undefined, { spec: { a: 1, b: { c: 2 } } }, live)).toEqual({});
});

test('a field the last apply set and the file dropped is removed; one set by someone else stays', () => {
  const original = { metadata: { labels: { team: 'vision', old: 'x' } } };
  const live = { metadata: { labels: { team: 'vision', old: 'x', other: 'gm' } } };
  expect(threeWayMergePatch(original, { metadata: { labels: { team: 'vision' } } }, live)).toEqual({ metadata: { labels: { old: null } } });
});

test('a field the last apply set that is already gone is not patched', () => {
  expect(threeWayMergePatch({ spec: { gone: 1 } }, { spec: {} }, { spec: {} })).toEqual({});
});

test('lists are replaced as a whole, and only when they differ', () => {
  const live = { spec: { items: [{ name: 'a' }, { name: 'b' }] } };
  expect(threeWayMergePatch(undefined, { spec: { items: [{ name: 'a' }, { name: 'b' }] } }, live)).toEqual({});
  expect(threeWayMergePatch(undefined, { spec: { items: [{ name: 'a' }] } }, live)).toEqual({ spec: { items: [{ name: 'a' }] } });
});

test('a map replacing a scalar (or the reverse) is set whole', () => {
  expect(threeWayMergePatch(undefined, { spec: { a: { b: 1 } } }, { spec: { a: 'x' } })).toEqual({ spec: { a: { b: 1 } } });
  expect(threeWayMergePatch(undefined, { spec: { a: 'x' } }, { spec: { a: { b: 1 } } })).toEqual({ spec: { a: 'x' } });
});

test('applyConfiguration drops status, server metadata and nulls, and records itself in the annotation', () => {
  const config = applyConfiguration({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'x', uid: 'u', resourceVersion: '5', annotations: { keep: 'me', [LAST_APPLIED_ANNOTATION]: 'stale' } },
    data: { a: '1', b: null },
    status: { phase: 'x' },
  });
  expect(config).toEqual({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'x', annotations: { keep: 'me', [LAST_APPLIED_ANNOTATION]: expect.any(String) } },
    data: { a: '1' },
  });
  expect(lastApplied(config)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', annotations: { keep: 'me' } }, data: { a: '1' } });
});

test('lastApplied is undefined without the annotation or with one that is not JSON', () => {
  expect(lastApplied({ metadata: {} })).toBeUndefined();
  expect(lastApplied({ metadata: { annotations: { [LAST_APPLIED_ANNOTATION]: '{not json' } } })).toBeUndefined();
});
