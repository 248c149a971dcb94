import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { appendFile, mkdtemp, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexFormatOf, readIndex, START_CURSOR, type IndexCursor } from './indexReader.js';

describe('readIndex', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-index-'));
    path = join(dir, 'index.txt');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function read(cursor: IndexCursor, format: 'txt' | 'csv' = 'txt', skipSamples = 0) {
    const lines: string[] = [];
    const result = await readIndex(path, format, cursor, { skipSamples, onSamples: (chunk) => void lines.push(...chunk) });
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
    expect(cursor).toMatchObject({ count: 2, header: 'image,label' });
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
    // The recount hands over the samples past those already seen.
    const recount = await read(START_CURSOR, 'txt', again.count);
    expect(recount.lines).toEqual(['v']);
    expect(recount.cursor.count).toBe(5);
  });

  test('a missing file is missing, and a file read in pieces gives the same lines', async () => {
    expect((await read(START_CURSOR)).result).toEqual({ kind: 'missing' });
    const all = Array.from({ length: 1000 }, (_, i) => `sample-${i} ${'x'.repeat(i % 50)}`);
    await writeFile(path, `${all.join('\n')}\n`);
    const lines: string[] = [];
    let cursor = START_CURSOR;
    for (;;) {
      const result = await readIndex(path, 'txt', cursor, { maxBytes: 777, onSamples: (chunk) => void lines.push(...chunk) });
      if (result.kind !== 'read' || result.cursor.offset === cursor.offset) break;
      cursor = result.cursor;
    }
    expect(lines).toEqual(all);
  });

  test('formats are txt or csv, case-insensitive', () => {
    expect(indexFormatOf('TXT')).toBe('txt');
    expect(indexFormatOf(' csv ')).toBe('csv');
    expect(indexFormatOf('json')).toBeUndefined();
  });
});
