import { describe, expect, test } from '@jest/globals';
import { clockInWindow, compare, evaluateCondition, evaluateTrigger, isValidTimeZone, resolveMetric, timeOfDay, timerInRange, waitingFor } from './trigger.js';

// The original's TestCondition, as facts: operators around threshold 500, symbolic and word forms,
// equality boundaries at the 1e-6 tolerance (sedna-notes section 7).
describe('condition operators around threshold 500', () => {
  const cases: Array<[string, number, boolean]> = [
    ['>', 501, true],
    ['>', 500, false],
    ['>', 499, false],
    ['gt', 501, true],
    ['gt', 500, false],
    ['>=', 500, true],
    ['>=', 499, false],
    ['ge', 500.0000001, true],
    ['ge', 499.9999999, true],
    ['=', 500, true],
    ['==', 500, true],
    ['eq', 500.0000005, true],
    ['eq', 500.01, false],
    ['==', 499, false],
    ['<=', 500, true],
    ['<=', 501, false],
    ['le', 499.9999999, true],
    ['<', 499, true],
    ['<', 500, false],
    ['lt', 500, false],
    ['!=', 501, true],
    ['ne', 500.0000001, false],
    ['=>', 600, false],
  ];
  test('there are the 23 cases of the original table', () => expect(cases).toHaveLength(23));
  test.each(cases)('num_of_samples %s 500 with value %p is %p', (operator, value, expected) => {
    expect(evaluateCondition({ operator: operator as '>', threshold: 500, metric: 'num_of_samples' }, { num_of_samples: value }).pass).toBe(expected);
    expect(compare(value, operator, 500)).toBe(expected);
  });
});

