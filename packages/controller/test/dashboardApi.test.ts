// The GM's dashboard routes against a stand-in API server that authenticates and allows everyone: a
// body above the limit gets a prompt 413 naming it (the socket is not reset under the client), and a
// number literal beyond a double (1e309) is refused naming its field and the literal as sent (JSON.parse
// would make it Infinity, and the LC request would carry it as null).
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { DashboardApi, MAX_BODY, parseBody } from '../src/gm/dashboardApi.js';

let apiServer: Server;
let gm: Server;
let gmUrl: string;
const lcRequests: Array<{ action: string; signal?: AbortSignal }> = [];
const reviews: string[] = [];

beforeAll(async () => {
  apiServer = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(201, { 'Content-Type': 'application/json' });
      reviews.push(req.url?.includes('tokenreviews') ? 'TokenReview' : req.url?.includes('subjectaccessreviews') ? 'SubjectAccessReview' : `${req.method} job`);
      if (req.method === 'GET') return void res.end(JSON.stringify({ spec: { deploySpec: { template: { spec: { nodeName: 'edge-1' } } } } }));
      res.end(JSON.stringify(req.url?.includes('tokenreviews') ? { status: { authenticated: true, user: { username: 'u' } } } : { status: { allowed: true } }));
    });
  });
  await new Promise<void>((resolve) => apiServer.listen(0, '127.0.0.1', resolve));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'gm' }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  // An LC that never answers: what the GM does with a request the client gave up on.
  const lcServer = {
    request: (_node: string, _job: unknown, request: { action: string }, _timeoutMs: number, signal?: AbortSignal) => {
      lcRequests.push({ action: request.action, signal });
      if (request.action === 'hardExamples.sample') return Promise.resolve({ status: 200, data: Buffer.from('png').toString('base64'), contentType: 'image/png' });
      if (request.action === 'hardExamples.get') return Promise.resolve({ status: 404, error: 'hard example x: evicted', body: { state: 'evicted' } });
      if (request.action === 'hardExamples.list') return Promise.resolve({ status: 200, body: { asked: request } });
      return new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(new Error('cancelled'))));
    },
  };
  const api = new DashboardApi({ kubeConfig, lcServer: () => lcServer as never, logger: pino({ level: 'silent' }) as never });
  gm = createServer((req, res) => void api.handle(req, res));
  await new Promise<void>((resolve) => gm.listen(0, '127.0.0.1', resolve));
  gmUrl = `http://127.0.0.1:${(gm.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => gm.close(() => resolve()));
  await new Promise<void>((resolve) => apiServer.close(() => resolve()));
});

/** POSTs `body` in chunks (as a browser would stream it) and resolves with the status and the answer. */
function post(path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${gmUrl}${path}`, { method: 'POST', headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    for (let i = 0; i < body.length; i += 16 * 1024) req.write(body.slice(i, i + 16 * 1024));
    req.end();
  });
}

const label = '/dashboard/v1/jobs/incrementallearningjobs/default/dash/hard-examples/e1/label';

test('a body above the limit gets 413 naming the limit, not a reset connection', async () => {
  const answer = await post(label, JSON.stringify({ label: 'x'.repeat(MAX_BODY) }));
  expect(answer).toEqual({ status: 413, text: JSON.stringify({ error: `incrementallearningjobs.sedna.io default/dash: hard example e1: the body is larger than ${MAX_BODY} bytes (256 KiB)` }) });
});

test('a number beyond a double is refused naming its field and the literal as sent', async () => {
  const answer = await post(label, '{"boxes":[{"x1":0,"y1":0,"x2":1e309,"y2":4,"cls":0}]}');
  expect(answer).toEqual({ status: 400, text: JSON.stringify({ error: 'incrementallearningjobs.sedna.io default/dash: hard example e1: boxes[0].x2 1e309 is not a finite number' }) });
  expect(() => parseBody('{"label":-1E400}', 's')).toThrow('s: label -1E400 is not a finite number');
  expect(parseBody('{"label":"1e309","n":[1.5e3]}', 's')).toEqual({ label: '1e309', n: [1500] });
  expect(() => parseBody('{"label":', 's')).toThrow('s: the body is not JSON');
});

