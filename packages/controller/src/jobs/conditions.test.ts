import { describe, expect, test } from '@jest/globals';
import type { JobCondition } from '@sedna-ts/api-types';
import { MAX_SHORT_MESSAGE_BYTES, capConditions, compactMessages, messageSummary } from './conditions.js';

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

describe('messageSummary and compactMessages', () => {
  test('a summary is one line within the bound, first and last line, cut at a character with …', () => {
    expect(messageSummary('exit 1: Traceback\n  File "t.py"\nValueError: bad')).toBe('exit 1: Traceback … ValueError: bad');
    const long = messageSummary(`${'é'.repeat(300)}\n${'x'.repeat(300)}`);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(MAX_SHORT_MESSAGE_BYTES);
    expect(long).toMatch(/^é+… … x+…$/);
    expect(messageSummary(long)).toBe(long);
  });

  test('the latest message and the newest 3 with log lines stay; the others become their summary, once', () => {
    const all = [...Array.from({ length: 6 }, (_, i) => condition(i, `failure ${i}\nlog of ${i}`)), condition(6, 'w'.repeat(1000))];
    const compact = compactMessages(all);
    expect(compact.slice(3).map((c) => c.message)).toEqual(['failure 3\nlog of 3', 'failure 4\nlog of 4', 'failure 5\nlog of 5', 'w'.repeat(1000)]);
    expect(compact.slice(0, 3).map((c) => c.message)).toEqual(['failure 0 … log of 0', 'failure 1 … log of 1', 'failure 2 … log of 2']);
    expect(compactMessages(compact)).toEqual(compact);
  });
});