describe('timer window', () => {
  // The original's TestTimerInRange: in, before, after, and wrapping past midnight both ways.
  test.each([
    ['02:00', '20:00', '10:00', true],
    ['02:00', '20:00', '01:59', false],
    ['02:00', '20:00', '20:01', false],
    ['22:00', '06:00', '23:30', true],
    ['22:00', '06:00', '12:00', false],
  ])('%s-%s at %s is %p', (start, end, clock, expected) => {
    expect(clockInWindow(clock, { start, end })).toBe(expected);
  });

  test('both ends are inside the window, and 24:00 closes the day', () => {
    expect(clockInWindow('02:00', { start: '02:00', end: '20:00' })).toBe(true);
    expect(clockInWindow('20:00', { start: '02:00', end: '20:00' })).toBe(true);
    expect(clockInWindow('23:59', { start: '00:00', end: '24:00' })).toBe(true);
    expect(clockInWindow('06:00', { start: '22:00', end: '06:00' })).toBe(true);
    expect(clockInWindow('06:01', { start: '22:00', end: '06:00' })).toBe(false);
  });

  test('the time of day is read in the configured time zone', () => {
    const instant = new Date('2025-06-01T23:30:00Z');
    expect(timeOfDay(instant, 'UTC')).toBe('23:30');
    expect(timeOfDay(instant, 'Asia/Tokyo')).toBe('08:30');
    expect(timeOfDay(new Date('2025-06-01T00:05:00Z'), 'UTC')).toBe('00:05');
    expect(timerInRange({ start: '22:00', end: '06:00' }, instant, 'UTC')).toBe(true);
    expect(timerInRange({ start: '22:00', end: '06:00' }, instant, 'Asia/Tokyo')).toBe(false);
    expect(isValidTimeZone('Europe/Paris')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});

describe('indexed and list metrics', () => {
  const metrics = { precision_delta: [0.05, 0.2], recall: [0.5, 'x'] as unknown as number[], loss: '0.25', empty: [] };

  test('pricision_delta[1] indexes the list, as the original TestIndexCondition', () => {
    expect(evaluateCondition({ operator: '>', threshold: 0.1, metric: 'precision_delta[1]' }, metrics).pass).toBe(true);
    expect(evaluateCondition({ operator: '>', threshold: 0.1, metric: 'precision_delta[0]' }, metrics).pass).toBe(false);
  });

  test('a list without an index compares by its mean, not as 0', () => {
    const result = evaluateCondition({ operator: '>', threshold: 0.1, metric: 'precision_delta' }, metrics);
    expect(result).toEqual({ pass: true, value: 0.125, reason: 'mean of precision_delta 0.125 > 0.1' });
  });

  test('missing metrics, bad indexes and non-numbers are false with the reason said', () => {
    expect(resolveMetric('precision_delta[2]', metrics)).toEqual({ ok: false, reason: 'precision_delta[2]: index 2 is out of range (the list has 2 values)' });
    expect(resolveMetric('loss[0]', metrics)).toEqual({ ok: false, reason: 'metric loss is not a list, so loss[0] has no value' });
    expect(resolveMetric('f1', metrics)).toEqual({ ok: false, reason: 'metric f1 is not reported' });
    expect(resolveMetric('recall', metrics)).toEqual({ ok: false, reason: 'metric recall: "x" is not a number' });
    expect(resolveMetric('empty', metrics)).toEqual({ ok: false, reason: 'metric empty is an empty list' });
    expect(resolveMetric('loss', metrics)).toEqual({ ok: true, value: 0.25, description: 'loss' });
    expect(evaluateCondition({ operator: '<', threshold: 1, metric: 'f1' }, metrics)).toEqual({ pass: false, reason: 'metric f1 is not reported' });
  });
});

describe('timer AND condition', () => {
  const trigger = { timer: { start: '02:00', end: '20:00' }, condition: { operator: '>' as const, threshold: 500, metric: 'num_of_samples' } };
  const inside = new Date('2025-06-01T10:00:00Z');
  const outside = new Date('2025-06-01T21:00:00Z');

  test('fires only when the time is in the window and the condition holds', () => {
    expect(evaluateTrigger(trigger, { num_of_samples: 501 }, inside, 'UTC').fire).toBe(true);
    expect(evaluateTrigger(trigger, { num_of_samples: 501 }, outside, 'UTC')).toMatchObject({ fire: false, inWindow: false });
    expect(evaluateTrigger(trigger, { num_of_samples: 500 }, inside, 'UTC')).toMatchObject({ fire: false, inWindow: true });
    expect(evaluateTrigger(trigger, { num_of_samples: 400 }, outside, 'UTC').reason).toBe('21:00 is outside 02:00-20:00; num_of_samples 400 not > 500');
  });

  test('without a timer only the condition counts', () => {
    expect(evaluateTrigger({ condition: trigger.condition }, { num_of_samples: 501 }, outside, 'UTC').fire).toBe(true);
  });
});

describe('what a trigger that does not fire waits for', () => {
  const now = new Date('2025-06-01T15:10:30Z');
  const samples = { condition: { metric: 'num_of_samples', operator: '>=' as const, threshold: 50 } };
  const say = (trigger: Parameters<typeof evaluateTrigger>[0], metrics: Record<string, number>) => waitingFor(trigger, evaluateTrigger(trigger, metrics, now, 'UTC'), now, 'UTC');

  test('the samples against the threshold', () => {
    expect(say(samples, { num_of_samples: 12 })).toBe('12 of 50 samples (num_of_samples >= 50)');
  });

  test('the timer window and the time now, when only the timer holds it back', () => {
    expect(say({ ...samples, timer: { start: '02:00', end: '04:00' } }, { num_of_samples: 60 })).toBe('timer 02:00-04:00, now 15:10');
  });

  test('both, when both hold it back', () => {
    expect(say({ ...samples, timer: { start: '02:00', end: '04:00' } }, { num_of_samples: 3 })).toBe('3 of 50 samples (num_of_samples >= 50); timer 02:00-04:00, now 15:10');
  });

  test("another metric: the condition's own reason", () => {
    expect(say({ condition: { metric: 'precision_delta', operator: '>', threshold: 0.1 } }, { precision_delta: 0.05 })).toBe('precision_delta 0.05 not > 0.1');
  });
});
