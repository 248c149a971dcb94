// The LC's label write against a real folder: a label that is not a class of the job (a word, an id
// beyond its classes, a path, markup, a box class beyond them, no box at all, a box outside the image)
// is refused naming the field and the value, and the dataset index is left as it was; a class name is
// written as its id, the line format the training scripts read (`labelled/<id>.png 1`). Boxes for a job
// whose index holds class labels, and a class for one whose labels are boxes, are refused the same way.
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
let annotations: Record<string, string>;
let format: string;
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
  annotations = { 'sedna.io/class-names': 'left, right' };
  format = 'txt';
  const job = { metadata: { namespace: 'default', name: 'dash', get annotations() { return annotations; } }, spec: {} };
  const ctx = {
    config: { nodeName: 'node1', hardExampleRoot: join(dir, 'he'), dataDir: join(dir, 'lc'), dataRoots: [dir], deniedRoots: [], hostRoot: undefined },
    store: { get: () => ({ spec: { url: index, format } }) },
    logger: pino({ level: 'silent' }),
  } as unknown as LcContext;
  const jobs = { kindOf: () => kind, stored: () => job, rescanHardExamples: async () => undefined, hardExampleStore: () => undefined } as unknown as JobRegistry;
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
    // Class labels against an index of class labels, boxes against one of boxes.
    const lines = body.boxes ? 'b.png 1,1,9,9,1\n' : 'a.png 0\n';
    writeFileSync(index, lines);
    const res = await answer(header, { action: 'hardExamples.label', id: 'e1', ...body });
    expect([body, res.status, res.error]).toEqual([body, 400, `${job}: hard example e1: ${message}`]);
    expect(readFileSync(index, 'utf8')).toBe(lines);
  }
  writeFileSync(index, 'a.png 0\n');
});

test('a class name is written as its id', async () => {
  example('e2');
  expect((await answer(header, { action: 'hardExamples.label', id: 'e2', label: 'right' })).status).toBe(200);
  expect(readFileSync(index, 'utf8')).toBe('a.png 0\nlabelled/e2.png 1\n');
});

const list = async () => ((await answer(header, { action: 'hardExamples.list', list: 'queue' })).body as { dataset: { labels: unknown } }).dataset.labels;

test("boxes for a job whose index holds class labels are refused (400 naming the field and the value), and a class for a job labelled with boxes; the index is left as it was", async () => {
  example('e3');
  const job = 'IncrementalLearningJob default/dash';
  writeFileSync(index, 'a.png 0\n');
  const boxes = [{ x1: 0, y1: 0, x2: 16, y2: 16, cls: 0 }];
  const refusedBoxes = await answer(header, { action: 'hardExamples.label', id: 'e3', boxes });
  expect([refusedBoxes.status, refusedBoxes.error]).toEqual([400, `${job}: hard example e3: boxes ${JSON.stringify(boxes)}: ${job} labels one class per sample ("path label"), as line 1 of the index of Dataset default/dash-data ("a.png 0"): send a label, not boxes`]);
  expect(await list()).toEqual({ shape: 'class', why: 'as line 1 of the index of Dataset default/dash-data ("a.png 0")' });

  writeFileSync(index, 'a.png\nb.png 1,1,9,9,1\n');
  const refusedClass = await answer(header, { action: 'hardExamples.label', id: 'e3', label: 'left' });
  expect([refusedClass.status, refusedClass.error]).toEqual([400, `${job}: hard example e3: label "left": ${job} labels boxes ("path x1,y1,x2,y2,cls ..."), as line 2 of the index of Dataset default/dash-data ("b.png 1,1,9,9,1"): send boxes, not a label`]);
  expect(readFileSync(index, 'utf8')).toBe('a.png\nb.png 1,1,9,9,1\n');
  // The example is still waiting for its label.
  expect((await answer(header, { action: 'hardExamples.label', id: 'e3', boxes })).status).toBe(200);
  expect(readFileSync(index, 'utf8')).toBe('a.png\nb.png 1,1,9,9,1\nlabelled/e3.png 0,0,16,16,0\n');
});

