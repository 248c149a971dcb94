// Lifelong learning through `sedna up`, with the thermal-comfort example's workers as real processes
// and the real GM, LC, node agent and knowledge-base service. Round 1 learns the four seen tasks; the
// KB service holds the index, the job's status lists one model per task with the same ids and sample
// counts, and the deploy is confirmed by the inference worker's report of the index's create_time. The
// inference worker meets Spring rows (a season no task knows): flagged, saved, counted in the status.
// Round 2, from the labelled Spring rows, is interrupted by a SIGKILL of `sedna up` during its train
// stage and goes on after a restart: a fifth task, every sample in one round file, one pod per stage,
// round and attempt, and the restarted KB service keeps every task.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobCondition, LifelongLearningJob } from '@sedna-ts/api-types';
import { KB_ROUTE_PREFIX, KB_ROUTES, type KbIndex } from '@sedna-ts/api-types/contract';
import { mintWorkerToken, nodeToken } from '@sedna-ts/api-types/tokens';
import { generate, toCsv } from '../../examples/thermal-comfort/src/comfort.js';
import { eventually } from '../src/eventually.js';
import { JobWatch } from '../src/jobWatch.js';
import { getJson, isAlive, killNodeAgentProcesses, sednaOk, SednaUp } from '../src/sedna.js';

const E2E_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLE_DIR = join(E2E_DIR, '..', 'examples', 'thermal-comfort');
const NAME = 'thermal-comfort';
const NODE = 'edge-node';
const dir = mkdtempSync(join(tmpdir(), 'sedna-e2e-ll-'));
const dataDir = join(dir, 'sedna');
const root = join(dir, 'root');
const dataset = join(root, 'dataset', 'comfort.csv');
const inferInput = join(root, 'infer', 'rows.csv');
let up: SednaUp | undefined;
let watch: JobWatch | undefined;

type Job = LifelongLearningJob & { status?: LifelongLearningJob['status'] };
const label = (key: string) => (p: { metadata?: { labels?: Record<string, string> } }) => p.metadata?.labels?.[key];
const workerType = label('lifelonglearningjob.sedna.io/worker-type');

/** The example's job YAML with this test's folders, its train worker wrapped (fixtures/comfort/train.ts: a run record and a hold). */
function jobYaml(): string {
  const text = readFileSync(join(EXAMPLE_DIR, 'jobs', 'thermal-comfort.yaml'), 'utf8');
  const wrapped = text.replace('workingDir: ${COMFORT_EXAMPLE_DIR}\n            args: ["train.ts"]', `workingDir: ${join(E2E_DIR, 'fixtures', 'comfort')}\n            args: ["train.ts"]\n            env:\n              - name: COMFORT_ROOT\n                value: ${root}`);
  expect(wrapped).not.toBe(text);
  // The wrapper's env list replaces the example's: keep its parameters after COMFORT_ROOT.
  return wrapped
    .replace(/value: (\S+)\n {12}env:\n/, 'value: $1\n')
    .replaceAll('${COMFORT_ROOT}', root)
    .replaceAll('${COMFORT_EXAMPLE_DIR}', EXAMPLE_DIR)
    .replaceAll('${COMFORT_NODE}', NODE)
    .replace('checkPeriodSeconds: 5', 'checkPeriodSeconds: 1')
    .replace('value: "5"', 'value: "1"');
}

function holdTraining(hold: boolean): void {
  const file = join(root, 'runs', 'hold-train');
  if (hold) writeFileSync(file, '');
  else rmSync(file, { force: true });
}

