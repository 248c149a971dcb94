// The fault suite's mutated documents, fast form (bench/soak/run.mjs --long tries 10,000): 1,000 seeded
// mutants of the project's Sedna documents through the validation of `sedna validate`/`apply` and
// through the API server as kubectl sends them (POST, PUT, merge patch, JSON patch), the server a
// process of its own. Nothing throws, the server answers 4xx (never 5xx, never a dropped connection)
// and stays up, every rejection names a path. SEDNA_FAULT_SEED repeats a run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAULT_FORMS, mutationFigures } from '../src/faults/forms.js';
import { runMutations } from '../src/faults/mutations.js';
import { FourParts } from '../src/faults/parts.js';
import { faultSeed } from '../src/faults/seed.js';

const seed = faultSeed(13);
const { documents } = FAULT_FORMS.fast;
const dir = mkdtempSync(join(tmpdir(), 'sedna-e2e-mutants-'));
let parts: FourParts | undefined;

beforeAll(async () => {
  parts = await FourParts.start({ dataDir: join(dir, 'sedna'), dir, node: 'edge-node', only: ['apiserver'] });
}, 120_000);

afterAll(async () => {
  await parts?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test(`${documents} mutated documents through validation and the API server (seed ${seed}): no crash, 4xx only, every rejection names its path`, async () => {
  const started = Date.now();
  const figures = await runMutations({ seed, count: documents, kubeconfig: (parts as FourParts).kubeconfig });
  console.log(['fault suite, fast form:', ...mutationFigures(figures, Math.round((Date.now() - started) / 1000))].join('\n'));
  expect(figures.violations).toEqual([]);
  expect(parts?.parts.apiserver.running).toBe(true);
  expect(figures.documents).toBe(documents);
}, 900_000);