test('the annotation sedna.io/labels decides an empty index; an index it contradicts, a bad value and a csv index refuse every label (409); without either, the first label decides', async () => {
  const job = 'IncrementalLearningJob default/dash';
  example('e4');
  writeFileSync(index, '');
  annotations = { 'sedna.io/labels': 'class' };
  expect(await list()).toEqual({ shape: 'class', why: 'as its annotation sedna.io/labels says' });
  const refused = await answer(header, { action: 'hardExamples.label', id: 'e4', boxes: [{ x1: 0, y1: 0, x2: 4, y2: 4, cls: 3 }] });
  expect([refused.status, refused.error]).toEqual([400, `${job}: hard example e4: boxes [{"x1":0,"y1":0,"x2":4,"y2":4,"cls":3}]: ${job} labels one class per sample ("path label"), as its annotation sedna.io/labels says: send a label, not boxes`]);

  writeFileSync(index, 'a.png 1,1,9,9,1\n');
  const contradicted = await answer(header, { action: 'hardExamples.label', id: 'e4', label: '1' });
  expect([contradicted.status, contradicted.error]).toEqual([409, `${job}: metadata.annotations["sedna.io/labels"] says "class" but line 1 of the index of Dataset default/dash-data ("a.png 1,1,9,9,1") has boxes ("path x1,y1,x2,y2,cls ..."): the index would mix the two (change the annotation or the index)`]);
  expect(await list()).toEqual({ refused: contradicted.error });
  annotations = { 'sedna.io/labels': 'Boxes' };
  const bad = await answer(header, { action: 'hardExamples.label', id: 'e4', boxes: [{ x1: 0, y1: 0, x2: 4, y2: 4, cls: 3 }] });
  expect([bad.status, bad.error]).toEqual([409, `${job}: metadata.annotations["sedna.io/labels"]: "Boxes" is not "boxes" or "class"`]);
  annotations = {};
  format = 'csv';
  writeFileSync(index, 'path,label\n');
  const csv = await answer(header, { action: 'hardExamples.label', id: 'e4', label: '1' });
  expect([csv.status, csv.error]).toEqual([409, 'Dataset default/dash-data: spec.format "csv": labels are written as lines of a txt index ("path x1,y1,x2,y2,cls ..." or "path label"); a csv index has columns of its own']);
  expect(readFileSync(index, 'utf8')).toBe('path,label\n');

  format = 'txt';
  writeFileSync(index, 'unlabelled.png\n');
  expect(await list()).toEqual({ why: 'neither its annotation sedna.io/labels nor a labelled line of the index of Dataset default/dash-data says which: the first label decides' });
  expect((await answer(header, { action: 'hardExamples.label', id: 'e4', label: '3' })).status).toBe(200);
  example('e5');
  const after = await answer(header, { action: 'hardExamples.label', id: 'e5', boxes: [{ x1: 0, y1: 0, x2: 4, y2: 4, cls: 3 }] });
  expect([after.status, after.error]).toEqual([400, expect.stringContaining('labels one class per sample ("path label"), as line 2 of the index of Dataset default/dash-data ("labelled/e4.png 3")')]);
  expect(readFileSync(index, 'utf8')).toBe('unlabelled.png\nlabelled/e4.png 3\n');
});

test('answers name no path of the host: a skip of an unknown example, the COCO export', async () => {
  const skip = await answer(header, { action: 'hardExamples.skip', id: 'nope' });
  expect([skip.status, skip.error]).toEqual([404, 'hard example nope is not in the queue list']);
  const coco = await answer(header, { action: 'dataset.coco' });
  expect((coco.body as { info: unknown }).info).toMatchObject({ description: 'labelled samples of Dataset default/dash-data' });
  expect(JSON.stringify([skip, coco])).not.toContain(dir);
});

