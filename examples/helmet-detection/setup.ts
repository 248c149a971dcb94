// Prepares a folder for the job on one machine and writes its objects with the paths filled in:
//   npx tsx setup.ts --root <folder> [--node edge-node] [--test 300] [--fresh]
// then `sedna apply -f <folder>/jobs/helmet-detection.yaml`. The folder gets:
//   dataset/index.txt          the Dataset's index, empty: the labeller appends to it
//   models/initial/            the base model in tfjs (what round 1 fine-tunes)
//   models/deploy/model.onnx   the base model in ONNX (what the inference worker starts with)
//   frames/                    the camera's folder, read by the inference worker
//   output/, stats/            the job's outputDir; the inference worker's counters
//   test-b/index.txt           300 frames of scenario B with their boxes, to measure mAP@0.5
//   jobs/helmet-detection.yaml the objects of jobs/embedded/ with ${HELMET_ROOT}, ${HELMET_EXAMPLE_DIR}, ${HELMET_NODE} filled in
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '@sedna-ts/worker-sdk';
import { writeGeneratedDataset } from './src/dataset.js';
import { HelmetError } from './src/errors.js';

const EXAMPLE_DIR = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    node: { type: 'string', default: 'edge-node' },
    test: { type: 'string', default: '300' },
    fresh: { type: 'boolean', default: false },
  },
});
if (values.root === undefined) throw new HelmetError('INVALID_ARGUMENT', 'setup: --root <folder> is required');
const root = resolve(values.root);
const testCount = Number(values.test);
if (!Number.isInteger(testCount) || testCount < 1) throw new HelmetError('INVALID_ARGUMENT', `setup: --test: ${JSON.stringify(values.test)} is not a positive integer`);
if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(values.node as string)) throw new HelmetError('INVALID_ARGUMENT', `setup: --node: ${JSON.stringify(values.node)} is not a node name`);

if (values.fresh) await rm(root, { recursive: true, force: true });
for (const dir of ['dataset/images', 'models/initial', 'models/deploy', 'frames', 'output', 'stats', 'jobs']) await mkdir(join(root, dir), { recursive: true });
const index = join(root, 'dataset', 'index.txt');
if (!(await stat(index).catch(() => undefined))) await writeFile(index, '');

const base = join(EXAMPLE_DIR, 'models', 'base');
for (const name of await readdir(base)) {
  if (name === 'model.json' || /^weights-[0-9a-f]+\.bin$/.test(name)) await copyFile(join(base, name), join(root, 'models', 'initial', name));
}
await copyFile(join(base, 'model.onnx'), join(root, 'models', 'deploy', 'model.onnx'));

const testIndex = join(root, 'test-b', 'index.txt');
const existing = await readFile(testIndex, 'utf8').then((t) => t.split('\n').filter(Boolean).length, () => 0);
if (existing !== testCount) await writeGeneratedDataset({ scenario: 'B', seed: 2, count: testCount, dir: join(root, 'test-b') });

const template = await readFile(join(EXAMPLE_DIR, 'jobs', 'embedded', 'helmet-detection.yaml'), 'utf8');
// The template's header explains the placeholders; the written file says where it comes from instead.
const body = template.slice(template.indexOf('apiVersion:'));
const filled = `# Written by setup.ts from jobs/embedded/helmet-detection.yaml for ${root}.\n${body}`
  .replaceAll('${HELMET_ROOT}', root)
  .replaceAll('${HELMET_EXAMPLE_DIR}', EXAMPLE_DIR)
  .replaceAll('${HELMET_NODE}', values.node as string);
const jobFile = join(root, 'jobs', 'helmet-detection.yaml');
await writeFileAtomic(jobFile, filled);
console.log(`setup: ${root} is ready; apply the job with: sedna apply -f ${jobFile}`);
