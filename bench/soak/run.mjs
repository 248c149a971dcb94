#!/usr/bin/env node
// The fault suite's long form (issue 13): `node bench/soak/run.mjs --long` runs the scenarios of
// e2e/src/faults with 20 SIGKILLs per part, a 10-minute cut between the LC and the GM and 10,000 mutated
// documents, and prints the seed and the figures. Without --long it runs the fast form's sizes (those
// of `npm test`) and says so. Build first: npx nx run-many -t build -p @sedna-ts/cli @sedna-ts/up @sedna-ts/embedded
// @sedna-ts/controller @sedna-ts/local-controller @sedna-ts/worker-sdk
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';
import { figure } from '../lib/figures.mjs';

const HELP = `Usage: node bench/soak/run.mjs [--long] [--seed N] [--only kills|mutations|disk] [--json FILE] [--keep]

  --long        the long form: 20 kills per part, a 600 s cut, 10,000 documents, a 20,000-example flood
                (without it: the fast form of npm test, 3 kills per part, a 30 s cut, 1,000 documents)
  --seed N      the seed (default SEDNA_FAULT_SEED, else a random one); printed, so a run can be repeated
  --only PART   one scenario only
  --json FILE   also write the figures there as JSON
  --keep        keep the kill scenario's folder (its logs) and print where it is
`;

const { values } = parseArgs({
  options: { long: { type: 'boolean' }, seed: { type: 'string' }, only: { type: 'string' }, json: { type: 'string' }, keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  strict: true,
});
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
register();
const faults = (name) => import(new URL(`../../e2e/src/faults/${name}.ts`, import.meta.url).href);
const [{ FAULT_FORMS, killFigures, mutationFigures, diskFigures }, { runKillScenario }, { runMutations }, { runDiskScenario }, { FourParts }] = await Promise.all(
  ['forms', 'killScenario', 'mutations', 'diskScenario', 'parts'].map(faults),
);

const form = values.long ? FAULT_FORMS.long : FAULT_FORMS.fast;
const seed = Number(values.seed ?? process.env.SEDNA_FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`--seed ${values.seed}: expected an integer >= 0`);
const say = (line) => process.stdout.write(`${line}\n`);
const t0 = Date.now();
const clock = () => `${String(Math.round((Date.now() - t0) / 1000)).padStart(5)} s`;
say(`fault suite, ${form.name} form${values.long ? '' : ' (the sizes of npm test; --long for the long form)'}: seed ${seed}; repeat with: node bench/soak/run.mjs${values.long ? ' --long' : ''} --seed ${seed}`);
say(`  ${form.killsPerPart} kills per part, a ${form.cutSeconds} s cut, ${form.documents} documents, a flood of ${form.flood} hard examples`);

const figures = { form: form.name, seed, started: new Date(t0).toISOString() };
const wanted = (part) => !values.only || values.only === part;
let failed = false;

if (wanted('kills')) {
  const started = Date.now();
  const result = await runKillScenario({ seed, killsPerPart: form.killsPerPart, cutSeconds: form.cutSeconds, keep: values.keep, log: (line) => say(`${clock()} ${line}`) });
  for (const line of killFigures(result, Math.round((Date.now() - started) / 1000))) say(line);
  if (values.keep) say(`  logs kept in ${result.dir}`);
  figures.kills = result;
  failed ||= result.violations.length > 0;
}

if (wanted('mutations')) {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'sedna-soak-mutants-'));
  const parts = await FourParts.start({ dataDir: join(dir, 'sedna'), dir, node: 'edge-node', only: ['apiserver'] });
  try {
    const result = await runMutations({ seed, count: form.documents, kubeconfig: parts.kubeconfig, log: (line) => say(`${clock()} ${line}`) });
    for (const line of mutationFigures(result, Math.round((Date.now() - started) / 1000))) say(line);
    if (!parts.parts.apiserver.running) {
      say('  the API server is not running any more');
      failed = true;
    }
    figures.mutations = result;
    failed ||= result.violations.length > 0;
  } finally {
    await parts.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (wanted('disk')) {
  const started = Date.now();
  const result = await runDiskScenario({ flood: form.flood, ...form.budget, log: (line) => say(`${clock()} ${line}`) });
  for (const line of diskFigures(result, form.budget, Math.round((Date.now() - started) / 1000))) say(line);
  figures.disk = result;
  failed ||= 'violations' in result && result.violations.length > 0;
}

figures.seconds = Math.round((Date.now() - t0) / 1000);
say(`${failed ? 'FAILED' : 'passed'} in ${figures.seconds} s (seed ${seed})`);
figure({ id: 'soak.failures', title: 'fault scenarios that lost or duplicated something', value: failed ? 1 : 0, unit: 'scenarios failed', size: `seed ${seed}, ${values.long ? 'long' : 'fast'} form`, goal: { op: '<=', value: 0 } });
if (values.json) writeFileSync(values.json, `${JSON.stringify(figures, null, 2)}\n`);
process.exitCode = failed ? 1 : 0;