test("the original library's hard examples ({n}.jpeg, no meta file) are listed, served, skipped, restored and labelled", async () => {
  const { utimesSync } = await import('node:fs');
  // SOI, then SOF0 of a 16x16 image: enough for its size.
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x10, 0x00, 0x10, 0x03, 0, 0, 0, 0, 0, 0, 0, 0]);
  writeFileSync(join(heDir, '7.jpeg'), jpeg);
  const old = new Date(Date.now() - 60_000);
  utimesSync(join(heDir, '7.jpeg'), old, old);
  // One being written now is not listed yet (the library writes in place).
  writeFileSync(join(heDir, '8.jpeg'), jpeg);
  writeFileSync(index, 'a.png 0\n');
  annotations = { 'sedna.io/class-names': 'left, right' };
  const listed = async (list: string) => ((await answer(header, { action: 'hardExamples.list', list })).body as { examples: Array<Record<string, unknown>> }).examples.filter((e) => /^\d+$/.test(e.id as string));
  expect(await listed('queue')).toEqual([{ id: '7', time: old.toISOString(), modelVersion: null, result: null, image: true }]);
  const sample = await answer(header, { action: 'hardExamples.sample', id: '7' });
  expect([sample.status, sample.contentType, sample.data]).toEqual([200, 'image/jpeg', jpeg.toString('base64')]);
  expect((await answer(header, { action: 'hardExamples.skip', id: '7' })).status).toBe(200);
  expect(await listed('queue')).toEqual([]);
  expect((await listed('skipped')).map((e) => e.id)).toEqual(['7']);
  expect((await answer(header, { action: 'hardExamples.restore', id: '7' })).status).toBe(200);
  const labelled = await answer(header, { action: 'hardExamples.label', id: '7', label: 'right' });
  expect([labelled.status, readFileSync(index, 'utf8')]).toEqual([200, 'a.png 0\nlabelled/7.jpeg 1\n']);
  expect(readFileSync(join(dir, 'data', 'labelled', '7.jpeg'))).toEqual(jpeg);
  expect(await listed('queue')).toEqual([]);
  rmSync(join(heDir, '8.jpeg'));
});

test('the COCO export of an index of 10,000 large images reads their headers only, is complete, and stops when the GM cancels it', async () => {
  const { truncate, writeFile } = await import('node:fs/promises');
  const lines = 10_000;
  const folder = join(dir, 'data', 'many');
  mkdirSync(folder, { recursive: true });
  const text = Array.from({ length: lines }, (_, i) => (i % 2 ? `many/${i}.png 1,2,30,40,${i % 2}` : `many/${i}.png 0`));
  for (let from = 0; from < lines; from += 200) {
    await Promise.all(
      text.slice(from, from + 200).map(async (_, k) => {
        const i = from + k;
        const file = join(folder, `${i}.png`);
        await writeFile(file, pngHeader(640 + (i % 7), 480));
        // 2 MiB each, sparse: 20 GB read whole; the first one more than readFile can hold.
        await truncate(file, i === 0 ? 3 * 1024 ** 3 : 2 * 1024 * 1024);
      }),
    );
  }
  writeFileSync(index, `${text.join('\n')}\n`);
  annotations = { 'sedna.io/class-names': 'left, right' };
  const started = Date.now();
  const coco = await answer(header, { action: 'dataset.coco' });
  process.stderr.write(`COCO export of ${lines} index lines: ${Date.now() - started} ms\n`);
  const body = coco.body as { images: Array<{ id: number; file_name: string; width: number; height: number }>; annotations: unknown[]; info: Record<string, unknown> };
  expect(coco.status).toBe(200);
  expect(body.images).toHaveLength(lines);
  expect(body.annotations).toHaveLength(lines);
  expect(body.info).not.toHaveProperty('skipped_lines');
  expect(body.images.filter((im, i) => im.width !== 640 + (i % 7) || im.height !== 480 || im.file_name !== `many/${i}.png`)).toEqual([]);
  // A cancel (the GM's deadline passed, or the browser went away) stops it: nobody reads the answer.
  const cancel = new AbortController();
  const stopped = answer(header, { action: 'dataset.coco' }, cancel.signal);
  cancel.abort(new Error('the global manager cancelled the request'));
  expect(await stopped).toEqual({ status: 499, error: 'IncrementalLearningJob default/dash: the request was cancelled' });
  rmSync(folder, { recursive: true });
  writeFileSync(index, 'a.png 0\n');
  // Writing 10,000 files takes a while on a busy machine: a deadline of its own.
}, 120_000);