test('a path whose %-escapes are not UTF-8 is a 400 naming it, not a 500', async () => {
  const res = await fetch(`${gmUrl}/dashboard/v1/jobs/incrementallearningjobs/default/dash/hard-examples/%E0%A4/image`, { headers: { Authorization: 'Bearer t' } });
  expect([res.status, await res.json()]).toEqual([400, { error: '/dashboard/v1/jobs/incrementallearningjobs/default/dash/hard-examples/%E0%A4/image: not valid percent-encoding (a % must start %XX of UTF-8)' }]);
});

test("the API server's yes for a token is kept a short while (a gallery's images cost one TokenReview, one SubjectAccessReview and one read of the job); images are immutable", async () => {
  reviews.length = 0;
  const image = (token: string, id: string) => fetch(`${gmUrl}/dashboard/v1/jobs/incrementallearningjobs/default/cached/hard-examples/${id}/image`, { headers: { Authorization: `Bearer ${token}` } });
  for (const id of ['a', 'b', 'c']) {
    const res = await image('t-cache', id);
    expect([res.status, res.headers.get('cache-control'), await res.text()]).toEqual([200, 'private, max-age=86400, immutable', 'png']);
  }
  expect(reviews).toEqual(['TokenReview', 'SubjectAccessReview', 'GET job']);
  // Another token is asked about.
  await image('t-other', 'a');
  expect(reviews.slice(3)).toEqual(['TokenReview', 'SubjectAccessReview']);
});

test('a list is asked a page at a time (offset, limit, versions, order passed on; a bad one refused naming it); one example passes on why it is not there', async () => {
  const base = `${gmUrl}/dashboard/v1/jobs/incrementallearningjobs/default/dash/hard-examples`;
  const list = await fetch(`${base}?list=skipped&offset=60&limit=60&version=2&version=initial&order=oldest`, { headers: { Authorization: 'Bearer t' } });
  expect(await list.json()).toEqual({ asked: { action: 'hardExamples.list', list: 'skipped', offset: 60, limit: 60, versions: ['2', 'initial'], order: 'oldest' } });
  for (const [query, error] of [
    ['limit=-1', 'limit="-1" is not a whole number'],
    ['offset=x', 'offset="x" is not a whole number'],
    ['list=all', 'list="all" is not queue or skipped'],
    ['order=random', 'order="random" is not newest or oldest'],
  ]) {
    const res = await fetch(`${base}?${query}`, { headers: { Authorization: 'Bearer t' } });
    expect([res.status, await res.json()]).toEqual([400, { error: `incrementallearningjobs.sedna.io default/dash: hard examples: ${error}` }]);
  }
  const one = await fetch(`${base}/x`, { headers: { Authorization: 'Bearer t' } });
  expect([one.status, await one.json()]).toEqual([404, { state: 'evicted', error: 'hard example x: evicted' }]);
});

test('a client that goes away before the answer cancels the request to the LC (a COCO export it gave up on)', async () => {
  const gone = new AbortController();
  const answer = fetch(`${gmUrl}/dashboard/v1/jobs/incrementallearningjobs/default/dash/coco`, { headers: { Authorization: 'Bearer t' }, signal: gone.signal });
  const coco = () => lcRequests.find((r) => r.action === 'dataset.coco');
  for (let i = 0; i < 200 && !coco(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(lcRequests.filter((r) => r.action === 'dataset.coco').map((r) => [r.action, r.signal?.aborted])).toEqual([['dataset.coco', false]]);
  gone.abort();
  await expect(answer).rejects.toThrow();
  for (let i = 0; i < 200 && !coco()?.signal?.aborted; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(coco()?.signal?.aborted).toBe(true);
});
