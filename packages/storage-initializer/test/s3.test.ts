// Downloads from a real S3-compatible server (s3rver) on 127.0.0.1, with and without a failing proxy.
import fs from 'node:fs/promises';
import path from 'node:path';
import { download, indirectDownload, StorageInitializerError } from '../src/index.js';
import { ACCESS_KEY_ID, cleanup, makeTar, makeZip, memoryLogger, SECRET_ACCESS_KEY, startProxy, startS3, tempDir, type TestS3, tree } from './helpers.js';

let s3: TestS3;

beforeAll(async () => {
  s3 = await startS3();
  await s3.put('helmet/images/0001.jpg', 'jpeg-1');
  await s3.put('helmet/images/0002.jpg', 'jpeg-2');
  await s3.put('helmet/labels/train.txt', 'images/0001.jpg 1,2,3,4,0\n');
  await s3.put('helmet-v2/other.txt', 'not part of helmet/');
  await s3.put('helmet.txt', 'not part of helmet/ either');
  await s3.put('helmet/model.pb', 'weights', 'models');
  await s3.put('packed/model.tar.gz', await makeTar({ 'model/saved.pb': 'pb', 'model/variables/v.data': 'vars' }), 'models');
  await s3.put('packed/model.zip', makeZip([{ name: 'onnx/', dir: true }, { name: 'onnx/model.onnx', data: 'onnx-bytes' }]), 'models');
});

afterAll(cleanup);

test('an object is saved under its file name in the destination', async () => {
  const out = tempDir();
  const result = await download('s3://models/helmet/model.pb', out, { env: s3.env(), logger: memoryLogger() });
  expect(await tree(out)).toEqual(['model.pb']);
  expect(await fs.readFile(path.join(out, 'model.pb'), 'utf8')).toBe('weights');
  expect(result).toEqual({ files: 1, bytes: 7 });
});

test('a prefix is saved under its last folder name, without sibling keys that merely share the prefix', async () => {
  const out = tempDir();
  const result = await download('s3://datasets/helmet', out, { env: s3.env(), logger: memoryLogger() });
  expect(await tree(out)).toEqual(['helmet/images/0001.jpg', 'helmet/images/0002.jpg', 'helmet/labels/train.txt']);
  expect(await fs.readFile(path.join(out, 'helmet/images/0002.jpg'), 'utf8')).toBe('jpeg-2');
  expect(result.files).toBe(3);
});

test('a trailing slash names the folder, and a nested prefix keeps only its own last name', async () => {
  const a = tempDir();
  await download('s3://datasets/helmet/images/', a, { env: s3.env(), logger: memoryLogger() });
  expect(await tree(a)).toEqual(['images/0001.jpg', 'images/0002.jpg']);
});

test('obs:// is read as s3://', async () => {
  const out = tempDir();
  await download('obs://models/helmet/model.pb', out, { env: s3.env(), logger: memoryLogger() });
  expect(await tree(out)).toEqual(['model.pb']);
});

test('a .tar.gz object is extracted into the destination and not kept', async () => {
  const out = tempDir();
  const result = await download('s3://models/packed/model.tar.gz', out, { env: s3.env(), logger: memoryLogger() });
  expect(await tree(out)).toEqual(['model/saved.pb', 'model/variables/v.data']);
  expect(await fs.readFile(path.join(out, 'model/variables/v.data'), 'utf8')).toBe('vars');
  expect(result).toEqual({ files: 2, bytes: 6 });
});

test('a .zip object is extracted into the destination and not kept', async () => {
  const out = tempDir();
  await download('s3://models/packed/model.zip', out, { env: s3.env(), logger: memoryLogger() });
  expect(await tree(out)).toEqual(['onnx/model.onnx']);
  expect(await fs.readFile(path.join(out, 'onnx/model.onnx'), 'utf8')).toBe('onnx-bytes');
});

test('a missing object and prefix is NOT_FOUND, naming the URL and the step', async () => {
  const out = tempDir();
  const error = await download('s3://datasets/nothing/here.jpg', out, { env: s3.env(), logger: memoryLogger() }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StorageInitializerError);
  expect(error).toMatchObject({
    code: 'NOT_FOUND',
    step: 'list',
    message: 's3://datasets/nothing/here.jpg: list: no object s3://datasets/nothing/here.jpg and no objects under s3://datasets/nothing/here.jpg/',
  });
  expect(await tree(out)).toEqual([]);
});

test('an indirect download fetches the files an index names, under their relative folders', async () => {
  const dir = tempDir();
  const index = path.join(dir, 'dataIndex.txt');
  await fs.writeFile(index, '# written by the LC\ns3://datasets/helmet\nimages/0001.jpg\n\nimages/0002.jpg\r\nlabels/train.txt\nimages/0001.jpg\n');
  const out = path.join(dir, 'out');
  const log = memoryLogger();
  const result = await indirectDownload(index, out, { env: s3.env(), logger: log });
  expect(await tree(out)).toEqual(['images/0001.jpg', 'images/0002.jpg', 'labels/train.txt']);
  expect(result).toEqual({ files: 3, bytes: 38, missing: [] });
});

test('an index stored in S3 works the same, and missing files are skipped with a warning naming them', async () => {
  await s3.put('helmet/index/dataIndex.txt', 's3://datasets/helmet/\nimages/0001.jpg\nimages/9999.jpg\n');
  const out = tempDir();
  const log = memoryLogger();
  const result = await indirectDownload('s3://datasets/helmet/index/dataIndex.txt', out, { env: s3.env(), logger: log });
  expect(await tree(out)).toEqual(['images/0001.jpg']);
  expect(result.missing).toEqual(['images/9999.jpg']);
  expect(log.text()).toContain('WARN s3://datasets/helmet/index/dataIndex.txt: 1 of 2 file(s) the index names do not exist under s3://datasets/helmet/: images/9999.jpg');
});

