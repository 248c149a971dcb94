import * as api from './index.js';

test('the public export list is pinned', () => {
  expect(Object.keys(api).sort()).toEqual([
    'BaseFilter',
    'CloudOnlyFilter',
    'CrossEntropyFilter',
    'EdgeOnlyFilter',
    'HemError',
    'IBTFilter',
    'RandomFilter',
    'ThresholdFilter',
    'builtinFilters',
    'isValidDetections',
    'numberParam',
    'seededUniform',
    'toHemError',
  ]);
});

test('toHemError wraps any thrown value and keeps the cause', () => {
  const cause = new Error('boom');
  const wrapped = api.toHemError(cause);
  expect(wrapped).toBeInstanceOf(api.HemError);
  expect(wrapped.code).toBe('INTERNAL');
  expect(wrapped.cause).toBe(cause);
  expect(api.toHemError(wrapped)).toBe(wrapped);
});
