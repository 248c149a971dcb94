import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkInside, checkLabel, cocoOf, imageSize, labelLine, MAX_BOXES } from './labelling.js';
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

test('image sizes come from PNG and JPEG headers', () => {
  expect(imageSize(pngHeader(16, 12))).toEqual({ width: 16, height: 12 });
  // SOI, an APP0 segment, then SOF0 with height 480 and width 640.
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x03, 0, 0, 0, 0, 0, 0]);
  expect(imageSize(jpeg)).toEqual({ width: 640, height: 480 });
  expect(imageSize(Buffer.from('not an image'))).toBeUndefined();
});

test('the COCO export holds every labelled line: boxes as annotations, a class as a box over the whole image', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sedna-coco-'));
  try {
    writeFileSync(join(dir, 'a.png'), pngHeader(16, 16));
    writeFileSync(join(dir, 'b.png'), pngHeader(8, 4));
    const coco = await cocoOf(join(dir, 'index.txt'), 'a.png 1,2,5,6,0 2,2,4,4,1\nb.png 1\n\nunlabelled.png\n', ['helmet', 'head'], 'Dataset default/helmets');
    // No path of the LC's host in what the browser gets.
    expect(coco.info).toMatchObject({ description: 'labelled samples of Dataset default/helmets' });
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
