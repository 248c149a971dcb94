import { expect, test } from '@jest/globals';
import { humanDuration } from './table.js';

test.each([
  [-5000, '<invalid>'],
  [-500, '0s'],
  [45_000, '45s'],
  [119_000, '119s'],
  [120_000, '2m'],
  [192_000, '3m12s'],
  [3_600_000, '60m'],
  [3 * 3_600_000 + 120_000, '3h2m'],
  [8 * 3_600_000, '8h'],
  [3 * 86_400_000 + 4 * 3_600_000, '3d4h'],
  [100 * 86_400_000, '100d'],
  [(365 * 2 + 10) * 86_400_000, '2y10d'],
  [365 * 9 * 86_400_000, '9y'],
])('%i ms prints as %s, as kubectl ages do', (ms, text) => {
  expect(humanDuration(ms)).toBe(text);
});
