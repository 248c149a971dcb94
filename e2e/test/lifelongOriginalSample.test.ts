// The original's LifelongLearningJob sample on `sedna up`, as someone migrating would first try it: it
// validates, the GM starts it at (Train, Waiting), the LC counts its Dataset's samples, and the
// condition says why no worker can run on one machine (its Python scripts are inside its images, which
// have no local command here) instead of pods that fail.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from '../src/eventually.js';
import { JobWatch } from '../src/jobWatch.js';
import { getJson, sedna, sednaOk, SednaUp } from '../src/sedna.js';

const SAMPLE = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'jobs', 'original-lifelonglearningjob.yaml');
const dir = mkdtempSync(join(tmpdir(), 'sedna-e2e-ll-sample-'));
const dataDir = join(dir, 'sedna');
let up: SednaUp | undefined;
let watch: JobWatch | undefined;

beforeAll(async () => {
  up = await SednaUp.start(dataDir);
}, 120_000);

afterAll(async () => {
  watch?.stop();
  await up?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("the original's LifelongLearningJob sample validates and starts: (Train, Waiting), its samples counted, and why its images cannot run here", async () => {
  expect((await sedna(dataDir, ['validate', '-f', SAMPLE])).code).toBe(0);
  const csv = join(dir, 'data', 'trainData.csv');
  mkdirSync(dirname(csv), { recursive: true });
  writeFileSync(csv, ['Season,Cooling startegy_building level,Air temperature (C),Thermal preference', ...Array.from({ length: 25 }, (_, i) => `Summer,Air Conditioned,${20 + (i % 9)},${i % 3}`)].join('\n') + '\n');
  const datasetYaml = `apiVersion: sedna.io/v1alpha1\nkind: Dataset\nmetadata:\n  name: lifelong-dataset\nspec:\n  url: ${csv}\n  format: csv\n  nodeName: edge-node\n`;
  await sednaOk(dataDir, ['apply', '-f', '-'], { stdin: datasetYaml });
  const applied = await sedna(dataDir, ['apply', '-f', SAMPLE]);
  expect(applied).toMatchObject({ code: 0, stdout: 'lifelonglearningjob.sedna.io/atcii-classifier-demo created\n', stderr: '' });

  watch = new JobWatch(dataDir, 'atcii-classifier-demo', 'll');
  const job = await watch.until('(Train, Waiting) with a message about the images', (j) => {
    const latest = j.status?.conditions?.at(-1);
    return latest?.stage === 'Train' && latest.type === 'Waiting' && (latest.message ?? '').includes('no local mapping');
  });
  const message = job.status?.conditions?.at(-1)?.message ?? '';
  expect(message).toContain('LifelongLearningJob default/atcii-classifier-demo: image "kubeedge/sedna-example-lifelong-learning-atcii-classifier:v0.3.0" of the train, eval, inference workers has no local mapping on node edge-node');
  expect(message).toContain('give the container a command, or a workingDir holding its script');
  expect((job.status as { knowledgeBase?: { AIModels: { numberOfAIModels: number } } }).knowledgeBase?.AIModels.numberOfAIModels).toBe(0);

  const dataset = await eventually('the Dataset counted', async () => {
    const d = await getJson<{ status?: { numberOfSamples?: number } }>(dataDir, ['dataset', 'lifelong-dataset']);
    return d.status?.numberOfSamples === 25 ? d : undefined;
  });
  expect(dataset.status?.numberOfSamples).toBe(25);
  const described = await sednaOk(dataDir, ['describe', 'll', 'atcii-classifier-demo']);
  expect(described).toContain('no local mapping on node edge-node');
  expect(described).toContain('Serving Index:  (none yet: the inference worker starts at the first deploy)');
  // No worker pod was made to fail.
  const pods = await sedna(dataDir, ['get', 'pods']);
  expect(pods).toMatchObject({ code: 0, stdout: '' });
  expect(pods.stderr).toContain('No resources found');
  expect(readFileSync(SAMPLE, 'utf8')).toContain('kind: LifelongLearningJob');
}, 180_000);
