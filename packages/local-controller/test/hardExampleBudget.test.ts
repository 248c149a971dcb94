// The dashboard's moves against the hard-example budget, with a real store on a real folder: a skipped
// example restored into a full queue is the oldest there, and the budget evicted it at once (its files
// gone from the queue, from skipped/ and from the disk). Restored examples are kept out of eviction until
// they leave the queue, across a restart; when they alone fill the budget a restore is refused (507,
// naming the budget) and the example stays in the skipped list. An example being labelled is never
// evicted, and skipped examples (in skipped/) never are.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobFolder } from '@sedna-ts/api-types/contract';
import pino from 'pino';
import type { LcContext } from '../src/context.js';
import type { JobRegistry } from '../src/jobs/jobRegistry.js';
import { HardExampleStore } from '../src/workers/hardExampleStore.js';
import { createLabellingHandler } from '../src/workers/labelling.js';
import { pngHeader } from './helpers/samples.js';

const header = { namespace: 'default', resourceKind: 'incrementallearningjob', resourceName: 'dash', operation: 'request' } as never;
let dir: string;
let heDir: string;
let store: HardExampleStore;
let answer: ReturnType<typeof createLabellingHandler>;

function example(folder: string, n: number): string {
  const id = `${1700000000000 + n * 1000}-00000${n}`;
  writeFileSync(join(folder, `${id}.png`), pngHeader(16, 16));
  writeFileSync(join(folder, `${id}.meta.json`), JSON.stringify({ time: new Date(1700000000000 + n * 1000).toISOString(), modelVersion: '1', result: [0.4, 0.6] }));
  return id;
}

const startStore = async (maxCount: number): Promise<HardExampleStore> => {
  const s = new HardExampleStore({ dir: heDir, maxCount, maxBytes: 1_000_000, pollMs: 60_000, logger: pino({ level: 'silent' }) });
  await s.start();
  return s;
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sedna-he-budget-'));
  heDir = jobFolder(join(dir, 'he'), 'default', 'incrementallearningjob', 'dash');
  mkdirSync(join(heDir, 'skipped'), { recursive: true });
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'index.txt'), 'a.png 0\n');
  store = await startStore(3);
  const kind = { kind: 'IncrementalLearningJob', resourceKind: 'incrementallearningjob', datasetName: () => 'dash-data' };
  const job = { metadata: { namespace: 'default', name: 'dash', annotations: {} }, spec: {} };
  const ctx = {
    config: { nodeName: 'node1', hardExampleRoot: join(dir, 'he'), dataDir: join(dir, 'lc'), dataRoots: [dir], deniedRoots: [], hostRoot: undefined },
    store: { get: () => ({ spec: { url: join(dir, 'data', 'index.txt'), format: 'txt' } }) },
    logger: pino({ level: 'silent' }),
  } as unknown as LcContext;
  const jobs = { kindOf: () => kind, stored: () => job, rescanHardExamples: () => store.rescan(), hardExampleStore: () => store } as unknown as JobRegistry;
  answer = createLabellingHandler(ctx, jobs);
});

afterEach(async () => {
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
});

const queue = () => store.list().map((e) => e.id);
const files = (folder: string) => readdirSync(folder).filter((n) => n.endsWith('.png')).sort();

test('a skipped example restored into a full queue stays (the budget evicts the oldest of the others), also after a restart and new examples', async () => {
  const old = example(join(heDir, 'skipped'), 0);
  const ids = [1, 2, 3].map((n) => example(heDir, n));
  await store.rescan();
  expect(queue()).toEqual(ids);

  expect((await answer(header, { action: 'hardExamples.restore', id: old })).status).toBe(200);
  expect(queue()).toEqual([old, ids[1], ids[2]]);
  expect(files(heDir)).toEqual([`${old}.png`, `${ids[1]}.png`, `${ids[2]}.png`]);

  await store.stop();
  store = await startStore(3);
  const fresh = example(heDir, 4);
  await store.rescan();
  expect(queue()).toEqual([old, ids[2], fresh]);

  // Once labelled it leaves the queue, and the budget treats the others as before.
  expect((await answer(header, { action: 'hardExamples.label', id: old, label: '1' })).status).toBe(200);
  expect(queue()).toEqual([ids[2], fresh]);
});

