import { describe, expect, test } from '@jest/globals';
import type { JobCondition } from '@sedna-ts/api-types';
import { capConditions } from './conditions.js';

const condition = (i: number, message = ''): JobCondition => ({ type: 'Waiting', status: 'True', stage: 'Train', round: i, data: JSON.stringify({ round: i }), message });

describe('capConditions', () => {
  test('keeps the last max conditions', () => {
    const all = Array.from({ length: 10 }, (_, i) => condition(i));
    expect(capConditions(all, 3).map((c) => c.round)).toEqual([7, 8, 9]);
    expect(capConditions(all, 20)).toBe(all);
  });

  test('drops the oldest while the status would be 1 MiB or more as JSON, always keeping the latest', () => {
    const all = Array.from({ length: 12 }, (_, i) => condition(i, 'm'.repeat(100 * 1024)));
    const kept = capConditions(all, 200, { round: 11 });
    expect(Buffer.byteLength(JSON.stringify({ round: 11, conditions: kept }))).toBeLessThan(1024 * 1024);
    expect(kept.map((c) => c.round)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const one = [condition(0, 'm'.repeat(2 * 1024 * 1024))];
    expect(capConditions(one, 200)).toEqual(one);
  });
});
