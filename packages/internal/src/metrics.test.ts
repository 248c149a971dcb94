import { parseListenAddress, parseMetricsText, sampleValue, startMetricsServer } from './metrics.js';

const TEXT = [
  '# HELP jobs_total Jobs done',
  '# TYPE jobs_total counter',
  'jobs_total{kind="a",note="say \\"hi\\"\\nthere"} 3',
  'jobs_total{kind="b"} 4 1700000000000',
  '# TYPE latency_seconds histogram',
  'latency_seconds_bucket{le="0.1"} 1',
  'latency_seconds_bucket{le="+Inf"} 2',
  'latency_seconds_sum 0.35',
  'latency_seconds_count 2',
  'up 1',
  'lag_seconds Nan',
  '',
].join('\n');

test('reads families, types, help, labels with escapes, values and timestamps', () => {
  const families = parseMetricsText(TEXT);
  const jobs = families.get('jobs_total');
  expect(jobs).toMatchObject({ type: 'counter', help: 'Jobs done' });
  expect(jobs?.samples[0]?.labels).toEqual({ kind: 'a', note: 'say "hi"\nthere' });
  expect(sampleValue(families, 'jobs_total')).toBe(7);
  expect(sampleValue(families, 'jobs_total', { kind: 'b' })).toBe(4);
  expect(families.get('latency_seconds')?.samples.map((s) => s.name)).toEqual(['latency_seconds_bucket', 'latency_seconds_bucket', 'latency_seconds_sum', 'latency_seconds_count']);
  expect(sampleValue(families, 'latency_seconds_bucket', { le: '+Inf' })).toBe(2);
  expect(families.get('up')?.type).toBe('untyped');
  expect(sampleValue(families, 'lag_seconds')).toBeNaN();
  expect(sampleValue(families, 'absent')).toBeUndefined();
});

test.each([
  ['a value that is no number', 'x_total abc', /line 1: "abc" is not a number/],
  ['an unquoted label value', 'x{a=b} 1', /value of a is not quoted/],
  ['an unknown type', '# TYPE x gauge2', /type "gauge2" of x/],
  ['a bad metric name', '1x 2', /"1x" is not a metric name/],
  ['a histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1', /histogram h has no \+Inf bucket/],
  ['a missing value', 'x{a="b"}', /expected a value/],
])('rejects %s', (_what, text, error) => {
  expect(() => parseMetricsText(text)).toThrow(error);
});

test('parses listen addresses and names the setting when one is wrong', () => {
  expect(parseListenAddress('0.0.0.0:9101', 'X')).toEqual({ host: '0.0.0.0', port: 9101 });
  expect(parseListenAddress(':9101', 'X')).toEqual({ host: '0.0.0.0', port: 9101 });
  expect(parseListenAddress('[::1]:0', 'X')).toEqual({ host: '::1', port: 0 });
  expect(() => parseListenAddress('9101', 'SEDNA_LC_METRICS_ADDRESS')).toThrow('SEDNA_LC_METRICS_ADDRESS: "9101" is not host:port');
  expect(() => parseListenAddress('h:70000', 'X')).toThrow('is not host:port');
});

test('the listener serves /metrics and /healthz, 404 elsewhere', async () => {
  const server = await startMetricsServer({ contentType: 'text/plain; version=0.0.4', metrics: async () => 'up 1\n' }, { host: '127.0.0.1', port: 0 });
  try {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4');
    expect(sampleValue(parseMetricsText(await res.text()), 'up')).toBe(1);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/other`)).status).toBe(404);
  } finally {
    await server.close();
  }
});
