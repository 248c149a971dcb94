// The fault suite's kill scenario, fast form (bench/soak/run.mjs --long is the long one): the API
// server, the GM, the LC and the node agent as four processes, each SIGKILLed 3 times at seeded points
// of the rounds of the tray-classifier job and started again, and the LC cut off from the GM for 30 s
// while its train worker reports (then once more while it fires its trigger offline). Afterwards, from
// outside: every round once and in the state machine's order, every appended sample counted once, one
// pod per stage, round and attempt, every upstream message the LC queued received by the GM, in order,
// applied once, and every report a worker delivered queued. SEDNA_FAULT_SEED repeats a run's plan.
import { FAULT_FORMS, killFigures } from '../src/faults/forms.js';
import { runKillScenario } from '../src/faults/killScenario.js';
import { faultSeed } from '../src/faults/seed.js';

const seed = faultSeed(13);
const form = FAULT_FORMS.fast;

test(`SIGKILL of each part ${form.killsPerPart} times at seeded points of rounds, and a ${form.cutSeconds} s cut between LC and GM (seed ${seed}): every job resumes, nothing lost or doubled`, async () => {
  const started = Date.now();
  const lines: string[] = [];
  const result = await runKillScenario({ seed, killsPerPart: form.killsPerPart, cutSeconds: form.cutSeconds, log: (line) => lines.push(line) });
  console.log(['fault suite, fast form:', ...killFigures(result, Math.round((Date.now() - started) / 1000)), ...lines.map((l) => `  ${l}`)].join('\n'));
  expect(result.violations).toEqual([]);
  expect(result.roundsCompleted).toBe(result.rounds);
  expect(result.kills).toEqual({ apiserver: form.killsPerPart, gm: form.killsPerPart, lc: form.killsPerPart, agent: form.killsPerPart });
  expect(result.delivery.sent).toBeGreaterThan(0);
  expect(result.workerReports.delivered).toBeGreaterThan(0);
  expect(result.cut.reportsServedOffline).toBeGreaterThan(0);
  expect(result.cut.offlineRoundCut).toBe(true);
  // Each wait of the scenario has its own deadline; this one is only the last resort.
}, 1_800_000);
