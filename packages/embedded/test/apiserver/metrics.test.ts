import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Watch } from '@kubernetes/client-node';
import { parseMetricsText, sampleValue } from '@sedna-ts/internal/metrics';
import { removeDir, startTestServer, type TestServer } from '../support/apiserver.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
  removeDir(t.dir);
});

async function scrape(): Promise<ReturnType<typeof parseMetricsText>> {
  const res = await t.fetch('/metrics');
  expect(res.status).toBe(200);
  expect(String(res.headers['content-type'])).toContain('text/plain');
  return parseMetricsText(res.text);
}

test('/metrics needs a credential, as kube-apiserver', async () => {
  const anonymous = await t.fetch('/metrics', { headers: { authorization: 'Bearer wrong' } });
  expect(anonymous.status).toBe(401);
});

test('counts requests by verb, resource and code, their latency, open watches and watch events', async () => {
  const received: string[] = [];
  let watchDone: (() => void) | undefined;
  const request = await new Watch(t.kc).watch('/api/v1/namespaces/default/configmaps', {}, (type) => received.push(type), () => watchDone?.());
  try {
    // The watch is open once its answer started; the request then waits until it ends.
    const open = await scrape();
    expect(sampleValue(open, 'apiserver_longrunning_requests', { verb: 'WATCH', resource: 'configmaps', scope: 'namespace' })).toBe(1);

    await t.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'm1' }, data: { a: '1' } } });
    await t.core.readNamespacedConfigMap({ namespace: 'default', name: 'm1' });
    await t.core.listNamespacedConfigMap({ namespace: 'default' });
    await t.core.readNamespacedConfigMap({ namespace: 'default', name: 'absent' }).catch(() => undefined);
    for (let i = 0; i < 200 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(received).toContain('ADDED');

    const m = await scrape();
    expect(m.get('apiserver_request_total')?.type).toBe('counter');
    expect(sampleValue(m, 'apiserver_request_total', { verb: 'POST', resource: 'configmaps', scope: 'namespace', code: '201' })).toBe(1);
    expect(sampleValue(m, 'apiserver_request_total', { verb: 'GET', resource: 'configmaps', scope: 'resource', code: '200' })).toBe(1);
    expect(sampleValue(m, 'apiserver_request_total', { verb: 'GET', resource: 'configmaps', scope: 'resource', code: '404' })).toBe(1);
    expect(sampleValue(m, 'apiserver_request_total', { verb: 'LIST', resource: 'configmaps', code: '200' })).toBe(1);
    expect(m.get('apiserver_request_duration_seconds')?.type).toBe('histogram');
    expect(sampleValue(m, 'apiserver_request_duration_seconds_count', { verb: 'POST', resource: 'configmaps' })).toBe(1);
    expect(sampleValue(m, 'apiserver_request_duration_seconds_count', { verb: 'WATCH' })).toBeUndefined();
    expect(sampleValue(m, 'apiserver_watch_events_total', { resource: 'configmaps', version: 'v1' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(m, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  } finally {
    const ended = new Promise<void>((r) => (watchDone = r));
    request.abort();
    await ended;
  }
  // The watch is counted once it ended, and no longer open.
  for (let i = 0; i < 200; i++) {
    const m = await scrape();
    if (sampleValue(m, 'apiserver_longrunning_requests', { verb: 'WATCH', resource: 'configmaps' }) === 0) {
      expect(sampleValue(m, 'apiserver_request_total', { verb: 'WATCH', resource: 'configmaps', code: '200' })).toBe(1);
      return;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the ended watch was still counted as open after 200 scrapes');
});

test('paths the server does not serve add no series: made-up groups, resources and subresources are counted without their names', async () => {
  const before = (await t.fetch('/metrics')).text.split('\n').length;
  for (let i = 0; i < 30; i++) {
    expect((await t.fetch(`/apis/made-up-${i}.io/v1/things${i}`)).status).toBe(404);
    await t.fetch(`/api/v1/namespaces/default/configmaps/m${i}/evil${i}`);
  }
  const text = (await t.fetch('/metrics')).text;
  expect(text).not.toMatch(/made-up-|things\d|evil\d/);
  // A few series more at most (the empty-named ones), not 60 counters and histograms.
  expect(text.split('\n').length - before).toBeLessThan(100);
  const m = parseMetricsText(text);
  expect(sampleValue(m, 'apiserver_request_total', { verb: 'LIST', group: '', version: '', resource: '', code: '404' })).toBe(30);
});
