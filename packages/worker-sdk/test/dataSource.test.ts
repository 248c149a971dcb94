import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClassFactory, ClassType } from '../src/classFactory.js';
import { SednaConfig } from '../src/config.js';
import { BaseDataSource, CSVDataParse, TxtDataParse, writeFileAtomic, type RejectedLine } from '../src/dataSource.js';
import { WorkerSdkError } from '../src/errors.js';
import { removeDir, tempDir } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('sedna-data-');
  await mkdir(join(dir, 'dataset', 'images'), { recursive: true });
  await mkdir(join(dir, 'output', 'data', 'train', '1'), { recursive: true });
});
afterEach(async () => removeDir(dir));

const noOriginal = new SednaConfig({ env: {} });

describe('TxtDataParse', () => {
  test('x gets the path resolved against the index folder, y the label tokens; blank lines are skipped', async () => {
    const index = join(dir, 'dataset', 'index.txt');
    await writeFile(index, 'images/1.jpg 10,20,30,40,1 50,60,70,80,2\r\n\n  images/2.jpg   3  \nimages/3.jpg\n');
    const data = await new TxtDataParse<string, string[]>('train').parse(index, { config: noOriginal });
    expect(data.x).toEqual([join(dir, 'dataset/images/1.jpg'), join(dir, 'dataset/images/2.jpg'), join(dir, 'dataset/images/3.jpg')]);
    expect(data.y).toEqual([['10,20,30,40,1', '50,60,70,80,2'], ['3'], []]);
    expect(data.numExamples()).toBe(3);
  });

  test('a non-UTF-8 path reaches user code as a Buffer of its exact bytes, which opens the file; a CR inside a line does not split it', async () => {
    const index = join(dir, 'dataset', 'index.txt');
    const name = Buffer.concat([Buffer.from(join(dir, 'dataset', 'images', 'caf')), Buffer.from([0xe9]), Buffer.from('.png')]);
    await writeFile(name, 'the caf\xe9 image');
    await writeFile(index, Buffer.concat([Buffer.from('images/caf'), Buffer.from([0xe9]), Buffer.from('.png 1\r\nimages/a.jpg x\ry 2\nimages/b.jpg 3\n')]));
    const data = await new TxtDataParse<string | Buffer, string[]>('train').parse(index, { config: noOriginal });
    expect(data.x).toEqual([name, join(dir, 'dataset/images/a.jpg'), join(dir, 'dataset/images/b.jpg')]);
    expect(data.y).toEqual([['1'], ['x', 'y', '2'], ['3']]);
    expect(await readFile(data.x[0] as Buffer, 'utf8')).toBe('the caf\xe9 image');
    const records = [];
    for await (const r of new TxtDataParse('train').records(index, { config: noOriginal })) records.push(r);
    expect(records.map((r) => [r.lineNumber, r.pathBytes])).toEqual([[1, name], [2, Buffer.from(join(dir, 'dataset/images/a.jpg'))], [3, Buffer.from(join(dir, 'dataset/images/b.jpg'))]]);
    expect(records[0]?.bytes).toEqual(Buffer.concat([Buffer.from('images/caf'), Buffer.from([0xe9]), Buffer.from('.png 1')]));
    const viaFunc = await new TxtDataParse('train', (_line, context) => [context.resolve(context.bytes.subarray(0, context.bytes.indexOf(0x20)))]).parse(index, { config: noOriginal });
    expect(viaFunc.x[0]).toEqual(name);
  });

  test("relative paths of the LC's round index resolve against ORIGINAL_DATASET_URL's folder", async () => {
    const roundIndex = join(dir, 'output', 'data', 'train', '1', 'data.txt');
    await writeFile(roundIndex, 'images/7.jpg 1\n');
    const config = new SednaConfig({ env: { ORIGINAL_DATASET_URL: join(dir, 'dataset', 'index.txt') } });
    const data = await new TxtDataParse('train').parse(roundIndex, { config });
    expect(data.x).toEqual([join(dir, 'dataset/images/7.jpg')]);
  });

  test('useRaw puts every token in x (path resolved) and nothing in y; test data gets no y', async () => {
    const index = join(dir, 'dataset', 'index.txt');
    await writeFile(index, 'images/1.jpg 1,2,3,4,0\n');
    const raw = await new TxtDataParse('train').parse(index, { useRaw: true, config: noOriginal });
    expect(raw.x).toEqual([[join(dir, 'dataset/images/1.jpg'), '1,2,3,4,0']]);
    expect(raw.y).toEqual([]);
    const test = await new TxtDataParse('test').parse(index, { config: noOriginal });
    expect(test.x).toHaveLength(1);
    expect(test.y).toEqual([]);
    expect(test.isTestData).toBe(true);
  });

  test.each([['../../etc/passwd'], ['/etc/passwd'], ['images/../../outside.jpg']])('a line whose path %p leaves the dataset root is rejected', async (path) => {
    const index = join(dir, 'dataset', 'index.txt');
    await writeFile(index, `images/ok.jpg 1\n${path} 2\n`);
    const parse = new TxtDataParse('train').parse(index, { config: noOriginal });
    await expect(parse).rejects.toMatchObject({ code: 'DATASET_PATH_OUTSIDE_ROOT' });
    await expect(new TxtDataParse('train').parse(index, { config: noOriginal })).rejects.toThrow(
      `TxtDataParse: index ${index} line 2: path ${JSON.stringify(path)} is outside the dataset root ${join(dir, 'dataset')}`,
    );
  });

  test('with onRejected the escaping line is reported and skipped', async () => {
    const index = join(dir, 'dataset', 'index.txt');
    await writeFile(index, 'images/ok.jpg 1\n../secret.jpg 2\nimages/ok2.jpg 3\n');
    const rejected: RejectedLine[] = [];
    const data = await new TxtDataParse('train').parse(index, { config: noOriginal, onRejected: (r) => rejected.push(r) });
    expect(data.x).toHaveLength(2);
    expect(rejected).toEqual([{ file: index, lineNumber: 2, line: '../secret.jpg 2', path: '../secret.jpg', root: join(dir, 'dataset') }]);
  });

  test('an explicit root is where relative paths resolve and what they must stay in', async () => {
    const index = join(dir, 'dataset', 'index.txt');
    await writeFile(index, 'output/x.jpg 1\n');
    const data = await new TxtDataParse('train').parse(index, { root: dir });
    expect(data.x).toEqual([join(dir, 'output/x.jpg')]);
  });

  test('a processFunc gets the stripped line and a context whose resolve() checks the root', async () => {
    const index = join(dir, 'dataset', 'index.txt');
    await writeFile(index, '  images/1.jpg 5 \n# skipped by the func\n../bad.jpg 1\n');
    const seen: number[] = [];
    const func = (line: string, ctx: { lineNumber: number; resolve(p: string): string }) => {
      seen.push(ctx.lineNumber);
      if (line.startsWith('#')) return null;
      const [path, label] = line.split(' ');
      return [ctx.resolve(path as string), Number(label)];
    };
    const parse = new TxtDataParse('train', func).parse(index, { config: noOriginal });
    await expect(parse).rejects.toMatchObject({ code: 'DATASET_PATH_OUTSIDE_ROOT' });
    const ok = join(dir, 'dataset', 'ok.txt');
    await writeFile(ok, 'images/1.jpg 5\n# comment\n');
    const data = await new TxtDataParse('train', func).parse(ok, { config: noOriginal });
    expect(data.x).toEqual([join(dir, 'dataset/images/1.jpg')]);
    expect(data.y).toEqual([[5]]);
  });

  test('a processFunc can be named from ClassType.CALLBACK', async () => {
    ClassFactory.register(ClassType.CALLBACK, 'upper', { replace: true })((line: string) => [line.toUpperCase()]);
    const index = join(dir, 'dataset', 'index.txt');
    await writeFile(index, 'a b\n');
    const data = await new TxtDataParse('train', 'upper').parse(index, { config: noOriginal });
    expect(data.x).toEqual(['A B']);
    ClassFactory.unregister(ClassType.CALLBACK, 'upper');
  });

  test('a missing index throws DATASET_INVALID naming it (the original skipped it silently)', async () => {
    const missing = join(dir, 'nope.txt');
    await expect(new TxtDataParse('train').parse(missing)).rejects.toThrow(`TxtDataParse: index ${missing}: no such file`);
  });

  test('several files append in order', async () => {
    const a = join(dir, 'dataset', 'a.txt');
    const b = join(dir, 'dataset', 'b.txt');
    await writeFile(a, 'images/a.jpg 1\n');
    await writeFile(b, 'images/b.jpg 2\n');
    const data = await new TxtDataParse<string>('train').parse([a, b], { config: noOriginal });
    expect(data.x.map((p) => p.split('/').pop())).toEqual(['a.jpg', 'b.jpg']);
  });

  test('records() streams an index of 1M lines in a process whose heap is far smaller than the file', async () => {
    const index = join(dir, 'dataset', 'big.txt');
    const out = createWriteStream(index);
    const label = ' 100,200,300,400,1 500,600,700,800,2';
    let chunk = '';
    for (let i = 0; i < 1_000_000; i++) {
      chunk += `images/${String(i).padStart(8, '0')}.jpg${label}\n`;
      if (chunk.length > 1 << 20) {
        if (!out.write(chunk)) await new Promise<void>((done) => out.once('drain', () => done()));
        chunk = '';
      }
    }
    out.end(chunk);
    await new Promise<void>((done) => out.on('close', () => done()));
    expect((await stat(index)).size).toBeGreaterThan(50 * 1024 * 1024);

    const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/index.js');
    const script = `
      import { TxtDataParse, SednaConfig } from ${JSON.stringify(dist)};
      let n = 0, last = '';
      for await (const r of new TxtDataParse('train').records(process.argv[1], { config: new SednaConfig({ env: {} }) })) { n++; last = r.path; }
      console.log(JSON.stringify({ n, last, heapMB: Math.round(process.memoryUsage().heapUsed / 1048576) }));
    `;
    // A 24 MB old-space limit: holding the 56 MB index would crash the child with an out-of-memory error.
    const child = spawnSync(process.execPath, ['--max-old-space-size=24', '--input-type=module', '-e', script, index], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const result = JSON.parse(child.stdout) as { n: number; last: string };
    expect(result.n).toBe(1_000_000);
    expect(result.last).toBe(join(dir, 'dataset/images/00999999.jpg'));
  }, 60_000);
});

describe('CSVDataParse', () => {
  test('header, label column, quoted fields with commas, quotes and newlines, numbers cast', async () => {
    const file = join(dir, 'data.csv');
    await writeFile(file, 'temp,humidity,note,thermal_sensation\n21.5,40,"hot, ""very"" dry",1\n18,55,"two\nlines",-1\n');
    const data = await new CSVDataParse('train').parse(file, { label: 'thermal_sensation' });
    expect(data.x).toEqual([
      { temp: 21.5, humidity: 40, note: 'hot, "very" dry' },
      { temp: 18, humidity: 55, note: 'two\nlines' },
    ]);
    expect(data.y).toEqual([1, -1]);
  });

  test('usecols keeps the named columns (label added), other delimiters and no cast', async () => {
    const file = join(dir, 'data.tsv');
    await writeFile(file, 'a;b;c;y\n1;2;3;0\n');
    const data = await new CSVDataParse('eval').parse(file, { label: 'y', usecols: 'a, c', delimiter: ';', cast: false });
    expect(data.x).toEqual([{ a: '1', c: '3' }]);
    expect(data.y).toEqual(['0']);
  });

  test('in-memory rows are accepted as the original accepts dicts', async () => {
    const data = await new CSVDataParse('train').parse([{ a: 1, y: 0 }, { a: 2, y: 1 }], { label: 'y' });
    expect(data.x).toEqual([{ a: 1 }, { a: 2 }]);
    expect(data.y).toEqual([0, 1]);
  });

  test('a missing label column, file or usecols column throws DATASET_INVALID naming it', async () => {
    const file = join(dir, 'data.csv');
    await writeFile(file, 'a,b\n1,2\n');
    await expect(new CSVDataParse('train').parse(file, { label: 'y' })).rejects.toThrow(`CSVDataParse: ${file}: label column "y" not found; columns: a, b`);
    await expect(new CSVDataParse('train').parse(file, { usecols: ['z'] })).rejects.toThrow('column "z" not found');
    await expect(new CSVDataParse('train').parse(join(dir, 'none.csv'))).rejects.toThrow('no such file');
  });

  test('a malformed file throws DATASET_INVALID with the parser reason', async () => {
    const file = join(dir, 'bad.csv');
    await writeFile(file, 'a,b\n1,"unterminated\n');
    await expect(new CSVDataParse('train').parse(file)).rejects.toBeInstanceOf(WorkerSdkError);
    await expect(new CSVDataParse('train').parse(file)).rejects.toMatchObject({ code: 'DATASET_INVALID' });
  });
});

describe('BaseDataSource', () => {
  test('holds x and y, knows its type and saves as JSON by rename', async () => {
    const data = new BaseDataSource<number[], number>('eval');
    data.x.push([1, 2]);
    data.y.push(3);
    expect(data.numExamples()).toBe(1);
    expect(data.isTestData).toBe(false);
    const out = join(dir, 'saved', 'data.json');
    await data.save(out);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual({ dataType: 'eval', x: [[1, 2]], y: [3] });
  });

  test('an unknown data type is refused', () => {
    expect(() => new BaseDataSource('validation' as 'train')).toThrow('BaseDataSource: dataType: "validation" is not train, eval or test');
  });

  test('a CALLBACK registered as a class is refused with a clear message', () => {
    ClassFactory.register(ClassType.CALLBACK, 'AClass', { replace: true })(class AClass {});
    expect(() => new BaseDataSource('train', 'AClass')).toThrow('is a class; register a function');
    ClassFactory.unregister(ClassType.CALLBACK, 'AClass');
  });
});

test('a CSV func transforms the rows of each source before the label is split off', async () => {
  const data = await new CSVDataParse('train', (rows) => rows.filter((r) => (r.a as number) > 1)).parse([{ a: 1, y: 0 }, { a: 2, y: 1 }], { label: 'y' });
  expect(data.x).toEqual([{ a: 2 }]);
  expect(data.y).toEqual([1]);
});

test('writeFileAtomic replaces a file whole, and a write that fails leaves no temp file behind', async () => {
  const target = join(dir, 'out', 'file.json');
  await writeFileAtomic(target, 'first');
  await writeFileAtomic(target, 'second');
  expect(await readFile(target, 'utf8')).toBe('second');
  // A folder in the way: the rename fails after the temp file was written.
  await mkdir(join(dir, 'out', 'busy', 'inside'), { recursive: true });
  await expect(writeFileAtomic(join(dir, 'out', 'busy'), 'x')).rejects.toThrow();
  expect((await readdir(join(dir, 'out'))).sort()).toEqual(['busy', 'file.json']);
});