function trainRuns(): Array<{ event: string; worker: string; pid: number; output: string }> {
  const file = join(root, 'runs', 'train.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
}

/** The job's index as the KB service serves it, read with a token the GM would give the job's train worker. */
async function kbIndex(): Promise<KbIndex> {
  const endpoint = JSON.parse(readFileSync(join(dataDir, 'endpoint.json'), 'utf8')) as { knowledgeBase: string };
  const secret = readFileSync(join(dataDir, 'gm-secret'), 'utf8').trim();
  const token = mintWorkerToken(nodeToken(secret, NODE), { namespace: 'default', kind: 'lifelonglearningjob', job: NAME, pod: `${NAME}-train-e2e00`, node: NODE, role: 'train' });
  const response = await fetch(`${endpoint.knowledgeBase}${KB_ROUTE_PREFIX}${KB_ROUTES.index}`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as KbIndex;
}

/** Data rows of a CSV (header dropped). */
function rowsOf(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(1);
}

function roundFiles(stage: 'train' | 'eval'): Map<number, string[]> {
  const folder = join(root, 'output', 'data', stage);
  const out = new Map<number, string[]>();
  if (!existsSync(folder)) return out;
  for (const round of readdirSync(folder)) out.set(Number(round), rowsOf(join(folder, round, 'data.txt')));
  return out;
}

const lastOf = (job: Job | undefined): JobCondition | undefined => job?.status?.conditions?.at(-1);
const roundEnded = (round: number) => (job: { status?: { conditions?: JobCondition[] } }) => (job.status?.conditions ?? []).some((c) => c.round === round && c.stage === 'Deploy' && c.type === 'Completed');

beforeAll(async () => {
  mkdirSync(dirname(dataset), { recursive: true });
  mkdirSync(dirname(inferInput), { recursive: true });
  mkdirSync(join(root, 'runs'), { recursive: true });
  writeFileSync(dataset, toCsv(generate({ tasks: ['Summer_AC', 'Summer_NV', 'Winter_AC', 'Winter_NV'], count: 700, seed: 1 }), { header: true }));
  writeFileSync(inferInput, toCsv([], { header: true }));
  up = await SednaUp.start(dataDir);
}, 120_000);

afterAll(async () => {
  watch?.stop();
  await up?.stop();
  killNodeAgentProcesses(dataDir);
  rmSync(dir, { recursive: true, force: true });
});

test('two lifelong rounds through sedna up: tasks learnt, unseen rows flagged, a new task learnt after a SIGKILL of sedna up, nothing lost or doubled', async () => {
  await sednaOk(dataDir, ['apply', '-f', '-'], { stdin: jobYaml() });
  watch = new JobWatch(dataDir, NAME, 'll');

  // Round 1: four tasks in the KB; the status lists the KB service's models.
  let job = (await watch.until('round 1 deployed', roundEnded(1))) as unknown as Job;
  const index1 = await kbIndex();
  const groups1 = index1.seen_task.task_groups.map((g) => g.entry).sort();
  expect(groups1).toEqual(['Summer_AC', 'Summer_NV', 'Winter_AC', 'Winter_NV']);
  const kbModels = (index: KbIndex) => index.seen_task.task_groups.map((g) => ({ modelID: g.model.id, numberOfTrainSamples: g.model.numberOfTrainSamples, task: g.entry })).sort((a, b) => a.task.localeCompare(b.task));
  const statusModels = (j: Job) => (j.status?.knowledgeBase?.AIModels.listOfAIModels ?? []).map((m) => ({ modelID: m.modelID, numberOfTrainSamples: m.numberOfTrainSamples, task: m.task })).sort((a, b) => (a.task ?? '').localeCompare(b.task ?? ''));
  expect(statusModels(job)).toEqual(kbModels(index1));
  expect(job.status?.knowledgeBase?.AIModels.numberOfAIModels).toBe(4);
  // The deploy was confirmed by the inference worker's report of the deployed index's create_time.
  const deployed = (job.status?.conditions ?? []).find((c) => c.round === 1 && c.stage === 'Deploy' && c.type === 'Completed') as JobCondition;
  const confirmed = JSON.parse(deployed.data ?? '{}') as { output?: { ownerInfo?: { create_time?: string } } };
  const deployedIndex = JSON.parse(readFileSync(join(root, 'output', 'deploy', 'index.json'), 'utf8')) as KbIndex;
  expect(confirmed.output?.ownerInfo?.create_time).toBe(deployedIndex.create_time);
  expect(job.status?.servingIndex).toEqual({ url: join(root, 'output', 'deploy', 'index.json'), createTime: deployedIndex.create_time, round: 1 });
  expect(job.status?.lastDecision).toMatchObject({ round: 1, decision: 'Deploy' });

  // The inference worker meets Spring rows: unseen, saved, counted in the status.
  writeFileSync(inferInput, toCsv(generate({ tasks: ['Summer_AC', 'Spring_NV'], count: 40, seed: 7 }), { header: false }), { flag: 'a' });
  job = (await watch.until('unseen samples counted', (j) => ((j as unknown as Job).status?.knowledgeBase?.samples.numberOfUnseenSample ?? 0) > 0)) as unknown as Job;
  const unseenDir = join(dataDir, 'lc', 'hard-examples', 'default', 'lifelonglearningjob', NAME);
  const metas = await eventually('the unseen samples saved with their meta', () => {
    const files = existsSync(unseenDir) ? readdirSync(unseenDir).filter((f) => f.endsWith('.meta.json')) : [];
    return files.length > 0 ? files : undefined;
  });
  const meta = JSON.parse(readFileSync(join(unseenDir, metas[0] as string), 'utf8')) as { reason: string; task?: string };
  expect(meta).toMatchObject({ reason: 'attribute', task: 'Spring_NV' });

  // Round 2 from labelled Spring rows; sedna up is SIGKILLed while its train worker runs.
  holdTraining(true);
  writeFileSync(dataset, toCsv(generate({ tasks: ['Spring_NV', 'Winter_AC'], count: 700, seed: 2 }), { header: false }), { flag: 'a' });
  const killedRun = await eventually('the train worker of round 2 started', () => trainRuns().find((r) => r.event === 'start' && r.output.endsWith('/train/2')), 120_000);
  watch.stop();
  await up?.kill();
  expect(isAlive(killedRun.pid)).toBe(true);
  up = await SednaUp.start(dataDir);
  expect(isAlive(killedRun.pid)).toBe(false);
  holdTraining(false);
  watch = new JobWatch(dataDir, NAME, 'll');
  job = (await watch.until('round 2 deployed', roundEnded(2))) as unknown as Job;

  // A fifth task, learnt from the unseen season; the status and the restarted KB service agree.
  const index2 = await kbIndex();
  expect(index2.seen_task.task_groups.map((g) => g.entry).sort()).toEqual(['Spring_NV', 'Summer_AC', 'Summer_NV', 'Winter_AC', 'Winter_NV']);
  expect(statusModels(job)).toEqual(kbModels(index2));
  expect(job.status?.knowledgeBase?.samples.numberOfLabeledUnseenSample).toBeGreaterThan(0);
  expect(job.status?.servingIndex?.round).toBe(2);
  const failed = (job.status?.conditions ?? []).find((c) => c.round === 2 && c.stage === 'Train' && c.type === 'Failed');
  expect(failed?.message).toContain(killedRun.worker);

  // One pod per stage, round and attempt.
  const pods = (await getJson<{ items: Array<{ metadata?: { labels?: Record<string, string> } }> }>(dataDir, ['pods', '-l', `lifelonglearningjob.sedna.io/name=${NAME}`])).items;
  const keys = pods.filter((p) => workerType(p) !== 'inference').map((p) => `${workerType(p)}/${label('sedna.io/round')(p)}/${label('sedna.io/attempt')(p)}`);
  expect(new Set(keys).size).toBe(keys.length);
  expect(keys.filter((k) => k.startsWith('train/2/'))).toEqual(expect.arrayContaining(['train/2/1', 'train/2/2']));

  // Every sample in exactly one round's train file or eval version; no file holds a row twice.
  const all = rowsOf(dataset);
  const train = [...roundFiles('train').values()].flat();
  const evals = roundFiles('eval');
  for (const rows of evals.values()) expect(new Set(rows).size).toBe(rows.length);
  const evalRows = new Set([...evals.values()].flat());
  expect(new Set(train).size).toBe(train.length);
  expect(train.filter((r) => evalRows.has(r))).toEqual([]);
  expect([...new Set([...train, ...evalRows])].sort()).toEqual([...new Set(all)].sort());
  expect(lastOf(job)).toBeDefined();

  // sedna rollback: round 1's index serves again (a copy with a new create_time, which the inference
  // worker takes hot and confirms); the next round would train from it.
  const rolled = await sednaOk(dataDir, ['rollback', `ll/${NAME}`, '--to-round', '1', '--wait', '2m']);
  expect(rolled).toContain(`rolled back: round 3 deployed the model of round 1 again (${join(root, 'output', 'deploy', 'rounds', '1', 'index.json')})`);
  job = (await watch.until('round 3 (the rollback) ended', roundEnded(3))) as unknown as Job;
  const servedAgain = JSON.parse(readFileSync(join(root, 'output', 'deploy', 'index.json'), 'utf8')) as KbIndex;
  expect(servedAgain.seen_task.task_groups.map((g) => g.entry).sort()).toEqual(groups1);
  expect(servedAgain.create_time > (index2.create_time ?? '')).toBe(true);
  expect(job.status?.servingIndex).toEqual({ url: join(root, 'output', 'deploy', 'index.json'), createTime: servedAgain.create_time, round: 3 });
  expect(job.status?.lastDecision).toMatchObject({ round: 3, decision: 'Rollback', to: { round: 1 } });
  const confirmedAgain = (job.status?.conditions ?? []).find((c) => c.round === 3 && c.stage === 'Deploy' && c.type === 'Completed') as JobCondition;
  expect((JSON.parse(confirmedAgain.data ?? '{}') as { output?: { ownerInfo?: { create_time?: string } } }).output?.ownerInfo?.create_time).toBe(servedAgain.create_time);
}, 300_000);
