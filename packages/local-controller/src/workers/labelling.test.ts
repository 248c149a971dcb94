import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkInside, checkLabel, checkShape, cocoOf, decideLabelShape, firstLabelledLine, labelLine, lineShape, MAX_BOXES, SHAPE_SCAN_BYTES } from './labelling.js';
import { pngHeader } from '../../test/helpers/samples.js';

test('a label is boxes or a class; a bad one is refused naming the field and the value', () => {
  const subject = 'IncrementalLearningJob default/tray: hard example x';
  expect(checkLabel(subject, { boxes: [{ x1: 1.4, y1: 2, x2: 10.6, y2: 9, cls: 1 }] })).toEqual({ boxes: [{ x1: 1, y1: 2, x2: 11, y2: 9, cls: 1 }] });
  expect(checkLabel(subject, { label: '1' })).toEqual({ label: '1' });
  expect(() => checkLabel(subject, {})).toThrow(`${subject}: give either boxes or label`);
  expect(() => checkLabel(subject, { label: 'two words' })).toThrow(`${subject}: label "two words" is not a class of`);
  expect(() => checkLabel(subject, { boxes: [{ x1: 5, y1: 0, x2: 5, y2: 4, cls: 0 }] })).toThrow(`${subject}: boxes[0] [5, 0, 5, 4] is empty`);
  expect(() => checkLabel(subject, { boxes: [{ x1: 0, y1: 0, x2: 5, y2: 4, cls: 0.5 }] })).toThrow(`${subject}: boxes[0].cls 0.5 is not a class of`);
  expect(() => checkLabel(subject, { boxes: [{ x1: -1, y1: 0, x2: 5, y2: 4, cls: 0 }] })).toThrow(`${subject}: boxes[0].x1 -1 is not a number >= 0`);
});

test('a label must be a class of the job: an id below the number of its class names (a name is written as its id), else an id >= 0', () => {
  const job = 'IncrementalLearningJob default/dash';
  const subject = `${job}: hard example x`;
  const names = ['left', 'right'];
  const classes = `is not a class of ${job} (classes: 0 left, 1 right)`;
  expect(checkLabel(subject, { label: 'right' }, job, names)).toEqual({ label: '1' });
  expect(checkLabel(subject, { label: '0' }, job, names)).toEqual({ label: '0' });
  expect(checkLabel(subject, { boxes: [{ x1: 0, y1: 0, x2: 5, y2: 4, cls: 'left' }] }, job, names)).toEqual({ boxes: [{ x1: 0, y1: 0, x2: 5, y2: 4, cls: 0 }] });
  for (const label of ['7', 'LEFT', '../../x', '<img/src=x/onerror=alert(1)>', '-1', '', 2, null]) {
    expect(() => checkLabel(subject, { label }, job, names)).toThrow(`${subject}: label ${JSON.stringify(label)} ${classes}`);
  }
  expect(() => checkLabel(subject, { boxes: [{ x1: 0, y1: 0, x2: 5, y2: 4, cls: 99 }] }, job, names)).toThrow(`${subject}: boxes[0].cls 99 ${classes}`);
  expect(() => checkLabel(subject, { boxes: [] }, job, names)).toThrow(`${subject}: boxes [] is empty: a label needs at least one box`);
  const many = Array.from({ length: MAX_BOXES + 1 }, () => ({ x1: 0, y1: 0, x2: 1, y2: 1, cls: 0 }));
  expect(() => checkLabel(subject, { boxes: many }, job, names)).toThrow(`${subject}: boxes has ${MAX_BOXES + 1} boxes, more than ${MAX_BOXES}`);
  // Without class names: any integer id >= 0, never a word.
  expect(checkLabel(subject, { label: '7' }, job)).toEqual({ label: '7' });
  expect(() => checkLabel(subject, { label: 'left' }, job)).toThrow(`${subject}: label "left" is not a class of ${job} (a class id: an integer >= 0; the job has no sedna.io/class-names annotation)`);
  // Inside the image: x2 <= width, y2 <= height.
  expect(() => checkInside(subject, [{ x1: 0, y1: 0, x2: 16, y2: 16, cls: 0 }], { width: 16, height: 16 })).not.toThrow();
  expect(() => checkInside(subject, [{ x1: 0, y1: 0, x2: 17, y2: 4, cls: 0 }], { width: 16, height: 16 })).toThrow(`${subject}: boxes[0].x2 17 is outside the image (16x16)`);
  expect(() => checkInside(subject, [{ x1: 0, y1: 0, x2: 4, y2: 40, cls: 0 }], { width: 16, height: 16 })).toThrow(`${subject}: boxes[0].y2 40 is outside the image (16x16)`);
});

