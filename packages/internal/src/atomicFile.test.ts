import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tempPathFor, writeAtomic, writeFileAtomic, writeFileAtomicSync } from './atomicFile.js';

let tmp: string;
let umask: number;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sedna-atomic-'));
  // A permissive umask would hide a mode that is only right by luck.
  umask = process.umask(0o022);
});
afterEach(() => {
  process.umask(umask);
  fs.rmSync(tmp, { recursive: true, force: true });
});

const mode = (file: string) => fs.statSync(file).mode & 0o777;

test.each([
  ['writeFileAtomic', (file: string, data: string, m?: number) => writeFileAtomic(file, data, m === undefined ? {} : { mode: m })],
  ['writeFileAtomicSync', async (file: string, data: string, m?: number) => writeFileAtomicSync(file, data, m === undefined ? {} : { mode: m })],
])('%s replaces the content, creates the folder, sets the exact mode and leaves no temp file', async (_name, write) => {
  const file = path.join(tmp, 'a', 'b', 'token');
  await write(file, 'one');
  expect(fs.readFileSync(file, 'utf8')).toBe('one');
  expect(mode(file)).toBe(0o644);
  await write(file, 'two', 0o600);
  expect(fs.readFileSync(file, 'utf8')).toBe('two');
  expect(mode(file)).toBe(0o600);
  process.umask(0o077);
  await write(file, 'three', 0o640);
  expect(mode(file)).toBe(0o640);
  expect(fs.readdirSync(path.dirname(file))).toEqual(['token']);
});

test('writeFileAtomicSync writes a large buffer whole, durable or not', () => {
  const file = path.join(tmp, 'big');
  const data = Buffer.alloc(3 * 1024 * 1024, 7);
  writeFileAtomicSync(file, data, { durable: false });
  expect(fs.readFileSync(file).equals(data)).toBe(true);
});

test('a failing write leaves the old content and no temp file', async () => {
  const file = path.join(tmp, 'state.json');
  await writeFileAtomic(file, 'old');
  await expect(writeAtomic(file, async (handle) => {
    await handle.writeFile('half');
    throw new Error('disk full');
  })).rejects.toThrow('disk full');
  expect(fs.readFileSync(file, 'utf8')).toBe('old');
  expect(fs.readdirSync(tmp)).toEqual(['state.json']);
});

test('writeAtomic runs prepare on the empty temp file, then write, and resolves to what write returned', async () => {
  const file = path.join(tmp, 'pool.txt');
  const seen: number[] = [];
  const bytes = await writeAtomic(
    file,
    async (handle) => (await handle.write('a\nb\n')).bytesWritten,
    { prepare: async (handle) => void seen.push((await handle.stat()).size) },
  );
  expect([seen, bytes, fs.readFileSync(file, 'utf8')]).toEqual([[0], 4, 'a\nb\n']);
});

test('writeAtomic hands the rename to commit once the temp file is whole; a commit that fails leaves no temp file', async () => {
  const file = path.join(tmp, 'artifact.bin');
  const order: string[] = [];
  await writeAtomic(file, async (handle) => void (await handle.write('whole')), {
    commit: async (rename) => {
      order.push(`commit sees ${fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp')).length} temp file`);
      await rename();
      order.push(`renamed: ${fs.readFileSync(file, 'utf8')}`);
    },
  });
  expect(order).toEqual(['commit sees 1 temp file', 'renamed: whole']);
  await expect(writeAtomic(path.join(tmp, 'refused.bin'), async (handle) => void (await handle.write('x')), { commit: async () => Promise.reject(new Error('not your turn')) })).rejects.toThrow('not your turn');
  expect(fs.readdirSync(tmp).sort()).toEqual(['artifact.bin']);
});

test('a rename that fails (a folder in the way) removes the temp file', () => {
  const file = path.join(tmp, 'taken');
  fs.mkdirSync(path.join(file, 'inner'), { recursive: true });
  expect(() => writeFileAtomicSync(file, 'x')).toThrow();
  expect(fs.readdirSync(tmp)).toEqual(['taken']);
});

test('temp names are hidden, beside the target, and differ per call', () => {
  const a = tempPathFor('/d/token');
  expect(a).toMatch(new RegExp(`^/d/\\.token\\.${process.pid}\\.[0-9a-f]{8}\\.tmp$`));
  expect(tempPathFor('/d/token')).not.toBe(a);
});
