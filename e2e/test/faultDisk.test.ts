// The fault suite's disk case: the LC's data dir on a 2 MiB tmpfs the test mounts (skipped, saying why,
// when it may not), 2,000 hard examples flooding the job's hard-example folder, then the tmpfs filled
// while samples arrive. The store keeps to its budget through the flood (the disk full meanwhile); the
// LC says the disk is full and stays up; once space is back the round starts and every state file of
// the LC is whole (JSON files parse, no torn record, nothing cut off at its next start).
import { runDiskScenario, type DiskScenarioResult } from '../src/faults/diskScenario.js';
import { diskFigures, FAULT_FORMS } from '../src/faults/forms.js';

const { flood, budget } = FAULT_FORMS.fast;
let result: DiskScenarioResult;

beforeAll(async () => {
  const started = Date.now();
  result = await runDiskScenario({ flood, ...budget });
  console.log(['fault suite, fast form:', ...diskFigures(result, budget, Math.round((Date.now() - started) / 1000))].join('\n'));
}, 600_000);

test('a flood of hard examples on a full disk stays within the budget; a full disk is said, survived, and leaves nothing corrupt', () => {
  if ('skipped' in result) return;
  expect(result.flood.kept).toBeLessThanOrEqual(budget.maxCount);
  expect(result.flood.keptBytes).toBeLessThanOrEqual(budget.maxBytes);
  expect(result.diskFullLines.length).toBeGreaterThan(0);
  expect(result.diskFullLines.join('\n')).toContain('ENOSPC');
  expect(result.violations).toEqual([]);
});

// A known defect of the dataset monitor (packages/local-controller/src/datasets): when it cannot save
// its pools on a full disk it logs "dataset index read failed" naming the dataset's index, not the
// state file it could not write. Passes once that line names the file.
test.failing('on a full disk the LC names the state file it could not write', () => {
  if ('skipped' in result) throw new Error(result.skipped);
  expect(result.namesStateFile).toBe(true);
});
