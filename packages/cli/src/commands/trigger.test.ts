import { triggerOutlook } from './trigger.js';

test('a job without a condition: why nothing acts on it, as far as the GM Lease tells', () => {
  const next = 'Once it is at (Train, Waiting), its local controller acts on the trigger at once.';
  expect(triggerOutlook('train', {})).toBe(`The job has no condition yet (is the global manager running?). ${next}`);
  expect(triggerOutlook('train', {}, 'no global manager is running')).toBe(`The job has no condition yet: no global manager is running. ${next}`);
  expect(triggerOutlook('train', {}, null)).toBe(`The job has no condition yet. ${next}`);
});
