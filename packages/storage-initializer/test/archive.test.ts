// Extraction of real archive files: what is kept, and every way out of the destination refused.
import fs from 'node:fs/promises';
import path from 'node:path';
import { archiveKind, extractArchive } from '../src/index.js';
import { cleanup, forgeTar, type ForgedTarEntry, makeTar, makeZip, tempDir, tree, type ZipEntry } from './helpers.js';

afterAll(cleanup);

/** Writes `content` as `name` in a fresh folder; returns the file and a sibling destination folder. */
async function archiveFile(name: string, content: Buffer): Promise<{ file: string; dest: string; root: string }> {
  const root = tempDir();
  const file = path.join(root, name);
  await fs.writeFile(file, content);
  return { file, dest: path.join(root, 'dest'), root };
}

test('archive kinds come from the name', () => {
  expect(['a.tar', 'a.tar.gz', 'A.TGZ', 'a.zip', 'a.gz', 'a.tar.bz2', 'tar', 'a.pb'].map(archiveKind)).toEqual([
    'tar',
    'tar',
    'tar',
    'zip',
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
});

test('a .tar.gz and a plain .tar extract their files and folders', async () => {
  const files = { 'model/saved.pb': 'pb', 'model/variables/v.index': 'idx', 'README.txt': 'hi' };
  for (const [name, gzip] of [['m.tar.gz', true], ['m.tar', false]] as const) {
    const { file, dest } = await archiveFile(name, await makeTar(files, gzip));
    expect(await extractArchive(file, dest)).toEqual({ files: 3, bytes: 7, skipped: 0 });
    expect(await tree(dest)).toEqual(['README.txt', 'model/saved.pb', 'model/variables/v.index']);
    expect(await fs.readFile(path.join(dest, 'model/variables/v.index'), 'utf8')).toBe('idx');
  }
});

test('a zip extracts files, folders, the executable bit and links that stay inside', async () => {
  const entries: ZipEntry[] = [
    { name: 'bin/', dir: true },
    { name: 'bin/run.sh', data: '#!/bin/sh\n', mode: 0o755 },
    { name: 'data/a.txt', data: 'a' },
    { name: 'latest', symlinkTo: 'data/a.txt' },
  ];
  const { file, dest } = await archiveFile('m.zip', makeZip(entries));
  expect(await extractArchive(file, dest)).toEqual({ files: 2, bytes: 11, skipped: 0 });
  expect(await tree(dest)).toEqual(['bin/run.sh', 'data/a.txt', 'latest -> data/a.txt']);
  expect((await fs.stat(path.join(dest, 'bin/run.sh'))).mode & 0o111).not.toBe(0);
  expect((await fs.stat(path.join(dest, 'data/a.txt'))).mode & 0o111).toBe(0);
});

test('extracting over an existing tree merges folders and replaces files', async () => {
  const { file, dest } = await archiveFile('m.tar.gz', await makeTar({ 'model/a.txt': 'new', 'model/b.txt': 'b' }));
  await fs.mkdir(path.join(dest, 'model'), { recursive: true });
  await fs.writeFile(path.join(dest, 'model/a.txt'), 'old');
  await fs.writeFile(path.join(dest, 'keep.txt'), 'kept');
  await extractArchive(file, dest);
  expect(await tree(dest)).toEqual(['keep.txt', 'model/a.txt', 'model/b.txt']);
  expect(await fs.readFile(path.join(dest, 'model/a.txt'), 'utf8')).toBe('new');
});

const unsafeTars: [string, ForgedTarEntry[], string][] = [
  ['a path with ..', [{ path: 'ok.txt', type: 'File', data: 'ok' }, { path: '../evil.txt', type: 'File', data: 'x' }], 'entry "../evil.txt" lies outside'],
  ['an absolute path', [{ path: '/tmp/sedna-evil.txt', type: 'File', data: 'x' }], 'entry "/tmp/sedna-evil.txt" lies outside'],
  ['a symbolic link out', [{ path: 'etc', type: 'SymbolicLink', linkpath: '/etc' }], 'symbolic link "etc" points outside'],
  ['a relative symbolic link out', [{ path: 'a/up', type: 'SymbolicLink', linkpath: '../../..' }], 'symbolic link "a/up" points outside'],
  ['a hard link out', [{ path: 'passwd', type: 'Link', linkpath: '../../etc/passwd' }], 'link "passwd" points outside'],
  [
    'links that lead out together',
    [
      { path: 'a', type: 'SymbolicLink', linkpath: '.' },
      { path: 'b', type: 'SymbolicLink', linkpath: 'a/..' },
    ],
    'symbolic link "b" resolves outside',
  ],
];

test.each(unsafeTars)('a tar with %s is refused whole, leaving nothing behind', async (_what, entries, reason) => {
  const { file, dest, root } = await archiveFile('evil.tar', forgeTar(entries));
  await fs.mkdir(dest);
  const error = await extractArchive(file, dest, { url: 's3://models/evil.tar' }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'UNSAFE_PATH', step: 'extract', url: 's3://models/evil.tar' });
  expect((error as Error).message).toContain(`s3://models/evil.tar: extract: refused: ${reason}`);
  expect(await fs.readdir(dest)).toEqual([]);
  expect((await fs.readdir(root)).sort()).toEqual(['dest', 'evil.tar']);
  await expect(fs.stat('/tmp/sedna-evil.txt')).rejects.toMatchObject({ code: 'ENOENT' });
});

test('special files in a tar (a FIFO) are skipped and counted', async () => {
  const { file, dest } = await archiveFile('f.tar', forgeTar([{ path: 'pipe', type: 'FIFO' }, { path: 'a.txt', type: 'File', data: 'a' }]));
  expect(await extractArchive(file, dest)).toEqual({ files: 1, bytes: 1, skipped: 1 });
  expect(await tree(dest)).toEqual(['a.txt']);
});

const unsafeZips: [string, ZipEntry[], string][] = [
  ['a path with ..', [{ name: '../evil.txt', data: 'x' }], 'lies outside'],
  ['an absolute path', [{ name: '/tmp/sedna-evil.txt', data: 'x' }], 'lies outside'],
  ['a symbolic link out', [{ name: 'etc', symlinkTo: '/etc' }], 'symbolic link "etc" points outside'],
  [
    'a file written through its own link',
    [
      { name: 'sub/', dir: true },
      { name: 'ln', symlinkTo: 'sub' },
      { name: 'ln/x.txt', data: 'x' },
    ],
    'would be written through the symbolic link "ln"',
  ],
];

test.each(unsafeZips)('a zip with %s is refused whole, leaving nothing behind', async (_what, entries, reason) => {
  const { file, dest, root } = await archiveFile('evil.zip', makeZip(entries));
  const error = await extractArchive(file, dest).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'UNSAFE_PATH', step: 'extract' });
  expect((error as Error).message).toContain(reason);
  expect(await fs.readdir(dest)).toEqual([]);
  expect((await fs.readdir(root)).sort()).toEqual(['dest', 'evil.zip']);
});

test('a corrupt archive is INVALID_ARCHIVE and leaves the destination as it was', async () => {
  for (const name of ['bad.tar.gz', 'bad.zip']) {
    const { file, dest } = await archiveFile(name, Buffer.from('this is not an archive at all, not even close'.repeat(20)));
    await fs.mkdir(dest);
    await fs.writeFile(path.join(dest, 'keep.txt'), 'k');
    await expect(extractArchive(file, dest)).rejects.toMatchObject({ code: 'INVALID_ARCHIVE', step: 'extract' });
    expect(await tree(dest)).toEqual(['keep.txt']);
  }
});
