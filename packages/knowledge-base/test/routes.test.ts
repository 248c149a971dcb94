/**
 * Every route of the knowledge base over real HTTP on a real folder: what it stores and serves, and
 * what it refuses (401, 403, 404, 405, 413, 415, 400) with a message naming the field and the value.
 */
import { lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { KB_INDEX_FORMAT, parseKbIndex } from '@sedna-ts/api-types/contract';
import { sampleIndex, SECRET, startTestKb, tokenFor, type Api } from './helpers.js';

let api: Api;
let dataDir: string;
let root: string;
let cleanup: () => Promise<void>;
const A = tokenFor('job-a');
const B = tokenFor('job-b');
const jobDir = (job: string, ns = 'default') => path.join(dataDir, 'jobs', ns, job);
const INDEX_PATH = '/file/download?files=index.json&name=index.json';

beforeAll(async () => {
  ({ api, dataDir, root, cleanup } = await startTestKb({ limits: { indexBytes: 64 * 1024, uploadBytes: 256 * 1024 } }));
});
afterAll(() => cleanup());

describe('open routes', () => {
  test('/healthz and /readyz answer without a token; nothing else does', async () => {
    expect(await api.get('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await api.get('/readyz')).toMatchObject({ status: 200 });
    for (const route of ['/index', '/file/download?files=index.json']) expect((await api.get(route)).status).toBe(401);
    for (const route of ['/update', '/update/status', '/file/upload']) expect((await api.postJson(route, {})).status).toBe(401);
  });

  test('an unknown route is 404 naming the routes; a wrong method 405 with Allow', async () => {
    const unknown = await api.get('/nope', A);
    expect(unknown).toMatchObject({ status: 404, body: { status: 404 } });
    expect((unknown.body as { message: string }).message).toContain('/knowledgebase/update');
    const wrong = await api.get('/update', A);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
  });
});

describe('authentication', () => {
  test('no token: 401 with WWW-Authenticate: Bearer, saying what to send', async () => {
    const r = await api.get('/index');
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(r.body).toEqual({ status: 401, message: expect.stringContaining('Authorization: missing') });
  });

  test('not a worker token, or one made with another secret: 401 with the reason', async () => {
    const garbage = await api.get('/index', 'not-a-token');
    expect(garbage).toMatchObject({ status: 401, body: { message: expect.stringContaining('not a worker token') } });
    expect(garbage.headers.get('www-authenticate')).toContain('invalid_token');
    const forged = await api.get('/index', tokenFor('job-a', { secret: 'another-secret-of-16+chars' }));
    expect(forged).toMatchObject({ status: 401, body: { message: expect.stringContaining('node "edge-1"') } });
    const tampered = A.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await api.get('/index', tampered)).status).toBe(401);
  });

  test("a token of another kind of job: 403 naming the kind and the job", async () => {
    const r = await api.get('/index', tokenFor('helmet', { kind: 'incrementallearningjob' }));
    expect(r).toMatchObject({ status: 403, body: { message: expect.stringContaining('incrementallearningjob default/helmet') } });
  });

  test('?job= naming another job: 403 naming both', async () => {
    const r = await api.get('/index?job=job-b', A);
    expect(r.status).toBe(403);
    expect((r.body as { message: string }).message).toContain('"default/job-b"');
    expect((r.body as { message: string }).message).toContain('"default/job-a"');
    expect((await api.get('/index?job=default/job-a', A)).status).toBe(404);
  });
});

describe('update and index', () => {
  test('GET index is 404 before the first update', async () => {
    expect(await api.get('/index', tokenFor('fresh'))).toMatchObject({ status: 404, body: { message: expect.stringContaining('default/fresh has no index yet') } });
  });

  test('multipart field task (a file part): stored, served by GET index and by the download path it replies with', async () => {
    const index = sampleIndex('job-a', { createTime: '2026-01-01T10:00:00.000Z' });
    const r = await api.postForm('/update', 'task', JSON.stringify(index), A, { filename: 'index.json', type: 'application/json' });
    expect(r).toMatchObject({ status: 200, body: INDEX_PATH });
    expect((await api.get('/index', A)).body).toEqual(index);
    const download = await api.get(r.body as string, A);
    expect(download.status).toBe(200);
    expect(JSON.parse(download.text)).toEqual(index);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="index.json"; filename*=UTF-8''index.json`);
  });

  test('a JSON body, and multipart task as a plain field, are taken too; every version is kept in history', async () => {
    const second = sampleIndex('job-a', { createTime: '2026-01-02T10:00:00.000Z', round: 2 });
    expect(await api.postJson('/update', second, A)).toMatchObject({ status: 200, body: INDEX_PATH });
    const third = sampleIndex('job-a', { createTime: '2026-01-03T10:00:00.000Z', round: 3 });
    expect(await api.postForm('/update', 'task', JSON.stringify(third), A, { asField: true })).toMatchObject({ status: 200 });
    expect((await api.get('/index', A)).body).toEqual(third);
    const history = readdirSync(path.join(jobDir('job-a'), 'history')).sort();
    expect(history).toEqual(expect.arrayContaining(['2026-01-01T10-00-00.000Z.json', '2026-01-02T10-00-00.000Z.json', '2026-01-03T10-00-00.000Z.json']));
    const old = await api.get('/file/download?files=history/2026-01-02T10-00-00.000Z.json', A);
    expect(JSON.parse(old.text)).toEqual(second);
  });

  test('a pickle is 415 saying sedna-ts reads only JSON indexes and the Python workers are not supported', async () => {
    const pickle = Uint8Array.from([0x80, 0x04, 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x7d, 0x94, 0x2e]);
    const replies = [
      await api.postForm('/update', 'task', pickle, A, { filename: 'index.pkl' }),
      await api.postJson('/update', pickle, A, 'application/octet-stream'),
      await api.postJson('/update', pickle, A, 'application/json'),
      await api.postJson('/update', '{}', A, 'application/python-pickle'),
    ];
    for (const r of replies) {
      expect(r.status).toBe(415);
      const { message } = r.body as { message: string };
      expect(message).toContain('Python pickle');
      expect(message).toContain(KB_INDEX_FORMAT);
      expect(message).toContain('Python lifelong-learning workers are not supported');
    }
  });

  test('another media type is 415 naming it', async () => {
    const r = await api.postJson('/update', JSON.stringify(sampleIndex('job-a')), A, 'text/plain');
    expect(r).toMatchObject({ status: 415, body: { message: expect.stringContaining('"text/plain"') } });
  });

  test('an index that is not one is 400 with the field path; not JSON is 400; no field task is 400', async () => {
    const broken = sampleIndex('job-a') as unknown as { seen_task: { task_groups: { model: { url: string } }[] } };
    (broken.seen_task.task_groups[1] as { model: { url: string } }).model.url = '';
    expect(await api.postJson('/update', broken, A)).toMatchObject({ status: 400, body: { status: 400, message: 'index: seen_task.task_groups[1].model.url: "" is not a non-empty string' } });
    expect(await api.postJson('/update', { ...sampleIndex('job-a'), format: 'pickle' }, A)).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^index: format: "pickle" is not/) } });
    expect(await api.postJson('/update', '{"format":', A)).toMatchObject({ status: 400, body: { message: expect.stringContaining('index: not JSON') } });
    expect(await api.postForm('/update', 'other', '{}', A)).toMatchObject({ status: 400, body: { message: 'multipart body: no field "task"' } });
  });

  test("an index naming another job (or namespace) than the token's is 403 naming both", async () => {
    for (const index of [sampleIndex('job-b'), sampleIndex('job-a', { namespace: 'other' })]) {
      const r = await api.postJson('/update', index, A);
      expect(r.status).toBe(403);
      expect((r.body as { message: string }).message).toContain(`"${index.namespace}/${index.job}"`);
      expect((r.body as { message: string }).message).toContain('"default/job-a"');
    }
  });

  test('an index over the limit is 413, as a JSON body and as a multipart field', async () => {
    const big = JSON.stringify(sampleIndex('job-a', { padding: 100 * 1024 }));
    expect(await api.postJson('/update', big, A)).toMatchObject({ status: 413, body: { message: expect.stringContaining('65536 bytes') } });
    expect((await api.postForm('/update', 'task', big, A)).status).toBe(413);
    expect((await api.postForm('/update', 'task', big, A, { asField: true })).status).toBe(413);
    expect((await api.get('/index', A)).body).toMatchObject({ round: 3 });
  });
});

describe('versions: create_time orders them, a stored one is never rewritten', () => {
  const V = tokenFor('job-v');
  const T1 = '2026-03-01T10:00:00.000Z';
  const T2 = '2026-03-02T10:00:00.000Z';
  const history = () => readdirSync(path.join(jobDir('job-v'), 'history')).sort();
  const current = async () => (await api.get('/index', V)).body as { create_time: string; round: number; seen_task: { task_groups: Array<{ deploy: boolean }> } };

  test('the same index again is an idempotent 200 (a retried upload); other content under a stored create_time is 409 naming it, and nothing changes', async () => {
    const first = sampleIndex('job-v', { createTime: T1 });
    expect(await api.postJson('/update', first, V)).toMatchObject({ status: 200, body: INDEX_PATH });
    const stored = readFileSync(path.join(jobDir('job-v'), 'history', '2026-03-01T10-00-00.000Z.json'), 'utf8');
    expect(await api.postJson('/update', first, V)).toMatchObject({ status: 200, body: INDEX_PATH });
    const other = sampleIndex('job-v', { createTime: T1, round: 7 });
    const r = await api.postJson('/update', other, V);
    expect(r.status).toBe(409);
    expect((r.body as { message: string }).message).toBe(
      `index: create_time: "${T1}" names a stored version of job default/job-v (history/2026-03-01T10-00-00.000Z.json) with other content; a new version needs a create_time after the current index's "${T1}"`,
    );
    expect(readFileSync(path.join(jobDir('job-v'), 'history', '2026-03-01T10-00-00.000Z.json'), 'utf8')).toBe(stored);
    expect((await current()).round).toBe(1);
    expect(history()).toEqual(['2026-03-01T10-00-00.000Z.json']);
  });

  test('an older create_time (or the same instant written otherwise) is 409 naming both times: no silent rollback', async () => {
    for (const older of ['2026-02-28T10:00:00.000Z', '2026-03-01T11:00:00.000+01:00']) {
      const r = await api.postJson('/update', sampleIndex('job-v', { createTime: older, round: 0 }), V);
      expect(r.status).toBe(409);
      expect((r.body as { message: string }).message).toBe(
        `index: create_time: "${older}" is not after the current index's create_time "${T1}" of job default/job-v: an older version would roll the job back; a new version needs a later create_time`,
      );
    }
    expect((await current()).create_time).toBe(T1);
    expect(history()).toEqual(['2026-03-01T10-00-00.000Z.json']);
  });

  test('a create_time far ahead of the clock is 409: it would block every later version', async () => {
    const r = await api.postJson('/update', sampleIndex('job-v', { createTime: '9999-12-31T00:00:00.000Z', round: 9 }), V);
    expect(r.status).toBe(409);
    expect((r.body as { message: string }).message).toMatch(/^index: create_time: "9999-12-31T00:00:00\.000Z" of job default\/job-v is \d+ s ahead of this service's clock \(at most 300 s\): it would block every later version; check the worker's clock$/);
    expect((await current()).create_time).toBe(T1);
  });

  test('a create_time that is not an RFC 3339 time is 400 naming the field and the value; no file is made for it', async () => {
    for (const bad of ['../../../x', '2026-03-05', '2026-03-05T10:00:00']) {
      expect(await api.postJson('/update', sampleIndex('job-v', { createTime: bad }), V)).toMatchObject({ status: 400, body: { message: `index: create_time: ${JSON.stringify(bad)} is not an RFC 3339 time (e.g. "2026-01-01T10:00:00.000Z")` } });
    }
    expect(readdirSync(path.join(dataDir, 'jobs', 'default'))).not.toContain('x.json');
    expect(history()).toEqual(['2026-03-01T10-00-00.000Z.json']);
  });

  test('a later version is stored; a late retry of an older one is 200 and leaves the newer current', async () => {
    expect(await api.postJson('/update', sampleIndex('job-v', { createTime: T2, round: 2 }), V)).toMatchObject({ status: 200 });
    expect(await api.postJson('/update', sampleIndex('job-v', { createTime: T1 }), V)).toMatchObject({ status: 200 });
    expect(await current()).toMatchObject({ create_time: T2, round: 2 });
  });

  test('update/status still works (it keeps create_time, its versions are history/<time>.status-<n>.json); a retried upload then changes nothing, other content is 409', async () => {
    expect(await api.postJson('/update/status', { tasks: 'Summer_AC', status: 0 }, V)).toMatchObject({ status: 200 });
    expect(await current()).toMatchObject({ create_time: T2, seen_task: { task_groups: [{ deploy: false }, { deploy: true }] } });
    expect(await api.postJson('/update', sampleIndex('job-v', { createTime: T2, round: 2 }), V)).toMatchObject({ status: 200 });
    expect((await current()).seen_task.task_groups.map((g) => g.deploy)).toEqual([false, true]);
    expect((await api.postJson('/update', sampleIndex('job-v', { createTime: T2, round: 3 }), V)).status).toBe(409);
    expect(history()).toEqual(['2026-03-01T10-00-00.000Z.json', '2026-03-02T10-00-00.000Z.json', '2026-03-02T10-00-00.000Z.status-1.json']);
  });

  test('a version a kill left in history but not yet current is finished by its retried upload', async () => {
    const third = sampleIndex('job-v', { createTime: '2026-03-03T10:00:00.000Z', round: 3 });
    writeFileSync(path.join(jobDir('job-v'), 'history', '2026-03-03T10-00-00.000Z.json'), `${JSON.stringify(third, null, 2)}\n`, { mode: 0o600 });
    expect((await current()).create_time).toBe(T2);
    expect(await api.postJson('/update', third, V)).toMatchObject({ status: 200 });
    expect(await current()).toMatchObject({ create_time: third.create_time, round: 3 });
  });
});

