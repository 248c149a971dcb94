import vm from 'node:vm';
import { sameJson } from './sameJson.js';

test.each([
  ['key order does not matter', { a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, true],
  ['undefined is absent', { a: 1, u: undefined }, { a: 1 }, true],
  ['list order matters', [1, 2], [2, 1], false],
  ['a Date is its ISO string', { t: new Date(0) }, { t: '1970-01-01T00:00:00.000Z' }, true],
  ['types matter', { a: 1 }, { a: '1' }, false],
  ['null is not absent', { a: null }, {}, false],
  ['undefined equals only undefined', undefined, null, false],
  ['two undefined', undefined, undefined, true],
])('%s', (_what, a, b, same) => {
  expect(sameJson(a, b)).toBe(same);
});

test('objects of another realm compare by content', () => {
  const other = vm.runInNewContext('({ spec: { replicas: 1, tags: ["a"] } })') as unknown;
  expect(sameJson(other, { spec: { tags: ['a'], replicas: 1 } })).toBe(true);
});
