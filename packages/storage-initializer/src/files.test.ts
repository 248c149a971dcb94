import { mkdtempSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { makeStagingDir, mergeInto, partialPath, receiveToFile, sweepPartials, writeAtomically } from './files.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sedna-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a failed write leaves the target as it was and no temporary file', async () => {
  const target = path.join(dir, 'model.pb');
  await fs.writeFile(target, 'old');
  await expect(
    writeAtomically(target, async (temporary) => {
      await fs.writeFile(temporary, 'half');
      throw new Error('connection reset');
    }),
  ).rejects.toThrow('connection reset');
  expect(await fs.readdir(dir)).toEqual(['model.pb']);
  expect(await fs.readFile(target, 'utf8')).toBe('old');
});

test('a body shorter or longer than announced is refused', async () => {
  const file = path.join(dir, 'f');
  await expect(receiveToFile(file, async () => ({ stream: Readable.from([Buffer.from('abc')]), length: 5 }))).rejects.toThrow('body cut short: 3 bytes arrived, 5 announced');
  await expect(receiveToFile(file, async () => ({ stream: Readable.from([Buffer.from('abcdef')]), length: 5 }))).rejects.toThrow('body longer than announced');
  expect(await receiveToFile(file, async () => ({ stream: Readable.from([Buffer.from('abcde')]), length: 5 }))).toBe(5);
});

test('a sweep removes what other runs left, never what this run is writing', async () => {
  await fs.mkdir(path.join(dir, 'sub'));
  await fs.writeFile(path.join(dir, 'sub/.a.jpg.sedna-partial-deadbeef-01020304'), 'old run');
  await fs.mkdir(path.join(dir, '.sedna-staging-deadbeef-xyz'));
  const mine = partialPath(path.join(dir, 'sub/b.jpg'));
  await fs.writeFile(mine, 'this run');
  const myStaging = await makeStagingDir(dir);
  await fs.writeFile(path.join(dir, 'sub/keep.jpg'), 'data');
  expect(await sweepPartials(dir, false)).toBe(1);
  expect(await sweepPartials(dir, true)).toBe(1);
  expect((await fs.readdir(path.join(dir, 'sub'))).sort()).toEqual([path.basename(mine), 'keep.jpg'].sort());
  expect(await fs.readdir(dir)).toContain(path.basename(myStaging));
});

test('merging moves a tree in: folders merge, files and links replace what is in the way', async () => {
  const from = path.join(dir, 'from');
  const to = path.join(dir, 'to');
  await fs.mkdir(path.join(from, 'm/v'), { recursive: true });
  await fs.writeFile(path.join(from, 'm/v/w'), 'new');
  await fs.writeFile(path.join(from, 'x'), 'file now');
  await fs.mkdir(path.join(to, 'm'), { recursive: true });
  await fs.writeFile(path.join(to, 'm/keep'), 'k');
  await fs.mkdir(path.join(to, 'x/was-a-folder'), { recursive: true });
  await mergeInto(from, to);
  expect(await fs.readdir(from)).toEqual([]);
  expect((await fs.readdir(path.join(to, 'm'))).sort()).toEqual(['keep', 'v']);
  expect(await fs.readFile(path.join(to, 'x'), 'utf8')).toBe('file now');
});
