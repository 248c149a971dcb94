// Upgrade: a data folder written by the previous release (fixtures/upgrade-0ef59cb, made by `sedna up`
// of commit 0ef59cb: one round of the tray job ended and 32 samples queued, one outbox message not yet
// acknowledged) is read by this release's `sedna up`: the objects and the job's conditions are there,
// the queued samples are neither counted again nor lost, the next round is round 2, and the pending
// outbox message is replayed while the acknowledged ones are not. The fixture's objects name absolute
// paths under /tmp/sedna-ts-upgrade-fixture, so the test puts the fixture there (one run at a time).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, appendFileSync, writeFileSync, chmodSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { IncrementalLearningJob } from '@sedna-ts/api-types';
import { CLASSIFIER_DIR } from '../src/scenario.js';
import { eventually } from '../src/eventually.js';
import { getJson, isAlive, killNodeAgentProcesses, SednaUp } from '../src/sedna.js';

const FIXTURE = join(CLASSIFIER_DIR, '..', 'upgrade-0ef59cb');
const BASE = '/tmp/sedna-ts-upgrade-fixture';
const dataDir = join(BASE, 'sedna');
const root = join(BASE, 'root');
const index = join(root, 'dataset', 'index.txt');
const outboxLog = join(dataDir, 'lc', 'outbox', 'outbox.log');
/** What the previous release's run left, as its job status said when it stopped. */
const TRAIL_AT_STOP = [
  'Train/Waiting/0',
  ...['Train', 'Eval', 'Deploy'].flatMap((stage) => ['Waiting', 'Ready', 'Starting', 'Running', 'Completed'].map((type) => `${stage}/${type}/1`)).slice(1),
  'Train/Waiting/1',
];

let up: SednaUp | undefined;

type OutboxRecord = { t: 'm' | 'a'; id: string };
const outboxRecords = (): OutboxRecord[] =>
  readFileSync(outboxLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as OutboxRecord);
const trail = (job: IncrementalLearningJob) => (job.status?.conditions ?? []).map((c) => `${c.stage}/${c.type}/${c.round}${c.reason ? `/${c.reason}` : ''}`);

/** The fixture at its fixed place: folders 0700 as `sedna up` keeps them, the store unzipped. */
function restoreFixture(): void {
  const lock = join(dataDir, 'sedna.lock');
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8').match(/\d+/)?.[0]);
    if (pid && isAlive(pid)) throw new Error(`${BASE} is in use by sedna up (pid ${pid}): another run of this test?`);
  }
  rmSync(BASE, { recursive: true, force: true });
  mkdirSync(BASE, { recursive: true });
  cpSync(join(FIXTURE, 'sedna'), dataDir, { recursive: true });
  cpSync(join(FIXTURE, 'root'), root, { recursive: true });
  const store = join(dataDir, 'store');
  writeFileSync(join(store, 'data.mdb'), gunzipSync(readFileSync(join(store, 'data.mdb.gz'))));
  rmSync(join(store, 'data.mdb.gz'));
  const tighten = (dir: string): void => {
    chmodSync(dir, 0o700);
    for (const entry of readdirSync(dir)) if (statSync(join(dir, entry)).isDirectory()) tighten(join(dir, entry));
  };
  tighten(dataDir);
  frames(readFileSync(index, 'utf8').split('\n').filter(Boolean));
}

/**
 * The frames index lines name (left out of the fixture; the LC only checks that each opens as a regular
 * file, and quarantines a line whose file is missing): empty files in their place.
 */
function frames(lines: readonly string[]): void {
  for (const line of lines) {
    const file = join(root, 'dataset', line.split(' ')[0] as string);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '');
  }
}

beforeAll(() => restoreFixture());

afterAll(async () => {
  if (up?.running) {
    const timer = setTimeout(() => up?.process.kill('SIGKILL'), 30_000);
    await up.stop();
    clearTimeout(timer);
  }
  killNodeAgentProcesses(dataDir);
  rmSync(BASE, { recursive: true, force: true });
});

test('a data folder of the previous release: objects, conditions, counted samples, rounds and the outbox are read; the next round is round 2 with exactly the queued samples', async () => {
  const before = outboxRecords();
  const acked = before.filter((r) => r.t === 'a').map((r) => r.id);
  const pending = before.filter((r) => r.t === 'm' && !acked.includes(r.id)).map((r) => r.id);
  expect(pending).toHaveLength(1);
  const lines = readFileSync(index, 'utf8').split('\n').filter(Boolean);
  expect(lines).toHaveLength(96);

  up = await SednaUp.start(dataDir, { SEDNA_GM_RETRY_INITIAL_BACKOFF_SECONDS: '1' });

  // The job as the previous release left it: round 1 ended with a deploy, nothing new started.
  const job = await getJson<IncrementalLearningJob>(dataDir, ['il', 'tray']);
  expect(trail(job).slice(0, TRAIL_AT_STOP.length)).toEqual(TRAIL_AT_STOP);
  expect(job.status?.round).toBe(1);
  expect(job.status?.lastDecision).toMatchObject({ round: 1, decision: 'Deploy' });
  expect(job.status?.lastGoodModel?.url).toBe(join(root, 'output', 'train', '1', 'model.onnx'));
  const dataset = await getJson<{ status?: { numberOfSamples?: number } }>(dataDir, ['dataset', 'tray-data']);
  expect(dataset.status?.numberOfSamples).toBe(96);

  // The message the GM had not acknowledged is replayed and acknowledged; the acknowledged ones are not sent again.
  await eventually('the pending outbox message acknowledged', () => (outboxRecords().some((r) => r.t === 'a' && r.id === pending[0]) ? true : undefined));
  for (const id of acked) expect(outboxRecords().filter((r) => r.t === 'a' && r.id === id)).toHaveLength(1);

  // 32 more samples: with the 24 queued in the train pool they reach the trigger's 48, and round 2 takes
  // exactly those: none of round 1's, none twice, none lost.
  const r3 = Array.from({ length: 32 }, (_, i) => `images/r3-${String(i).padStart(4, '0')}.png ${i % 2}`);
  frames(r3);
  appendFileSync(index, `${r3.join('\n')}\n`);
  const r2 = lines.slice(64);
  const roundFile = join(root, 'output', 'data', 'train', '2', 'data.txt');
  const cut = await eventually('the round file of round 2', () => (existsSync(roundFile) ? readFileSync(roundFile, 'utf8').split('\n').filter(Boolean) : undefined));
  expect(cut).toEqual([...r2.slice(0, 24), ...r3.slice(0, 24)]);
  const next = await eventually('(Train, Ready) of round 2', async () => {
    const j = await getJson<IncrementalLearningJob>(dataDir, ['il', 'tray']);
    return trail(j).includes('Train/Ready/2') ? j : undefined;
  });
  // Rounds started (a retry of round 2's stage is not one: the fixture's worker scripts are not on this machine).
  expect(trail(next).filter((t) => /^Train\/Ready\/\d+$/.test(t))).toEqual(['Train/Ready/1', 'Train/Ready/2']);
  await eventually('the 128 samples counted', async () => ((await getJson<{ status?: { numberOfSamples?: number } }>(dataDir, ['dataset', 'tray-data'])).status?.numberOfSamples === 128 ? true : undefined));
});
