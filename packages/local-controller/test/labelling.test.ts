// The LC's label write against a real folder: a label that is not a class of the job (a word, an id
// beyond its classes, a path, markup, a box class beyond them, no box at all, a box outside the image)
// is refused naming the field and the value, and the dataset index is left as it was; a class name is
// written as its id, the line format the training scripts read (`labelled/<id>.png 1`).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jobFolder } from '@sedna-ts/api-types/contract';
import pino from 'pino';
import type { LcContext } from '../src/context.js';
import type { JobRegistry } from '../src/jobs/jobRegistry.js';
import { createLabellingHandler } from '../src/workers/labelling.js';
import { pngHeader } from './helpers/samples.js';

let dir: string;
let heDir: string;
let index: string;
let answer: ReturnType<typeof createLabellingHandler>;
const header = { namespace: 'default', resourceKind: 'incrementallearningjob', resourceName: 'dash', operation: 'request' } as never;

function example(id: string): void {
  writeFileSync(join(heDir, `${id}.png`), pngHeader(16, 16));
  writeFileSync(join(heDir, `${id}.meta.json`), JSON.stringify({ time: '2026-01-01T00:00:00Z', modelVersion: '1', result: [0.4, 0.6] }));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sedna-labelling-'));
  heDir = jobFolder(join(dir, 'he'), 'default', 'incrementallearningjob', 'dash');
  mkdirSync(heDir, { recursive: true });
  mkdirSync(join(dir, 'data'));
  index = join(dir, 'data', 'index.txt');
  writeFileSync(index, 'a.png 0\n');
  const kind = { kind: 'IncrementalLearningJob', resourceKind: 'incrementallearningjob', datasetName: () => 'dash-data' };
  const job = { metadata: { namespace: 'default', name: 'dash', annotations: { 'sedna.io/class-names': 'left, right' } }, spec: {} };
  const ctx = {
    config: { nodeName: 'node1', hardExampleRoot: join(dir, 'he'), dataDir: join(dir, 'lc'), dataRoots: [dir], deniedRoots: [], hostRoot: undefined },
    store: { get: () => ({ spec: { url: index } }) },
    logger: pino({ level: 'silent' }),
  } as unknown as LcContext;
  const jobs = { kindOf: () => kind, stored: () => job, rescanHardExamples: async () => undefined } as unknown as JobRegistry;
  answer = createLabellingHandler(ctx, jobs);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a label that is not a class of the job is refused naming the field and the value; the index is left as it was', async () => {
  example('e1');
  const job = 'IncrementalLearningJob default/dash';
  const classes = `is not a class of ${job} (classes: 0 left, 1 right)`;
  const refused: Array<[Record<string, unknown>, string]> = [
    [{ label: '7' }, `label "7" ${classes}`],
    [{ label: 'LEFT' }, `label "LEFT" ${classes}`],
    [{ label: '../../x' }, `label "../../x" ${classes}`],
    [{ label: '<img/src=x/onerror=alert(1)>' }, `label "<img/src=x/onerror=alert(1)>" ${classes}`],
    [{ boxes: [{ x1: 1, y1: 1, x2: 5, y2: 5, cls: 99 }] }, `boxes[0].cls 99 ${classes}`],
    [{ boxes: [] }, 'boxes [] is empty: a label needs at least one box (skip an example that shows no object)'],
    [{ boxes: [{ x1: 1, y1: 1, x2: 17, y2: 5, cls: 0 }] }, 'boxes[0].x2 17 is outside the image (16x16)'],
  ];
  for (const [body, message] of refused) {
    const res = await answer(header, { action: 'hardExamples.label', id: 'e1', ...body });
    expect([body, res.status, res.error]).toEqual([body, 400, `${job}: hard example e1: ${message}`]);
  }
  expect(readFileSync(index, 'utf8')).toBe('a.png 0\n');
});

test('a class name is written as its id; boxes within the image are written as they are', async () => {
  example('e2');
  example('e3');
  expect((await answer(header, { action: 'hardExamples.label', id: 'e2', label: 'right' })).status).toBe(200);
  expect((await answer(header, { action: 'hardExamples.label', id: 'e3', boxes: [{ x1: 0, y1: 0, x2: 16, y2: 16, cls: 0 }] })).status).toBe(200);
  expect(readFileSync(index, 'utf8')).toBe('a.png 0\nlabelled/e2.png 1\nlabelled/e3.png 0,0,16,16,0\n');
});

test('answers name no path of the host: a skip of an unknown example, the COCO export', async () => {
  const skip = await answer(header, { action: 'hardExamples.skip', id: 'nope' });
  expect([skip.status, skip.error]).toEqual([404, 'hard example nope is not in the queue list']);
  const coco = await answer(header, { action: 'dataset.coco' });
  expect((coco.body as { info: unknown }).info).toMatchObject({ description: 'labelled samples of Dataset default/dash-data' });
  expect(JSON.stringify([skip, coco])).not.toContain(dir);
});
