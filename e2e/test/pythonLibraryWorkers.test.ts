// The original Sedna's Python workers on sedna-ts (issue 19), without Python: fixtures/pylib/worker.mjs
// behaves as a worker of the original's library does on the wire and on disk (no Authorization header,
// 5 attempts then exit 0, a deploy report without ownerInfo, `{n}.jpeg` hard examples without a meta
// file, `model_config.json` read as the library reads it: `model_path` opened as it is). It runs as the
// train, eval and inference workers of an IncrementalLearningJob on `sedna up`:
// - with `sedna.io/worker-auth: none` a round completes with hot update: the inference process loads
//   the new model from the `model_path` the LC wrote, its deploy report completes the stage, and its
//   hard examples (in the folder its own HE_SAVED_URL names) are indexed;
// - without it, the same job's reports are refused (401), counted by the LC, the round's train stage
//   fails for want of a report, and `sedna describe` says why.
import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V1Pod, V1PodList } from '@kubernetes/client-node';
import type { IncrementalLearningJob } from '@sedna-ts/api-types';
import { readHardExampleIndex } from '@sedna-ts/local-controller';
import { eventually } from '../src/eventually.js';
import { conditionsOf, dataOf, JobWatch } from '../src/jobWatch.js';
import { NODE, Scenario } from '../src/scenario.js';
import { getJson, sednaOk } from '../src/sedna.js';

const E2E_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const PYLIB_DIR = join(E2E_DIR, 'fixtures', 'pylib');
const JOB_TEMPLATE = join(E2E_DIR, 'fixtures', 'jobs', 'pylib-job.yaml');

const scenario = new Scenario('pylib');
const watches: JobWatch[] = [];

/** One job's folder under the scenario: dataset, base model, output, hard examples, the workers' record. */
function prepare(name: string): string {
  const root = join(scenario.dir, name);
  for (const folder of ['dataset/samples', 'models/base', 'runs', 'he']) mkdirSync(join(root, folder), { recursive: true });
  writeFileSync(join(root, 'dataset', 'index.txt'), '');
  writeFileSync(join(root, 'models', 'base', 'model.json'), JSON.stringify({ base: true }));
  return root;
}

/** Writes `count` sample files and appends their index lines in one write. */
function appendSamples(root: string, prefix: string, count: number): void {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = join(root, 'dataset', 'samples', `${prefix}-${i}.jpeg`);
    writeFileSync(file, `frame ${prefix} ${i}`);
    lines.push(`samples/${prefix}-${i}.jpeg ${i % 2}`);
  }
  appendFileSync(join(root, 'dataset', 'index.txt'), `${lines.join('\n')}\n`);
}

