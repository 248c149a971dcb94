import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rename, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyLine, headerOf, indexFormatOf, readIndex, samplePathProblem, START_CURSOR, type IndexCursor } from './indexReader.js';

describe('readIndex', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-index-'));
    path = join(dir, 'index.txt');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function read(cursor: IndexCursor, format: 'txt' | 'csv' = 'txt') {
    const result = await readIndex(path, format, cursor);
    const lines = result.kind === 'read' ? result.samples.map((s) => s.bytes.toString('utf8')) : [];
    return { result, lines, cursor: result.kind === 'read' ? result.cursor : cursor };
  }

  test('reads only appended bytes and only complete lines; blank lines are not samples; CRLF is accepted', async () => {
    await writeFile(path, 'a 1\n\nb 2\r\nc 3');
    const first = await read(START_CURSOR);
    expect(first.lines).toEqual(['a 1', 'b 2']);
    expect(first.cursor).toMatchObject({ count: 2, offset: Buffer.byteLength('a 1\n\nb 2\r\n') });
    await appendFile(path, ' tail\nd 4\n');
    const second = await read(first.cursor);
    expect(second.lines).toEqual(['c 3 tail', 'd 4']);
    expect(second.cursor.count).toBe(4);
    const third = await read(second.cursor);
    expect(third.lines).toEqual([]);
    expect(third.cursor).toEqual(second.cursor);
  });

  test('csv: the first line is the header, kept in the cursor and not a sample', async () => {
    await writeFile(path, 'image,label\nx.png,1\ny.png,0\n');
    const { lines, cursor } = await read(START_CURSOR, 'csv');
    expect(lines).toEqual(['x.png,1', 'y.png,0']);
    expect(cursor).toMatchObject({ count: 2 });
    expect(headerOf(cursor)?.toString()).toBe('image,label');
    await appendFile(path, 'z.png,1\n');
    expect((await read(cursor, 'csv')).lines).toEqual(['z.png,1']);
  });

  test('truncation, replacement and a rewrite in place are told apart from an append', async () => {
    await writeFile(path, 'a\nb\nc\n');
    const { cursor } = await read(START_CURSOR);
    await truncate(path, 2);
    expect((await read(cursor)).result).toEqual({ kind: 'reset', reason: 'truncated' });
    await writeFile(path, 'x\ny\nz\nw\n');
    expect((await read(cursor)).result).toEqual({ kind: 'reset', reason: 'rewritten' });
    const again = (await read(START_CURSOR)).cursor;
    await writeFile(join(dir, 'new.txt'), 'x\ny\nz\nw\nv\n');
    await rename(join(dir, 'new.txt'), path);
    expect((await read(again)).result).toEqual({ kind: 'reset', reason: 'replaced' });
  });

  test('a missing file is missing, and a file read in pieces gives the same lines', async () => {
    expect((await read(START_CURSOR)).result).toEqual({ kind: 'missing' });
    const all = Array.from({ length: 1000 }, (_, i) => `sample-${i} ${'x'.repeat(i % 50)}`);
    await writeFile(path, `${all.join('\n')}\n`);
    const lines: string[] = [];
    let cursor = START_CURSOR;
    for (;;) {
      const result = await readIndex(path, 'txt', cursor, { maxBytes: 777 });
      if (result.kind !== 'read') break;
      lines.push(...result.samples.map((s) => s.bytes.toString()));
      cursor = result.cursor;
      if (!result.more) break;
    }
    expect(lines).toEqual(all);
    expect(cursor.lines).toBe(1000);
  });

  test('a line ends at LF or CRLF; a NUL byte or a CR inside makes it bad; every other byte is kept', () => {
    expect(classifyLine(Buffer.from('a b\r'))).toEqual({ kind: 'line', bytes: Buffer.from('a b') });
    expect(classifyLine(Buffer.from('caf\xe9', 'latin1'))).toEqual({ kind: 'line', bytes: Buffer.from([0x63, 0x61, 0x66, 0xe9]) });
    expect(classifyLine(Buffer.from(' \t\r'))).toEqual({ kind: 'blank' });
    expect(classifyLine(Buffer.from('a\rb'))).toMatchObject({ kind: 'bad', reason: expect.stringContaining('CR') });
    expect(classifyLine(Buffer.from('a\r\r'))).toMatchObject({ kind: 'bad' });
    expect(classifyLine(Buffer.from('a\0b'))).toMatchObject({ kind: 'bad', reason: 'it contains a NUL byte' });
  });

  test('sample paths: inside the index folder, a readable regular file (a FIFO is refused, not waited for); non-UTF-8 paths checked as bytes', async () => {
    await mkdir(join(dir, 'images'));
    await writeFile(join(dir, 'images', 'a.png'), 'x');
    await writeFile(Buffer.from(`${dir}/images/caf\xe9.png`, 'latin1'), 'x');
    execFileSync('mkfifo', [join(dir, 'images', 'fifo.png')]);
    const checks = { root: dir, files: true };
    expect(samplePathProblem(Buffer.from('images/a.png 1 2'), checks)).toBeUndefined();
    expect(samplePathProblem(Buffer.from('  images/caf\xe9.png 1', 'latin1'), checks)).toBeUndefined();
    expect(samplePathProblem(Buffer.from(`${dir}/images/a.png`), checks)).toBeUndefined();
    expect(samplePathProblem(Buffer.from('../../etc/passwd 1'), checks)).toBe(`its sample path "../../etc/passwd" resolves to "/etc/passwd", outside the dataset folder ${JSON.stringify(dir)}`);
    expect(samplePathProblem(Buffer.from('images/missing.png'), checks)).toBe(`its sample file ${JSON.stringify(join(dir, 'images', 'missing.png'))} does not exist`);
    expect(samplePathProblem(Buffer.from('images/fifo.png'), checks)).toBe(`its sample file ${JSON.stringify(join(dir, 'images', 'fifo.png'))} is not a regular file`);
    expect(samplePathProblem(Buffer.from('images'), checks)).toContain('is not a regular file');
    expect(samplePathProblem(Buffer.from('images/missing.png'), { root: dir, files: false })).toBeUndefined();
    // Through symlinks: a link inside the folder is a sample; a link out of it (a secret) is not.
    await symlink(join(dir, 'images', 'a.png'), join(dir, 'images', 'inside.png'));
    const secret = await mkdtemp(join(tmpdir(), 'secret-'));
    await writeFile(join(secret, 'gm-secret'), 's3cr3t');
    await symlink(join(secret, 'gm-secret'), join(dir, 'images', 'secret.png'));
    expect(samplePathProblem(Buffer.from('images/inside.png 1'), checks)).toBeUndefined();
    expect(samplePathProblem(Buffer.from('images/secret.png 1'), checks)).toBe(
      `its sample file ${JSON.stringify(join(dir, 'images', 'secret.png'))} is a symlink to ${JSON.stringify(join(secret, 'gm-secret'))}, outside the dataset folder ${JSON.stringify(dir)}`,
    );
    await rm(secret, { recursive: true, force: true });
  });

  test('a read with checks hands bad lines apart, in line order, and counts only samples', async () => {
    await mkdir(join(dir, 'images'));
    await writeFile(join(dir, 'images', 'a.png'), 'x');
    await writeFile(path, 'images/a.png 1\n../outside.png 2\nimages/a.png 3\nbad\rline\n');
    const result = await readIndex(path, 'txt', START_CURSOR, { checks: { root: dir, files: true } });
    if (result.kind !== 'read') throw new Error(result.kind);
    expect(result.samples.map((s) => [s.lineNumber, s.bytes.toString()])).toEqual([[1, 'images/a.png 1'], [3, 'images/a.png 3']]);
    expect(result.bad.map((b) => b.lineNumber)).toEqual([2, 4]);
    expect(result.cursor).toMatchObject({ count: 2, lines: 4 });
  });

  test('formats are txt or csv, case-insensitive', () => {
    expect(indexFormatOf('TXT')).toBe('txt');
    expect(indexFormatOf(' csv ')).toBe('csv');
    expect(indexFormatOf('json')).toBeUndefined();
  });
});
