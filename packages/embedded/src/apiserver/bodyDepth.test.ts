import { MAX_BODY_DEPTH, tooDeepAt } from './bodyDepth.js';

function nested(depth: number, leaf: unknown = 'x'): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

describe('tooDeepAt', () => {
  test('a body within the limit passes, whatever its size', () => {
    expect(tooDeepAt({ spec: { template: { spec: { containers: [{ env: [{ name: 'a', value: 'b' }] }] } } } })).toBeUndefined();
    expect(tooDeepAt(nested(MAX_BODY_DEPTH - 1))).toBeUndefined();
    expect(tooDeepAt({ items: Array.from({ length: 10_000 }, (_, i) => ({ i })) })).toBeUndefined();
  });

  test('a body nested past the limit is named by where it gets too deep, without overflowing the stack', () => {
    expect(tooDeepAt({ spec: { x: nested(MAX_BODY_DEPTH) } })).toBe('spec.x.a[0].a[0].a[0]...');
    expect(tooDeepAt(nested(100_001))).toMatch(/^\[0\]\.a\[0\]/);
    expect(tooDeepAt({ a: { b: {} } }, 2)).toBe('a.b');
  });
});
