import { backoffDelay } from './backoff.js';

const settings = { initialMs: 1000, maxMs: 30_000 };

test('the delay doubles per failure from the initial delay and stops at the cap', () => {
  expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, settings))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
});

test('attempt 0 counts as the first failure; huge attempt counts stay at the cap, even from 0 ms', () => {
  expect(backoffDelay(0, settings)).toBe(1000);
  expect(backoffDelay(5000, settings)).toBe(30_000);
  expect(backoffDelay(5000, { initialMs: 0, maxMs: 10 })).toBe(10);
});

test('equal jitter: between half the delay and all of it', () => {
  const options = { ...settings, jitter: true };
  expect(backoffDelay(3, { ...options, random: () => 0 })).toBe(2000);
  expect(backoffDelay(3, { ...options, random: () => 0.5 })).toBe(3000);
  expect(backoffDelay(3, { ...options, random: () => 0.999999 })).toBeCloseTo(4000, 0);
  for (let i = 0; i < 100; i++) {
    const delay = backoffDelay(10, options);
    expect(delay).toBeGreaterThanOrEqual(15_000);
    expect(delay).toBeLessThan(30_000);
  }
});