describe('update/status', () => {
  const C = tokenFor('job-c');

  test('404 before the job has an index', async () => {
    expect(await api.postJson('/update/status', { tasks: 'Summer_AC', status: 0 }, C)).toMatchObject({ status: 404, body: { message: 'job default/job-c has no index yet: POST one to /knowledgebase/update first' } });
  });

  test('sets deploy on the named groups, keeps create_time, stores a new version', async () => {
    const index = sampleIndex('job-c', { createTime: '2026-02-01T00:00:00.000Z', groups: ['a', 'b', 'c'] });
    await api.postJson('/update', index, C);
    expect(await api.postJson('/update/status', { tasks: 'a, c', status: 0 }, C)).toMatchObject({ status: 200, body: INDEX_PATH });
    const after = (await api.get('/index', C)).body as typeof index;
    expect(after.seen_task.task_groups.map((g) => g.deploy)).toEqual([false, true, false]);
    expect(after.create_time).toBe(index.create_time);
    expect(parseKbIndex(after).ok).toBe(true);
    await api.postJson('/update/status', { tasks: 'a', status: 1 }, C);
    expect(((await api.get('/index', C)).body as typeof index).seen_task.task_groups.map((g) => g.deploy)).toEqual([true, true, false]);
    expect(readdirSync(path.join(jobDir('job-c'), 'history')).sort()).toEqual(['2026-02-01T00-00-00.000Z.json', '2026-02-01T00-00-00.000Z.status-1.json', '2026-02-01T00-00-00.000Z.status-2.json']);
  });

  test('unknown groups are 400 naming them, and nothing changes; bad tasks or status are 400 naming the field', async () => {
    const before = (await api.get('/index', C)).text;
    const r = await api.postJson('/update/status', { tasks: 'a,zz,yy', status: 0 }, C);
    expect(r.status).toBe(400);
    expect((r.body as { message: string }).message).toMatch(/^tasks: "zz", "yy" are not task groups of the index 2026-02-01T00:00:00.000Z of job default\/job-c/);
    expect((await api.get('/index', C)).text).toBe(before);
    expect(await api.postJson('/update/status', { tasks: '', status: 0 }, C)).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^tasks: ""/) } });
    expect(await api.postJson('/update/status', { tasks: 'a', status: 2 }, C)).toMatchObject({ status: 400, body: { message: 'status: 2 is not 0 or 1' } });
    expect(await api.postJson('/update/status', 'nope', C)).toMatchObject({ status: 400, body: { message: expect.stringMatching(/^body: not JSON/) } });
  });
});

