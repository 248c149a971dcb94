// The built command, run as npm links it, the way the init container and the node agent run it.
import fs from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { VERSION } from '../src/index.js';
import { ACCESS_KEY_ID, cleanup, FAST_RETRY, packageDir, runCli, SECRET_ACCESS_KEY, startHttp, startProxy, startS3, tempDir, type TestS3, tree } from './helpers.js';

let s3: TestS3;

beforeAll(async () => {
  s3 = await startS3();
  await s3.put('helmet/images/0001.jpg', 'jpeg-1');
  await s3.put('helmet/images/0002.jpg', 'jpeg-2');
  await s3.put('helmet/model.pb', 'weights', 'models');
});

afterAll(cleanup);

/** The last line a stream printed. */
const lastLine = (text: string) => text.trimEnd().split('\n').at(-1);

test('--version and --help print to stdout and exit 0', async () => {
  expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  const help = await runCli(['--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('Usage: sedna-storage-initializer SRC DST [SRC DST ...]');
  expect(help.stdout).toContain('SEDNA_DOWNLOAD_CONCURRENCY');
});

test('wrong arguments or environment exit 2 with one line saying why', async () => {
  expect(await runCli([])).toEqual({
    code: 2,
    stdout: '',
    stderr: 'sedna-storage-initializer: no arguments: expected SRC DST [SRC DST ...] (run sedna-storage-initializer --help for usage)\n',
  });
  expect((await runCli(['s3://a/b', '/x', 's3://c/d'])).stderr).toContain('3 arguments: expected pairs SRC DST [SRC DST ...]; the last source "s3://c/d" has no destination');
  const env = await runCli(['s3://a/b', '/x'], { SEDNA_DOWNLOAD_CONCURRENCY: 'many' });
  expect(env).toMatchObject({ code: 2, stderr: expect.stringContaining('SEDNA_DOWNLOAD_CONCURRENCY: "many" is not an integer from 1 to 64') });
});

test('pairs run in order, an @ destination being an index file; exit 0', async () => {
  const dir = tempDir();
  const index = path.join(dir, 'dataIndex.txt');
  await fs.writeFile(index, 's3://datasets/helmet\nimages/0002.jpg\n');
  const out = path.join(dir, 'downloads');
  const result = await runCli(
    ['s3://models/helmet/model.pb', path.join(out, 'models/helmet'), 's3://datasets/helmet/images', path.join(out, 'datasets/helmet'), index, `@${path.join(out, 'original')}`],
    s3.env(),
  );
  expect(result.code).toBe(0);
  expect(await tree(out)).toEqual(['datasets/helmet/images/0001.jpg', 'datasets/helmet/images/0002.jpg', 'models/helmet/model.pb', 'original/images/0002.jpg']);
  expect(result.stderr).toContain('[3/3] done: 1 file(s), 6 bytes');
  expect(result.stderr).not.toContain('NodeVersionSupportWarning');
});

test('a server dropping the first attempt of every request is retried to success', async () => {
  const seen = new Set<string>();
  const proxy = await startProxy(s3.endpoint, (request) => {
    const key = `${request.method} ${request.url}`;
    if (seen.has(key)) return 'pass';
    seen.add(key);
    return 'reset';
  });
  const out = tempDir();
  const result = await runCli(['s3://datasets/helmet', out], s3.env({ S3_ENDPOINT_URL: proxy.url }));
  expect(result.code).toBe(0);
  expect(await tree(out)).toEqual(['helmet/images/0001.jpg', 'helmet/images/0002.jpg']);
  expect(result.stderr).toMatch(/"level":40,"time":\d+,"msg":"s3:\/\/datasets\/helmet: download: attempt 1 of 4 failed \(network error \(ECONNRESET/);
  expect(result.stderr).toMatch(/"level":40,"time":\d+,"msg":"s3:\/\/datasets\/helmet\/images\/0001\.jpg: download: attempt 1 of 4 failed/);
});

test('wrong credentials exit 1; the last line is the reason, and no credential is printed', async () => {
  const wrong = { ACCESS_KEY_ID: 'AKIDNOTAKEY99', SECRET_ACCESS_KEY: 'not/the+secret' };
  const result = await runCli(['s3://models/helmet/model.pb', tempDir()], s3.env({ ...wrong, LOG_LEVEL: 'debug' }));
  expect(result.code).toBe(1);
  expect(lastLine(result.stderr)).toMatch(
    /^sedna-storage-initializer: failed: s3:\/\/models\/helmet\/model\.pb: download: access denied \(HTTP 403 InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records\.\)$/,
  );
  for (const secret of [...Object.values(wrong), ACCESS_KEY_ID, SECRET_ACCESS_KEY]) expect(result.stderr + result.stdout).not.toContain(secret);
});

test('https works with a private CA trusted through NODE_EXTRA_CA_CERTS', async () => {
  const fixtures = path.join(packageDir, 'test/fixtures');
  const tls = { key: await fs.readFile(path.join(fixtures, 'localhost-key.pem')), cert: await fs.readFile(path.join(fixtures, 'localhost-cert.pem')) };
  const server = await startHttp((_request: http.IncomingMessage, response: http.ServerResponse) => response.end('over-tls'), tls);
  const out = tempDir();
  const trusted = await runCli([`${server.url}/m/model.pb`, out], { ...FAST_RETRY, NODE_EXTRA_CA_CERTS: path.join(fixtures, 'localhost-cert.pem') });
  expect(trusted.code).toBe(0);
  expect(await fs.readFile(path.join(out, 'model.pb'), 'utf8')).toBe('over-tls');

  const untrusted = await runCli([`${server.url}/m/model.pb`, tempDir()], FAST_RETRY);
  expect(untrusted.code).toBe(1);
  expect(lastLine(untrusted.stderr)).toMatch(/^sedna-storage-initializer: failed: https:\/\/127\.0\.0\.1:\d+\/m\/model\.pb: download: request failed \(fetch failed: .*self-signed certificate/);
});

test('a run killed mid-download leaves no file under its final name; the next run sweeps and completes', async () => {
  const size = 4 * 1024 * 1024;
  const body = Buffer.alloc(size, 7);
  let stall = true;
  const server = await startHttp((_request, response) => {
    response.writeHead(200, { 'content-length': String(size) });
    if (!stall) {
      response.end(body);
      return;
    }
    // Half the body, then nothing until the client goes away.
    response.write(body.subarray(0, size / 2));
  });
  const out = tempDir();
  const child = spawn(process.execPath, [path.join(packageDir, 'bin/sedna-storage-initializer.js'), `${server.url}/big/model.bin`, out], {
    env: { PATH: process.env.PATH ?? '', ...FAST_RETRY },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  // Wait until the partial file has received data, then kill the initializer as an OOM kill would.
  for (;;) {
    const partial = (await fs.readdir(out)).find((name) => name.includes('.sedna-partial-'));
    if (partial && (await fs.stat(path.join(out, partial))).size > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGKILL');
  await exited;
  const left = await fs.readdir(out);
  expect(left).not.toContain('model.bin');
  expect(left).toEqual([expect.stringMatching(/^\.model\.bin\.sedna-partial-[0-9a-f]+-[0-9a-f]+$/)]);

  stall = false;
  const rerun = await runCli([`${server.url}/big/model.bin`, out], FAST_RETRY);
  expect(rerun.code).toBe(0);
  expect(rerun.stderr).toContain('removed 1 partial file(s) an interrupted earlier run left in');
  expect(await fs.readdir(out)).toEqual(['model.bin']);
  expect((await fs.readFile(path.join(out, 'model.bin'))).equals(body)).toBe(true);
});