function jobYaml(name: string, root: string, annotations: Record<string, string>): string {
  const values: Record<string, string> = { NAME: name, ROOT: root, FIXTURES: PYLIB_DIR, NODE, ANNOTATIONS: JSON.stringify(annotations) };
  return readFileSync(JOB_TEMPLATE, 'utf8').replace(/\$\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}

interface WorkerEvent {
  worker: string;
  role: string;
  event: string;
  kind?: string;
  attempt?: number;
  code?: number;
  message?: string;
  path?: string;
  model?: Record<string, unknown>;
}

function workerEvents(root: string): WorkerEvent[] {
  const file = join(root, 'runs', 'workers.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as WorkerEvent);
}

/** The pods of one worker type of job `job` (`sedna get pods -l ...`). */
async function podsOf(job: string, type: string): Promise<V1Pod[]> {
  const list = await getJson<V1PodList>(scenario.dataDir, ['pods', '-l', `incrementallearningjob.sedna.io/name=${job},incrementallearningjob.sedna.io/worker-type=${type}`]);
  return list.items;
}

/** Applies the job `name` with `annotations` on a folder of its own and follows it until its first (Train, Waiting). */
async function startJob(name: string, annotations: Record<string, string>): Promise<{ root: string; watch: JobWatch }> {
  const root = prepare(name);
  await sednaOk(scenario.dataDir, ['apply', '-f', '-'], { stdin: jobYaml(name, root, annotations) });
  const watch = new JobWatch(scenario.dataDir, name);
  watches.push(watch);
  await watch.untilCondition({ round: 0, stage: 'Train', type: 'Waiting' });
  return { root, watch };
}

/** `sedna describe il NAME` once it mentions `text` (an event the GM records a little after the condition). */
function describedWith(name: string, text: string): Promise<string> {
  return eventually(`${text} in sedna describe il ${name}`, async () => {
    const out = await sednaOk(scenario.dataDir, ['describe', 'il', name]);
    return out.includes(text) ? out : undefined;
  });
}

beforeAll(async () => {
  await scenario.startSedna();
}, 120_000);

afterAll(async () => {
  for (const w of watches) w.stop();
  await scenario.cleanUp();
});

test("with sedna.io/worker-auth: none, a round with hot update completes: the library's inference worker loads the new model, its deploy report completes the stage, its hard examples are indexed", async () => {
  const name = 'pyok';
  const { root, watch } = await startJob(name, { 'sedna.io/worker-auth': 'none' });
  await eventually('the inference worker loaded the base model', () => (workerEvents(root).some((e) => e.role === 'inference' && e.event === 'loaded') ? true : undefined));

  appendSamples(root, 'r1', 8);
  const job: IncrementalLearningJob = await watch.untilRoundEnds(1);
  expect(job.status?.lastDecision).toMatchObject({ round: 1, decision: 'Deploy', metric: 'precision_delta' });
  const newModel = join(root, 'output', 'train', '1', 'model.json');
  expect(job.status?.lastGoodModel).toMatchObject({ url: newModel });

  // The serving worker's deploy report (no ownerInfo) completed the stage, attributed to the model the LC published.
  const server = (await podsOf(name, 'inference'))[0];
  const completed = conditionsOf(job).find((c) => c.round === 1 && c.stage === 'Deploy' && c.type === 'Completed');
  expect(completed && dataOf(completed)).toMatchObject({ worker: server?.metadata?.name, output: { ownerInfo: { model_version: '1', model_version_source: 'last published by the LC' } } });

  // The model it loaded is the new one, from the model_path the LC wrote, as the library opens it.
  const events = workerEvents(root);
  const loaded = events.filter((e) => e.role === 'inference' && e.event === 'loaded');
  expect(loaded.at(-1)?.model).toEqual(JSON.parse(readFileSync(newModel, 'utf8')));
  expect(loaded.at(-1)?.path).toMatch(/\/1\/model\.json$/);
  expect(existsSync(loaded.at(-1)?.path as string)).toBe(true);
  // Every report was taken without a token (a 503 would only have asked a report racing the GM's update to retry).
  const reports = events.filter((e) => e.event === 'report');
  expect(reports.filter((e) => e.code !== 200 && e.code !== 503)).toEqual([]);
  expect(reports.filter((e) => e.code === 200).map((e) => e.kind)).toEqual(['train', 'eval', 'deploy']);
  expect(events.filter((e) => e.event === 'report-gave-up')).toEqual([]);

  // Its hard examples, {n}.jpeg in its own HE_SAVED_URL folder (its hostPath volume), are indexed.
  expect(server?.spec?.containers[0]?.env).toContainEqual({ name: 'HE_SAVED_URL', value: '/he_saved_url' });
  expect(server?.spec?.volumes?.map((v) => v.name)).not.toContain('sedna-hard-examples-volume');
  const indexed = await eventually('hard examples indexed', async () => {
    const list = await readHardExampleIndex(join(root, 'he'));
    return list.length >= 2 ? list : undefined;
  });
  for (const e of indexed) expect(e.path).toMatch(new RegExp(`^${join(root, 'he')}/\\d+\\.jpeg$`));

  // The opt-in is on record: the GM's Warning event, in `sedna describe`.
  const described = await describedWith(name, 'UnauthenticatedWorkers');
  expect(described).not.toContain('WorkerReportRefused');
}, 240_000);

test('without the opt-in the same reports are refused (401) and counted; the train stage fails for want of a report and `sedna describe` says why', async () => {
  const name = 'pynoauth';
  // A worker that ended without a report fails its stage after 2 s instead of the default.
  const { root, watch } = await startJob(name, { 'sedna.io/deadlines': '{"reportAfterPodEnded":"2s"}' });
  appendSamples(root, 'r1', 8);
  const job = await watch.untilCondition({ round: 1, stage: 'Train', type: 'Failed' });
  const failed = conditionsOf(job).find((c) => c.round === 1 && c.stage === 'Train' && c.type === 'Failed');
  expect(failed?.reason).toBe('NoReport');
  // Not "did not arrive": the LC refused it, and the condition says so with the code and reason it counted.
  expect(failed?.message).toMatch(/but its report was refused and none was taken within 2s .*: the LC of node \S+ refused its train report \(401 no-token\): worker \S+: no Authorization: Bearer <SEDNA_WORKER_TOKEN> header/);

  // The worker tried 5 times, was refused each time, gave up and exited 0 (as the library does).
  const trainer = workerEvents(root).filter((e) => e.role === 'train');
  const attempts = trainer.filter((e) => e.event === 'report');
  expect(attempts.map((e) => e.code)).toEqual([401, 401, 401, 401, 401]);
  expect(attempts[0]?.message).toContain('no Authorization: Bearer <SEDNA_WORKER_TOKEN> header; IncrementalLearningJob default/pynoauth does not take reports without a token');
  expect(trainer.some((e) => e.event === 'report-gave-up')).toBe(true);

  // The LC counted them; its metrics are on the worker API the pods report to.
  const pod = (await podsOf(name, 'train'))[0];
  const lcServer = pod?.spec?.containers[0]?.env?.find((e) => e.name === 'LC_SERVER')?.value;
  const metrics = await (await fetch(`${lcServer}/metrics`)).text();
  const refused = /sedna_lc_worker_reports_rejected_total\{code="401",reason="no-token",node="[^"]+"\} (\d+)/.exec(metrics);
  expect(Number(refused?.[1])).toBeGreaterThanOrEqual(5);

  // `sedna describe` says why: the LC's refusal, as a Warning event on the job.
  const described = await describedWith(name, 'WorkerReportRefused');
  expect(described).toContain('no Authorization: Bearer <SEDNA_WORKER_TOKEN> header');
  expect(described).toContain('sedna.io/worker-auth: none');
}, 240_000);