test('the index line is the path with its boxes, or with its class', () => {
  expect(labelLine('labelled/a.png', { boxes: [{ x1: 1, y1: 2, x2: 3, y2: 4, cls: 0 }, { x1: 5, y1: 6, x2: 7, y2: 8, cls: 1 }] })).toBe('labelled/a.png 1,2,3,4,0 5,6,7,8,1');
  expect(labelLine('labelled/a.png', { label: '1' })).toBe('labelled/a.png 1');
});

test('boxes on an example whose size its header does not tell are refused (nothing would bound them)', () => {
  expect(() => checkInside('job j: hard example e', [{ x1: 0, y1: 0, x2: 1e21, y2: 5e300, cls: 0 }], undefined)).toThrow('job j: hard example e: boxes need an image whose size its header tells (PNG, JPEG, WebP or BMP)');
  expect(() => checkInside('job j: hard example e', undefined, undefined)).not.toThrow();
});

test('the COCO export holds every labelled line: boxes as annotations, a class as a box over the whole image', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sedna-coco-'));
  try {
    writeFileSync(join(dir, 'a.png'), pngHeader(16, 16));
    writeFileSync(join(dir, 'b.png'), pngHeader(8, 4));
    const coco = await cocoOf(join(dir, 'index.txt'), 'a.png 1,2,5,6,0 2,2,4,4,1\nb.png 1\n\nunlabelled.png\n', ['helmet', 'head'], 'Dataset default/helmets');
    // No path of the LC's host in what the browser gets.
    expect(coco.info).toMatchObject({ description: 'labelled samples of Dataset default/helmets' });
    expect(coco.info).not.toHaveProperty('skipped_lines');
    // A labelled line that is neither boxes nor a class id is counted and said, not dropped silently.
    const odd = await cocoOf(join(dir, 'index.txt'), 'a.png 1,2,5,6,0\nb.png 1e21,0,1,1,0\n', undefined, 'Dataset default/helmets');
    expect(odd.info).toMatchObject({ description: 'labelled samples of Dataset default/helmets; 1 labelled line neither boxes (x1,y1,x2,y2,cls) nor one class id, not exported', skipped_lines: 1 });
    // ... and gets no image entry (an image without annotations reads as one with nothing on it).
    expect(odd.images).toEqual([{ id: 1, file_name: 'a.png', width: 16, height: 16 }]);
    expect(JSON.stringify(coco)).not.toContain(dir);
    expect(coco.images).toEqual([
      { id: 1, file_name: 'a.png', width: 16, height: 16 },
      { id: 2, file_name: 'b.png', width: 8, height: 4 },
    ]);
    expect(coco.annotations).toEqual([
      { id: 1, image_id: 1, category_id: 0, bbox: [1, 2, 4, 4], area: 16, iscrowd: 0 },
      { id: 2, image_id: 1, category_id: 1, bbox: [2, 2, 2, 2], area: 4, iscrowd: 0 },
      { id: 3, image_id: 2, category_id: 1, bbox: [0, 0, 8, 4], area: 32, iscrowd: 0 },
    ]);
    expect(coco.categories).toEqual([
      { id: 0, name: 'helmet' },
      { id: 1, name: 'head' },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an index line has boxes, a class, or no label of either shape', () => {
  expect(lineShape('a.png 1,2,3,4,0')).toBe('boxes');
  expect(lineShape('  a.png 1,2,3,4,0   5.5,6,7,8,1 ')).toBe('boxes');
  expect(lineShape('a.png 1')).toBe('class');
  expect(lineShape('a.png helmet')).toBe('class');
  expect(lineShape('a.png')).toBeUndefined();
  expect(lineShape('')).toBeUndefined();
  expect(lineShape('a.png 1 2')).toBeUndefined();
  expect(lineShape('a.png 1,2,3,4,0 x')).toBeUndefined();
});

test("the first labelled line of an index decides; lines without a label are passed over; a line cut by the scan's end is not judged", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sedna-shape-'));
  try {
    const index = join(dir, 'index.txt');
    expect(await firstLabelledLine(index)).toBeUndefined();
    writeFileSync(index, 'a.png\n\nb.png 1,2,3,4,0\nc.png 1\n');
    expect(await firstLabelledLine(index)).toEqual({ lineNumber: 3, text: 'b.png 1,2,3,4,0', shape: 'boxes' });
    // Past the scanned bytes, nothing is read.
    writeFileSync(index, `${'x.png\n'.repeat(SHAPE_SCAN_BYTES / 6)}y.png 1\n`);
    expect(await firstLabelledLine(index)).toBeUndefined();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe("a job's label shape", () => {
  const job = 'IncrementalLearningJob default/dash';
  const base = { job, dataset: 'default/dash-data', format: 'txt' };
  const classLine = { lineNumber: 1, text: 'a.png 0', shape: 'class' as const };
  const boxLine = { lineNumber: 2, text: 'b.png 1,2,3,4,0', shape: 'boxes' as const };
  test.each([
    ['the annotation, on an empty index', { annotations: { 'sedna.io/labels': 'boxes' } }, { shape: 'boxes', why: 'as its annotation sedna.io/labels says' }],
    ['the annotation, agreeing with the index', { annotations: { 'sedna.io/labels': 'class' }, first: classLine }, { shape: 'class', why: 'as its annotation sedna.io/labels says' }],
    ['the first labelled line of the index', { first: classLine }, { shape: 'class', why: 'as line 1 of the index of Dataset default/dash-data ("a.png 0")' }],
    ['the first labelled line of the index, boxes', { first: boxLine, format: 'TXT' }, { shape: 'boxes', why: 'as line 2 of the index of Dataset default/dash-data ("b.png 1,2,3,4,0")' }],
    ['nothing yet: open', {}, { why: 'neither its annotation sedna.io/labels nor a labelled line of the index of Dataset default/dash-data says which: the first label decides' }],
    ['a csv index: refused', { format: 'csv', first: classLine }, { refused: 'Dataset default/dash-data: spec.format "csv": labels are written as lines of a txt index ("path x1,y1,x2,y2,cls ..." or "path label"); a csv index has columns of its own' }],
    ['an unknown format: refused', { format: 'parquet' }, { refused: 'Dataset default/dash-data: spec.format "parquet": labels are written as lines of a txt index ("path x1,y1,x2,y2,cls ..." or "path label"); it is not txt or csv' }],
    ['a bad annotation: refused', { annotations: { 'sedna.io/labels': 'detection' } }, { refused: `${job}: metadata.annotations["sedna.io/labels"]: "detection" is not "boxes" or "class"` }],
    [
      'an annotation the index contradicts: refused',
      { annotations: { 'sedna.io/labels': 'boxes' }, first: classLine },
      { refused: `${job}: metadata.annotations["sedna.io/labels"] says "boxes" but line 1 of the index of Dataset default/dash-data ("a.png 0") has one class per sample ("path label"): the index would mix the two (change the annotation or the index)` },
    ],
  ])('%s', (_, input, expected) => {
    expect(decideLabelShape({ ...base, ...input })).toEqual(expected);
  });

  test('boxes for a classifier and a class for a detector are refused naming the field and the value; either is taken while the shape is open', () => {
    const subject = `${job}: hard example e1`;
    const boxes = [{ x1: 1, y1: 1, x2: 5, y2: 5, cls: 0 }];
    const byLine = { shape: 'class' as const, why: 'as line 1 of the index of Dataset default/dash-data ("a.png 0")' };
    expect(() => checkShape(subject, { boxes }, byLine, job)).toThrow(
      `${subject}: boxes [{"x1":1,"y1":1,"x2":5,"y2":5,"cls":0}]: ${job} labels one class per sample ("path label"), as line 1 of the index of Dataset default/dash-data ("a.png 0"): send a label, not boxes`,
    );
    expect(() => checkShape(subject, { label: 'right' }, { shape: 'boxes', why: 'as its annotation sedna.io/labels says' }, job)).toThrow(
      `${subject}: label "right": ${job} labels boxes ("path x1,y1,x2,y2,cls ..."), as its annotation sedna.io/labels says: send boxes, not a label`,
    );
    expect(() => checkShape(subject, { label: '1' }, byLine, job)).not.toThrow();
    expect(() => checkShape(subject, { boxes }, { shape: 'boxes', why: '' }, job)).not.toThrow();
    for (const body of [{ boxes }, { label: '1' }]) expect(() => checkShape(subject, body, { why: 'open' }, job)).not.toThrow();
    // A long value is cut in the message.
    const many = Array.from({ length: 50 }, () => boxes[0]);
    expect(() => checkShape(subject, { boxes: many }, byLine, job)).toThrow(/^[^]{0,400}…: IncrementalLearningJob/);
  });
});