describe('file/upload and file/download', () => {
  test('a file is streamed to files/<name> (0600), and its download path serves it with the name given', async () => {
    const content = Buffer.alloc(100 * 1024, 7);
    const r = await api.postForm('/file/upload', 'file', content, A, { filename: 'model.bin' });
    expect(r).toMatchObject({ status: 200, body: '/file/download?files=files%2Fmodel.bin&name=model.bin' });
    const file = path.join(jobDir('job-a'), 'files', 'model.bin');
    expect(readFileSync(file)).toEqual(content);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const download = await api.get(`/file/download?files=files/model.bin&name=${encodeURIComponent('my "model"\r\n.bin')}`, A);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="my model.bin"; filename*=UTF-8''my%20model.bin`);
    expect(Buffer.from(await (await fetch(api.url(r.body as string), { headers: { Authorization: `Bearer ${A}` } })).arrayBuffer())).toEqual(content);
  });

  test('a name with folders lands in them; uploading again replaces the file whole', async () => {
    expect(await api.postForm('/file/upload', 'file', 'one', A, { filename: 'round-1/samples.txt' })).toMatchObject({ status: 200, body: '/file/download?files=files%2Fround-1%2Fsamples.txt&name=samples.txt' });
    await api.postForm('/file/upload', 'file', 'two', A, { filename: 'round-1/samples.txt' });
    expect((await api.get('/file/download?files=files/round-1/samples.txt', A)).text).toBe('two');
  });

  test.each([
    ['../escape.txt', 'contains ".."'],
    ['a/../../escape.txt', 'contains ".."'],
    ['/etc/passwd', 'absolute path'],
    ['.hidden', 'hidden segment'],
    [`${'x'.repeat(256)}`, 'longer than 255 bytes'],
  ])('the upload name %j is refused with 400 (%s), and nothing is written outside', async (name, why) => {
    const r = await api.postRawForm('/file/upload', 'file', name, 'payload', A);
    expect(r.status).toBe(400);
    expect((r.body as { message: string }).message).toContain(why);
    expect(readdirSync(path.join(dataDir, 'jobs', 'default'))).not.toContain('escape.txt');
    expect(readdirSync(jobDir('job-a'))).not.toContain('escape.txt');
  });

  test('a part without a file name, or a body that is not a form, is refused', async () => {
    expect(await api.postForm('/file/upload', 'file', 'x', A, { asField: true })).toMatchObject({ status: 400, body: { message: expect.stringContaining('no filename') } });
    expect((await api.postJson('/file/upload', {}, A)).status).toBe(415);
  });

  test('an upload over the limit is 413 and leaves no file, not even a temp file', async () => {
    const r = await api.postForm('/file/upload', 'file', Buffer.alloc(300 * 1024, 1), A, { filename: 'huge.bin' });
    expect(r).toMatchObject({ status: 413, body: { message: expect.stringContaining('262144 bytes') } });
    expect(readdirSync(path.join(jobDir('job-a'), 'files')).filter((f) => f.includes('huge'))).toEqual([]);
  });

  test.each([
    ['files=../job-b/index.json', 400],
    ['files=%2Fetc%2Fpasswd', 400],
    ['files=files/..%2F..%2Fjob-b%2Findex.json', 400],
    ['files=files/nope.bin', 404],
    ['files=files', 404],
    ['name=x', 400],
  ])('download ?%s is %i', async (query, status) => {
    expect((await api.get(`/file/download?${query}`, A)).status).toBe(status);
  });

  test('a link leading out of the job folder is not followed (404); one inside it is', async () => {
    const files = path.join(jobDir('job-a'), 'files');
    writeFileSync(path.join(root, 'outside.txt'), 'secret');
    symlinkSync(path.join(root, 'outside.txt'), path.join(files, 'out-link'));
    symlinkSync(path.join(jobDir('job-b'), 'index.json'), path.join(files, 'b-link'));
    symlinkSync(path.join(files, 'model.bin'), path.join(files, 'in-link'));
    expect((await api.get('/file/download?files=files/out-link', A)).status).toBe(404);
    expect((await api.get('/file/download?files=files/b-link', A)).status).toBe(404);
    expect((await api.get('/file/download?files=files/in-link', A)).status).toBe(200);
    expect(lstatSync(path.join(files, 'out-link')).isSymbolicLink()).toBe(true);
  });

  test('an upload through a folder that is a link is refused', async () => {
    symlinkSync(root, path.join(jobDir('job-a'), 'files', 'dir-link'));
    const r = await api.postForm('/file/upload', 'file', 'x', A, { filename: 'dir-link/planted.txt' });
    expect(r).toMatchObject({ status: 400, body: { message: expect.stringContaining('is a link, not a folder') } });
    expect(readdirSync(root)).not.toContain('planted.txt');
  });
});

describe('one job cannot reach another', () => {
  test("job B's token sees neither job A's index nor its files; job A's index is untouched by B's update", async () => {
    expect((await api.get('/index', B)).status).toBe(404);
    expect((await api.get('/file/download?files=files/model.bin', B)).status).toBe(404);
    expect((await api.get('/file/download?files=index.json', B)).status).toBe(404);
    expect((await api.get('/index?job=job-a', B)).status).toBe(403);
    const before = (await api.get('/index', A)).text;
    await api.postJson('/update', sampleIndex('job-b'), B);
    expect((await api.get('/index', A)).text).toBe(before);
    expect(((await api.get('/index', B)).body as { job: string }).job).toBe('job-b');
  });

  test('a job of the same name in another namespace is another job', async () => {
    const other = tokenFor('job-a', { namespace: 'team-2' });
    expect((await api.get('/index', other)).status).toBe(404);
  });
});

test('the data folder is private: folders 0700, files 0600', () => {
  function walk(dir: string): void {
    expect([dir, statSync(dir).mode & 0o777]).toEqual([dir, 0o700]);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) walk(p);
      else expect([p, statSync(p).mode & 0o777]).toEqual([p, 0o600]);
    }
  }
  walk(dataDir);
  expect(SECRET.length).toBeGreaterThanOrEqual(16);
});
