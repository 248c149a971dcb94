import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { attributesOf, formatIndexLine, mergeIndexLines, parseBoxTokens, readIndexLines, samplesOf } from './indexFile.js';
import { labelHardExamples } from './labeller.js';
import { FRAME_ID_KEYWORD, readPngText, SITE_KEYWORD, withPngText } from './pngText.js';
import { trueBoxes } from './scene.js';

/** A valid 1x1 grey PNG, built by hand (no image library in jest's realm). */
function tinyPng(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  // zlib stream of one scanline: filter byte 0, pixel 0x80.
  const idat = Buffer.from([0x78, 0x01, 0x01, 0x02, 0x00, 0xfd, 0xff, 0x00, 0x80, 0x00, 0x81, 0x00, 0x81]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

describe('PNG text chunks', () => {
  it('round-trip a frame id with a valid CRC, right after IHDR', () => {
    const png = withPngText(tinyPng(), FRAME_ID_KEYWORD, 'B-7-000042');
    expect(readPngText(png, FRAME_ID_KEYWORD)).toBe('B-7-000042');
    expect(readPngText(png, 'other')).toBeUndefined();
    const length = png.readUInt32BE(33);
    expect(png.toString('latin1', 37, 41)).toBe('tEXt');
    expect(png.readUInt32BE(41 + length)).toBe(crc32(png.subarray(37, 41 + length)));
  });

  it('reads nothing from a PNG without the chunk or from other bytes, and refuses to stamp a non-PNG', () => {
    expect(readPngText(tinyPng(), FRAME_ID_KEYWORD)).toBeUndefined();
    expect(readPngText(Buffer.from('not an image at all'), FRAME_ID_KEYWORD)).toBeUndefined();
    expect(() => withPngText(Buffer.from('JFIF....'), FRAME_ID_KEYWORD, 'x')).toThrow('withPngText: not a PNG');
  });
});

describe('index lines', () => {
  it('format and parse boxes in the original x1,y1,x2,y2,cls form', () => {
    const line = formatIndexLine('images/A-1-000001.jpg', [{ x1: 1, y1: 2, x2: 30, y2: 40, cls: 1 }]);
    expect(line).toBe('images/A-1-000001.jpg 1,2,30,40,1');
    expect(parseBoxTokens(line.split(' ').slice(1), 'line 1')).toEqual([{ x1: 1, y1: 2, x2: 30, y2: 40, cls: 1 }]);
  });

  it('carry attributes as key=value tokens after the path, which the box parser skips', () => {
    const line = formatIndexLine('images/C-5-000001.png', [{ x1: 1, y1: 2, x2: 30, y2: 40, cls: 0 }], { site: 'C' });
    expect(line).toBe('images/C-5-000001.png site=C 1,2,30,40,0');
    const tokens = line.split(' ').slice(1);
    expect(parseBoxTokens(tokens, 'line 1')).toEqual([{ x1: 1, y1: 2, x2: 30, y2: 40, cls: 0 }]);
    expect(attributesOf(tokens)).toEqual({ site: 'C' });
    expect(attributesOf(['1,2,3,4,0'])).toEqual({});
    expect(() => formatIndexLine('images/a.png', [], { site: 'a b' })).toThrow('is not key=value without spaces');
    // A row with a path (a lifelong sample, its site taken off) reads as its path.
    expect(samplesOf({ dataType: 'train', x: [{ path: '/d/c.png' }], y: [['site=C', '1,2,3,4,1']], numExamples: () => 1 })).toEqual([{ path: '/d/c.png', boxes: [{ x1: 1, y1: 2, x2: 3, y2: 4, cls: 1 }] }]);
  });

  it('name the line and the label in errors', () => {
    expect(() => parseBoxTokens(['1,2,3'], 'index.txt line 4')).toThrow('index.txt line 4: label 1: "1,2,3" is not x1,y1,x2,y2,cls');
    expect(() => parseBoxTokens(['1,2,3,4,x'], 'l')).toThrow(expect.objectContaining({ code: 'INVALID_LABEL' }));
    expect(() => parseBoxTokens(['1,2,3,4,0.5'], 'l')).toThrow('l: label 1: class "0.5" is not a class id');
    expect(() => formatIndexLine('my images/a.jpg', [])).toThrow('contains whitespace');
  });

  it('read both shapes of TxtDataParse sources: train (x paths, y tokens) and test with useRaw (x = all tokens)', () => {
    const train = { dataType: 'train' as const, x: ['/d/a.jpg', '/d/b.jpg'], y: [['1,2,3,4,0'], []], numExamples: () => 2 };
    const test = { dataType: 'test' as const, x: [['/d/a.jpg', '1,2,3,4,0']], y: [], numExamples: () => 1 };
    expect(samplesOf(train)).toEqual([
      { path: '/d/a.jpg', boxes: [{ x1: 1, y1: 2, x2: 3, y2: 4, cls: 0 }] },
      { path: '/d/b.jpg', boxes: [] },
    ]);
    expect(samplesOf(test)).toEqual([{ path: '/d/a.jpg', boxes: [{ x1: 1, y1: 2, x2: 3, y2: 4, cls: 0 }] }]);
  });
});

describe('rehearsal lists', () => {
  it('merge older and newer lines, one per image, the newer line winning at its own place, keeping the last max', () => {
    const older = ['images/a.png 1,1,2,2,0', 'images/b.png 1,1,2,2,1'];
    const newer = ['images/c.png 3,3,4,4,0', 'images/a.png 5,5,6,6,1'];
    expect(mergeIndexLines(older, newer)).toEqual(['images/b.png 1,1,2,2,1', 'images/c.png 3,3,4,4,0', 'images/a.png 5,5,6,6,1']);
    expect(mergeIndexLines(older, newer, 2)).toEqual(['images/c.png 3,3,4,4,0', 'images/a.png 5,5,6,6,1']);
    expect(mergeIndexLines([], [])).toEqual([]);
  });

  it('read the non-empty lines of an index, and none of an absent one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'helmet-index-'));
    try {
      await writeFile(join(dir, 'index.txt'), 'images/a.png 1,1,2,2,0\n\n  images/b.png  \n');
      expect(await readIndexLines(join(dir, 'index.txt'))).toEqual(['images/a.png 1,1,2,2,0', 'images/b.png']);
      expect(await readIndexLines(join(dir, 'absent.txt'))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('labelHardExamples', () => {
  let root: string;
  let he: string;
  let dataset: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'helmet-label-'));
    he = join(root, 'he');
    dataset = join(root, 'dataset');
    await mkdir(he);
    await mkdir(dataset);
    await writeFile(join(dataset, 'index.txt'), 'images/A-1-000000.jpg 1,2,3,4,0\n');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  async function saveHardExample(stem: string, frame: string | undefined): Promise<void> {
    const png = frame === undefined ? tinyPng() : withPngText(tinyPng(), FRAME_ID_KEYWORD, frame);
    await writeFile(join(he, `${stem}.png`), png);
    await writeFile(join(he, `${stem}.meta.json`), JSON.stringify({ result: [], modelVersion: 'initial', time: '' }));
  }

  it('labels the oldest hard examples first with the generator\'s true boxes, up to max, and appends their lines', async () => {
    await saveHardExample('1700000000001-000000', 'B-100-000003');
    await saveHardExample('1700000000002-000001', 'B-100-000007');
    await saveHardExample('1700000000003-000002', 'B-100-000009');
    // An image without its meta file yet is not complete: not seen.
    await writeFile(join(he, '1700000000004-000003.png'), withPngText(tinyPng(), FRAME_ID_KEYWORD, 'B-100-000010'));

    const first = await labelHardExamples({ hardExamplesDir: he, datasetDir: dataset, max: 2 });
    expect(first.labelled.map((l) => l.frame)).toEqual(['B-100-000003', 'B-100-000007']);
    expect(first.pending).toBe(1);
    const index = await readFile(join(dataset, 'index.txt'), 'utf8');
    expect(index).toBe(
      ['images/A-1-000000.jpg 1,2,3,4,0', formatIndexLine('images/B-100-000003.png', trueBoxes('B-100-000003')), formatIndexLine('images/B-100-000007.png', trueBoxes('B-100-000007')), ''].join('\n'),
    );
    expect(readPngText(await readFile(join(dataset, 'images/B-100-000007.png')), FRAME_ID_KEYWORD)).toBe('B-100-000007');

    const second = await labelHardExamples({ hardExamplesDir: he, datasetDir: dataset });
    expect(second.labelled.map((l) => l.frame)).toEqual(['B-100-000009']);
    expect(second.duplicates).toBe(2);
    expect(second.pending).toBe(0);
  });

  it('with site, writes the frame\'s site into its line: from the PNG\'s site chunk, else the frame id', async () => {
    await writeFile(join(he, '1700000000001-000000.png'), withPngText(withPngText(tinyPng(), FRAME_ID_KEYWORD, 'C-7-000001'), SITE_KEYWORD, 'C'));
    await writeFile(join(he, '1700000000001-000000.meta.json'), JSON.stringify({ reason: 'attribute', task: 'C' }));
    await saveHardExample('1700000000002-000001', 'B-100-000003');
    const result = await labelHardExamples({ hardExamplesDir: he, datasetDir: dataset, site: true });
    expect(result.labelled.map((l) => l.line)).toEqual([
      formatIndexLine('images/C-7-000001.png', trueBoxes('C-7-000001'), { site: 'C' }),
      formatIndexLine('images/B-100-000003.png', trueBoxes('B-100-000003'), { site: 'B' }),
    ]);
  });

  it('is idempotent: frames already in the index are never appended twice', async () => {
    await saveHardExample('1700000000001-000000', 'B-100-000003');
    await labelHardExamples({ hardExamplesDir: he, datasetDir: dataset });
    // The same frame saved again (say, by a restarted inference worker).
    await saveHardExample('1700000000009-000000', 'B-100-000003');
    const again = await labelHardExamples({ hardExamplesDir: he, datasetDir: dataset });
    expect(again.labelled).toEqual([]);
    expect(again.duplicates).toBe(2);
    const lines = (await readFile(join(dataset, 'index.txt'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(2);
  });

  it('with remove, takes the labelled examples out of the hard-example folder and leaves the others', async () => {
    await saveHardExample('1700000000001-000000', 'B-100-000003');
    await saveHardExample('1700000000002-000000', 'B-100-000004');
    const result = await labelHardExamples({ hardExamplesDir: he, datasetDir: dataset, max: 1, remove: true });
    expect(result.labelled.map((l) => l.frame)).toEqual(['B-100-000003']);
    expect((await readdir(he)).sort()).toEqual(['1700000000002-000000.meta.json', '1700000000002-000000.png']);
  });

  it('skips, with the reason, examples that are not frames of the example camera', async () => {
    await saveHardExample('1700000000001-000000', undefined);
    await saveHardExample('1700000000002-000000', 'not-a-frame');
    await writeFile(join(he, '1700000000003-000000.json'), '{}');
    await writeFile(join(he, '1700000000003-000000.meta.json'), '{}');
    const result = await labelHardExamples({ hardExamplesDir: he, datasetDir: dataset });
    expect(result.labelled).toEqual([]);
    expect(result.skipped).toEqual([
      { hardExample: '1700000000001-000000', reason: `no ${FRAME_ID_KEYWORD} text chunk (not a frame of the example's camera)` },
      { hardExample: '1700000000002-000000', reason: 'frame id: "not-a-frame" is not <A|B|C>-<seed>-<index>' },
      { hardExample: '1700000000003-000000', reason: 'no PNG image' },
    ]);
  });

  it('handles a missing hard-example folder as nothing to label', async () => {
    const result = await labelHardExamples({ hardExamplesDir: join(root, 'nope'), datasetDir: dataset });
    expect(result).toEqual({ labelled: [], skipped: [], duplicates: 0, pending: 0 });
  });
});
