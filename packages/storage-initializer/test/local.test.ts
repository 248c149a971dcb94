// Local sources: copies, links and archives on the real file system.
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { download, indirectDownload } from '../src/index.js';
import { cleanup, makeZip, memoryLogger, tempDir, tree } from './helpers.js';

let src: string;

beforeAll(async () => {
  src = tempDir();
  await fs.mkdir(path.join(src, 'helmet/images'), { recursive: true });
  await fs.writeFile(path.join(src, 'helmet/images/1.jpg'), 'one');
  await fs.writeFile(path.join(src, 'helmet/images/2.jpg'), 'two');
  await fs.writeFile(path.join(src, 'helmet/train.txt'), 'images/1.jpg 0\n');
  await fs.writeFile(path.join(src, 'model.pb'), 'weights');
  await fs.writeFile(path.join(src, 'model.zip'), makeZip([{ name: 'onnx/m.onnx', data: 'onnx' }]));
});

afterAll(cleanup);

test('a file is copied under its name, and the copy does not depend on the source', async () => {
  const out = tempDir();
  expect(await download(path.join(src, 'model.pb'), out, { env: {}, logger: memoryLogger() })).toEqual({ files: 1, bytes: 7 });
  expect(await tree(out)).toEqual(['model.pb']);
  expect((await fs.lstat(path.join(out, 'model.pb'))).isFile()).toBe(true);
});

test('a folder is copied under its own name, like an S3 prefix', async () => {
  const out = tempDir();
  expect(await download(path.join(src, 'helmet'), out, { env: {}, logger: memoryLogger() })).toEqual({ files: 3, bytes: 21 });
  expect(await tree(out)).toEqual(['helmet/images/1.jpg', 'helmet/images/2.jpg', 'helmet/train.txt']);
});

test('file:// URLs are local paths', async () => {
  const out = tempDir();
  await download(pathToFileURL(path.join(src, 'model.pb')).href, out, { env: {}, logger: memoryLogger() });
  expect(await tree(out)).toEqual(['model.pb']);
});

test('with SEDNA_LOCAL_MODE=symlink the destination links to the source', async () => {
  const out = tempDir();
  await download(path.join(src, 'helmet'), out, { env: { SEDNA_LOCAL_MODE: 'symlink' }, logger: memoryLogger() });
  expect(await tree(out)).toEqual([`helmet -> ${path.join(src, 'helmet')}`]);
  expect(await fs.readFile(path.join(out, 'helmet/images/2.jpg'), 'utf8')).toBe('two');
});

test('a local archive is extracted, and the source archive is left in place', async () => {
  const out = tempDir();
  await download(path.join(src, 'model.zip'), out, { env: {}, logger: memoryLogger() });
  expect(await tree(out)).toEqual(['onnx/m.onnx']);
  await expect(fs.stat(path.join(src, 'model.zip'))).resolves.toBeTruthy();
});

test('a missing path is NOT_FOUND naming it', async () => {
  const missing = path.join(src, 'nope.pb');
  await expect(download(missing, tempDir(), { env: {}, logger: memoryLogger() })).rejects.toMatchObject({
    code: 'NOT_FOUND',
    message: `${missing}: copy: no such file or folder`,
  });
});

test('a relative path or an unknown scheme is UNSUPPORTED_URL', async () => {
  await expect(download('data/model.pb', tempDir(), { env: {}, logger: memoryLogger() })).rejects.toMatchObject({ code: 'UNSUPPORTED_URL' });
  await expect(download('ftp://host/model.pb', tempDir(), { env: {}, logger: memoryLogger() })).rejects.toMatchObject({
    code: 'UNSUPPORTED_URL',
    message: '"ftp://host/model.pb": scheme ftp:// is not supported (s3://, obs://, http://, https://, file:// or an absolute path)',
  });
});

test('a second run replaces what the first wrote and sweeps what an interrupted run left', async () => {
  const out = tempDir();
  await download(path.join(src, 'helmet'), out, { env: {}, logger: memoryLogger() });
  // What a run killed mid-way leaves: a hidden partial file and a staging folder.
  await fs.writeFile(path.join(out, 'helmet/images/.3.jpg.sedna-partial-0badc0de'), 'half');
  await fs.mkdir(path.join(out, '.sedna-staging-abc123/helmet'), { recursive: true });
  await fs.writeFile(path.join(out, 'helmet/images/1.jpg'), 'stale');
  const log = memoryLogger();
  await download(path.join(src, 'helmet'), out, { env: {}, logger: log });
  expect(await tree(out)).toEqual(['helmet/images/1.jpg', 'helmet/images/2.jpg', 'helmet/train.txt']);
  expect(await fs.readFile(path.join(out, 'helmet/images/1.jpg'), 'utf8')).toBe('one');
  expect(await fs.readdir(out)).toEqual(['helmet']);
  expect(log.text()).toMatch(/removed 1 partial file\(s\) an interrupted earlier run left in .*\/helmet$/m);
});

test('an index with a local base copies the files it names', async () => {
  const dir = tempDir();
  const index = path.join(dir, 'index.txt');
  await fs.writeFile(index, `# local\n${path.join(src, 'helmet')}\nimages/2.jpg\ntrain.txt\n`);
  const out = path.join(dir, 'out');
  expect(await indirectDownload(index, out, { env: {}, logger: memoryLogger() })).toEqual({ files: 2, bytes: 18, missing: [] });
  expect(await tree(out)).toEqual(['images/2.jpg', 'train.txt']);
});

test('an index without a base line, or with a base that is no URL, is INVALID_INDEX', async () => {
  const dir = tempDir();
  const empty = path.join(dir, 'empty.txt');
  await fs.writeFile(empty, '# nothing\n\n');
  await expect(indirectDownload(empty, path.join(dir, 'out'), { env: {}, logger: memoryLogger() })).rejects.toMatchObject({
    code: 'INVALID_INDEX',
    message: `${empty}: read index: no base URI line (the file has only blank and # lines)`,
  });
  const relative = path.join(dir, 'relative.txt');
  await fs.writeFile(relative, 'images\n1.jpg\n');
  await expect(indirectDownload(relative, path.join(dir, 'out'), { env: {}, logger: memoryLogger() })).rejects.toMatchObject({
    code: 'INVALID_INDEX',
    message: `${relative}: read index: the base URI line "images" is not a URL (s3://, obs://, http(s)://, file://) or an absolute path`,
  });
});
