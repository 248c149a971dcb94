// Downloads from a real HTTP server on 127.0.0.1.
import fs from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { download, type StorageInitializerError } from '../src/index.js';
import { cleanup, FAST_RETRY, makeTar, memoryLogger, startHttp, tempDir, tree } from './helpers.js';

let base: string;
const hits = new Map<string, number>();
let tarball: Buffer;

/** Routes of the test server; each path counts its hits. */
function handler(request: http.IncomingMessage, response: http.ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://x');
  const n = (hits.get(url.pathname) ?? 0) + 1;
  hits.set(url.pathname, n);
  switch (url.pathname) {
    case '/models/model.pb':
      response.end('model-bytes');
      return;
    case '/models/model.tgz':
      response.end(tarball);
      return;
    case '/busy/model.pb':
      if (n === 1) {
        response.writeHead(503, { 'retry-after': '0' }).end('busy');
        return;
      }
      response.end('after-503');
      return;
    case '/cut/model.pb':
      response.writeHead(200, { 'content-length': '10' });
      if (n === 1) {
        response.write('01234');
        setImmediate(() => response.socket?.destroy());
        return;
      }
      response.end('0123456789');
      return;
    case '/private/model.pb':
      if (request.headers.authorization !== `Basic ${Buffer.from('reader:pa55-word!').toString('base64')}`) {
        response.writeHead(401).end();
        return;
      }
      response.end('private');
      return;
    case '/token/model.pb':
      if (request.headers['x-token'] !== 'tok-9f8e7d6c') {
        response.writeHead(403).end();
        return;
      }
      response.end('with-token');
      return;
    default:
      response.writeHead(404).end('no');
  }
}

beforeAll(async () => {
  tarball = await makeTar({ 'saved_model/model.pb': 'pb', 'saved_model/assets/vocab.txt': 'a b c' });
  base = (await startHttp(handler)).url;
});

afterAll(cleanup);

test('a file is saved under the last segment of the URL path', async () => {
  const out = tempDir();
  expect(await download(`${base}/models/model.pb`, out, { env: FAST_RETRY, logger: memoryLogger() })).toEqual({ files: 1, bytes: 11 });
  expect(await fs.readFile(path.join(out, 'model.pb'), 'utf8')).toBe('model-bytes');
});

test('a .tgz is extracted into the destination', async () => {
  const out = tempDir();
  await download(`${base}/models/model.tgz`, out, { env: FAST_RETRY, logger: memoryLogger() });
  expect(await tree(out)).toEqual(['saved_model/assets/vocab.txt', 'saved_model/model.pb']);
});

test('a 404 is NOT_FOUND and is not retried', async () => {
  const out = tempDir();
  await expect(download(`${base}/nothing/model.pb`, out, { env: FAST_RETRY, logger: memoryLogger() })).rejects.toMatchObject({
    code: 'NOT_FOUND',
    message: `${base}/nothing/model.pb: download: not found (HTTP 404 Not Found)`,
  });
  expect(hits.get('/nothing/model.pb')).toBe(1);
});

test('a 503 with Retry-After is retried', async () => {
  const out = tempDir();
  const log = memoryLogger();
  await download(`${base}/busy/model.pb`, out, { env: FAST_RETRY, logger: log });
  expect(await fs.readFile(path.join(out, 'model.pb'), 'utf8')).toBe('after-503');
  expect(log.text()).toContain('attempt 1 of 4 failed (server unavailable (HTTP 503 Service Unavailable))');
});

test('a body shorter than its Content-Length is retried and never saved as if whole', async () => {
  const out = tempDir();
  await download(`${base}/cut/model.pb`, out, { env: FAST_RETRY, logger: memoryLogger() });
  expect(hits.get('/cut/model.pb')).toBe(2);
  expect(await fs.readFile(path.join(out, 'model.pb'), 'utf8')).toBe('0123456789');
  expect(await tree(out)).toEqual(['model.pb']);
});

test('user:password in the URL becomes Basic authorization and is masked in logs and errors', async () => {
  const out = tempDir();
  const log = memoryLogger();
  const url = `${base.replace('://', '://reader:pa55-word!@')}/private/model.pb`;
  await download(url, out, { env: FAST_RETRY, logger: log });
  expect(await fs.readFile(path.join(out, 'model.pb'), 'utf8')).toBe('private');

  const wrong = `${base.replace('://', '://reader:not-the-pa55@')}/private/model.pb`;
  const error = (await download(wrong, out, { env: FAST_RETRY, logger: log }).catch((e: unknown) => e)) as StorageInitializerError;
  expect(error).toMatchObject({ code: 'ACCESS_DENIED', message: `${base.replace('://', '://reader:***@')}/private/model.pb: download: access denied (HTTP 401 Unauthorized)` });
  expect(`${log.text()} ${error.message} ${error.url}`).not.toMatch(/pa55/);
});

test('headers come from the <host>-headers variable, and their values are never printed', async () => {
  const out = tempDir();
  const log = memoryLogger();
  const env = { ...FAST_RETRY, LOG_LEVEL: 'debug', '127.0.0.1-headers': '{"x-token":"tok-9f8e7d6c"}' };
  await download(`${base}/token/model.pb`, out, { env, logger: log });
  expect(await fs.readFile(path.join(out, 'model.pb'), 'utf8')).toBe('with-token');
  await expect(download(`${base}/token/model.pb`, out, { env: FAST_RETRY, logger: log })).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
  expect(log.text()).not.toContain('tok-9f8e7d6c');
});

test('a URL without a file name is refused', async () => {
  await expect(download(`${base}/models/`, tempDir(), { env: FAST_RETRY, logger: memoryLogger() })).rejects.toMatchObject({
    code: 'UNSUPPORTED_URL',
    message: `${base}/models/: download: the URL path does not end with a file name`,
  });
});

test('a server that refuses connections fails as UNAVAILABLE after the attempts', async () => {
  // A port that was just listening and is now closed.
  const server = await startHttp(() => undefined);
  await server.close();
  const closed = server.url;
  await expect(download(`${closed}/models/model.pb`, tempDir(), { env: FAST_RETRY, logger: memoryLogger() })).rejects.toMatchObject({
    code: 'UNAVAILABLE',
    message: expect.stringMatching(/models\/model\.pb: download: network error \(.*ECONNREFUSED.*\) \(gave up after 4 attempts\)$/),
  });
});
