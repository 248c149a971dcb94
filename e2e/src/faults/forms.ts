// The two forms of the fault suite and the lines each prints: the fast one runs in `npm test`
// (e2e/test/fault*.test.ts), the long one under bench/soak (`node bench/soak/run.mjs --long`).
import type { DiskScenarioResult } from './diskScenario.js';
import type { KillScenarioResult } from './killScenario.js';
import type { MutationFigures } from './mutations.js';

/** The sizes of a form. */
export interface FaultForm {
  name: 'fast' | 'long';
  /** SIGKILLs of each part. */
  killsPerPart: number;
  /** The cut between the LC and the GM while a worker reports, in seconds. */
  cutSeconds: number;
  /** Mutated documents. */
  documents: number;
  /** Hard examples of the flood, and the store's budget. */
  flood: number;
  budget: { maxCount: number; maxBytes: number };
}

export const FAULT_FORMS: Readonly<Record<FaultForm['name'], FaultForm>> = {
  fast: { name: 'fast', killsPerPart: 3, cutSeconds: 30, documents: 1000, flood: 2000, budget: { maxCount: 100, maxBytes: 300_000 } },
  long: { name: 'long', killsPerPart: 20, cutSeconds: 600, documents: 10_000, flood: 20_000, budget: { maxCount: 100, maxBytes: 300_000 } },
};

/** The figures of a kill scenario, one line each. */
export function killFigures(r: KillScenarioResult, seconds: number): string[] {
  const { delivery: d, workerReports: w, cut, kills } = r;
  return [
    `kills (seed ${r.seed}, SEDNA_FAULT_SEED=${r.seed} repeats the plan), ${seconds} s:`,
    `  rounds completed ${r.roundsCompleted} of ${r.rounds}, samples appended ${r.samplesAppended}`,
    `  kills survived: API server ${kills.apiserver}, GM ${kills.gm}, LC ${kills.lc}, node agent ${kills.agent}`,
    `  upstream messages (LC to GM): sent ${d.sent}, received ${d.received}, lost ${d.lost.length}, replayed ${d.replays}, applied twice ${d.appliedTwice.length}, out of order ${d.outOfOrder.length}`,
    `  worker reports delivered to the LC ${w.delivered}, of them queued for the GM ${w.forwarded}`,
    `  cut: ${cut.seconds} s while a worker reports, connections dropped ${cut.connectionsDropped} and refused ${cut.connectionsRefused}, reports served offline ${cut.reportsServedOffline}, round cut offline ${cut.offlineRoundCut ? 'yes' : 'no'}`,
    `  violations ${r.violations.length}${r.violations.map((v) => `\n    ${v}`).join('')}`,
  ];
}

/** The figures of the mutated documents, one line each. */
export function mutationFigures(f: MutationFigures, seconds: number): string[] {
  return [
    `mutated documents (seed ${f.seed}), ${seconds} s:`,
    `  documents ${f.documents}: validation accepted ${f.validation.accepted}, rejected ${f.validation.rejected}`,
    `  API requests ${f.requests}, by status ${Object.entries(f.api).map(([code, n]) => `${code}: ${n}`).join(', ')}`,
    `  violations ${f.violations.length}${f.violations.map((v) => `\n    ${v}`).join('')}`,
  ];
}

/** The figures of the disk scenario, one line each. */
export function diskFigures(r: DiskScenarioResult, budget: FaultForm['budget'], seconds: number): string[] {
  if ('skipped' in r) return [`disk: skipped: ${r.skipped}`];
  const { flood } = r;
  return [
    `disk, ${seconds} s:`,
    `  hard examples flooded ${flood.written} (${flood.refused} refused by the full disk), kept ${flood.kept} (${flood.keptBytes} bytes; budget ${budget.maxCount}, ${budget.maxBytes} bytes), evicted ${flood.evicted}`,
    `  disk full, the LC said: ${r.diskFullLines[0]?.slice(0, 400) ?? '(nothing)'}`,
    `  state files checked after: ${r.stateFiles}, violations ${r.violations.length}${r.violations.map((v) => `\n    ${v}`).join('')}`,
  ];
}