test('restored examples alone filling the budget: a restore is refused (507 naming the budget) and the example stays skipped', async () => {
  const skipped = [0, 1, 2].map((n) => example(join(heDir, 'skipped'), n));
  for (const id of skipped.slice(0, 2)) expect((await answer(header, { action: 'hardExamples.restore', id })).status).toBe(200);
  await store.stop();
  store = await startStore(2);
  const refused = await answer(header, { action: 'hardExamples.restore', id: skipped[2] });
  expect([refused.status, refused.error]).toEqual([
    507,
    `IncrementalLearningJob default/dash: hard example ${skipped[2]} stays in the skipped list: the hard-example budget of this job (2 examples, 1000000 bytes: hardExampleBudget of the local controller) is full of restored examples waiting for a label (2 examples, ${2 * (33 + 73)} bytes): label or skip some of them first`,
  ]);
  expect(files(join(heDir, 'skipped'))).toEqual([`${skipped[2]}.png`]);
  expect(queue()).toEqual(skipped.slice(0, 2));
  // Skipping one of them makes room.
  expect((await answer(header, { action: 'hardExamples.skip', id: skipped[0] })).status).toBe(200);
  expect((await answer(header, { action: 'hardExamples.restore', id: skipped[2] })).status).toBe(200);
  expect(queue()).toEqual([skipped[1], skipped[2]]);
});

test('an example being labelled is not evicted while it is held; skipped examples never are', async () => {
  const skipped = example(join(heDir, 'skipped'), 0);
  const held = example(heDir, 1);
  await store.rescan();
  await store.holding(held, async () => {
    for (const n of [2, 3, 4]) example(heDir, n);
    await store.rescan();
    expect(queue()).toContain(held);
    expect(files(heDir)).toContain(`${held}.png`);
  });
  expect(queue()).toHaveLength(3);
  expect(files(join(heDir, 'skipped'))).toEqual([`${skipped}.png`]);
});

test('the list is served a page at a time, newest first, filtered by model version with counts of the whole list; one example is served alone, and one that is not there says whether it was evicted, labelled or is gone', async () => {
  for (const n of [1, 2, 3]) example(heDir, n);
  await store.rescan();
  // The count budget (3) evicts the oldest when a fourth comes.
  example(heDir, 4);
  await store.rescan();
  const evicted = `${1700000000000 + 1000}-000001`;
  expect(queue()).not.toContain(evicted);
  const ids = [4, 3, 2].map((n) => `${1700000000000 + n * 1000}-00000${n}`);
  const page = await answer(header, { action: 'hardExamples.list', list: 'queue', limit: 2 });
  expect(page.body).toMatchObject({ total: 3, offset: 0, limit: 2, versions: { '1': 3 }, counts: { queue: 3, skipped: 0 } });
  expect((page.body as { examples: Array<{ id: string }> }).examples.map((e) => e.id)).toEqual(ids.slice(0, 2));
  const rest = await answer(header, { action: 'hardExamples.list', list: 'queue', limit: 2, offset: 2 });
  expect((rest.body as { examples: Array<{ id: string }> }).examples.map((e) => e.id)).toEqual(ids.slice(2));
  const none = await answer(header, { action: 'hardExamples.list', list: 'queue', versions: ['initial'] });
  expect(none.body).toMatchObject({ examples: [], total: 0, versions: { '1': 3 } });
  const tooMany = await answer(header, { action: 'hardExamples.list', list: 'queue', limit: 201 });
  expect([tooMany.status, tooMany.error]).toEqual([400, 'IncrementalLearningJob default/dash: hard examples: limit 201 is not an integer from 1 to 200']);

  const one = await answer(header, { action: 'hardExamples.get', id: ids[0] });
  expect(one.body).toMatchObject({ example: { id: ids[0], modelVersion: '1', image: true, round: 1 }, list: 'queue', counts: { queue: 3, skipped: 0 }, dataset: { labels: { shape: 'class' } } });
  const gone = await answer(header, { action: 'hardExamples.get', id: evicted });
  expect([gone.status, gone.body, gone.error]).toEqual([404, { state: 'evicted' }, `IncrementalLearningJob default/dash: hard example ${evicted}: the hard-example budget of the local controller evicted it (the oldest examples go first)`]);
  expect((await answer(header, { action: 'hardExamples.label', id: ids[0], label: '0' })).status).toBe(200);
  expect((await answer(header, { action: 'hardExamples.get', id: ids[0] })).body).toEqual({ state: 'labelled' });
  expect((await answer(header, { action: 'hardExamples.get', id: 'never-there' })).body).toEqual({ state: 'gone' });
});