test('with SEDNA_INDIRECT_MISSING=fail a missing file fails the download', async () => {
  const dir = tempDir();
  const index = path.join(dir, 'i.txt');
  await fs.writeFile(index, 's3://datasets/helmet\nimages/9999.jpg\n');
  await expect(indirectDownload(index, path.join(dir, 'out'), { env: s3.env({ SEDNA_INDIRECT_MISSING: 'fail' }), logger: memoryLogger() })).rejects.toMatchObject({
    code: 'NOT_FOUND',
    message: `${index}: download: 1 of 1 file(s) the index names do not exist under s3://datasets/helmet: images/9999.jpg`,
  });
});

test('an index line leading outside the destination is refused before anything is fetched', async () => {
  const dir = tempDir();
  const index = path.join(dir, 'i.txt');
  await fs.writeFile(index, 's3://datasets/helmet\nimages/0001.jpg\n../../etc/cron.d/x\n');
  await expect(indirectDownload(index, path.join(dir, 'out'), { env: s3.env(), logger: memoryLogger() })).rejects.toMatchObject({ code: 'UNSAFE_PATH' });
  await expect(fs.stat(path.join(dir, 'out'))).rejects.toMatchObject({ code: 'ENOENT' });
});

test('wrong credentials fail with ACCESS_DENIED, and neither key appears in the error or the logs', async () => {
  const out = tempDir();
  const log = memoryLogger();
  const wrongKey = 'AKIDWRONGWRONG42';
  const wrongSecret = 'wrong/secret+value';
  const error = (await download('s3://models/helmet/model.pb', out, {
    env: s3.env({ ACCESS_KEY_ID: wrongKey, SECRET_ACCESS_KEY: wrongSecret }),
    logger: log,
  }).catch((e: unknown) => e)) as StorageInitializerError;
  expect(error).toMatchObject({ code: 'ACCESS_DENIED', step: 'download' });
  expect(error.message).toMatch(/^s3:\/\/models\/helmet\/model\.pb: download: access denied \(HTTP 403 InvalidAccessKeyId: /);
  const everything = `${error.message} ${String((error.cause as Error)?.message)} ${JSON.stringify(error)} ${log.text()}`;
  for (const secret of [wrongKey, wrongSecret, ACCESS_KEY_ID, SECRET_ACCESS_KEY]) expect(everything).not.toContain(secret);
});

test('a body cut short is retried, never saved as if whole', async () => {
  let cut = 0;
  const proxy = await startProxy(s3.endpoint, (request) => (request.method === 'GET' && request.url?.includes('model.pb') && cut++ === 0 ? 'truncate' : 'pass'));
  const out = tempDir();
  await download('s3://models/helmet/model.pb', out, { env: s3.env({ S3_ENDPOINT_URL: proxy.url }), logger: memoryLogger() });
  expect(cut).toBe(2);
  expect(await fs.readFile(path.join(out, 'model.pb'), 'utf8')).toBe('weights');
  expect(await tree(out)).toEqual(['model.pb']);
});

test('throttling (503 SlowDown) is retried; a server that never recovers fails as UNAVAILABLE after the attempts', async () => {
  let calls = 0;
  const slowDown = { status: 503, body: '<?xml version="1.0"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>' };
  const flaky = await startProxy(s3.endpoint, () => (calls++ < 2 ? slowDown : 'pass'));
  const ok = tempDir();
  await download('s3://models/helmet/model.pb', ok, { env: s3.env({ S3_ENDPOINT_URL: flaky.url }), logger: memoryLogger() });
  expect(await tree(ok)).toEqual(['model.pb']);

  const down = await startProxy(s3.endpoint, () => slowDown);
  const out = tempDir();
  await expect(download('s3://models/helmet/model.pb', out, { env: s3.env({ S3_ENDPOINT_URL: down.url }), logger: memoryLogger() })).rejects.toMatchObject({
    code: 'UNAVAILABLE',
    message: 's3://models/helmet/model.pb: download: server unavailable (HTTP 503 SlowDown: Please reduce your request rate.) (gave up after 4 attempts)',
  });
  expect(down.requests).toHaveLength(4);
  expect(await tree(out)).toEqual([]);
});

test('a server without ListObjectsV2 is listed with ListObjects (v1)', async () => {
  const proxy = await startProxy(s3.endpoint, (request) =>
    request.url?.includes('list-type=2') ? { status: 501, body: '<Error><Code>NotImplemented</Code><Message>no v2</Message></Error>' } : 'pass',
  );
  const out = tempDir();
  await download('s3://datasets/helmet/images', out, { env: s3.env({ S3_ENDPOINT_URL: proxy.url }), logger: memoryLogger() });
  expect(await tree(out)).toEqual(['images/0001.jpg', 'images/0002.jpg']);
});

test('without keys the requests are anonymous (unsigned)', async () => {
  const seen: (string | undefined)[] = [];
  const proxy = await startProxy(s3.endpoint, (request) => {
    seen.push(request.headers.authorization);
    return 'pass';
  });
  const out = tempDir();
  await download('s3://models/helmet/model.pb', out, { env: { S3_ENDPOINT_URL: proxy.url }, logger: memoryLogger() });
  expect(await tree(out)).toEqual(['model.pb']);
  expect(seen).toEqual([undefined]);
});
