// Prometheus plumbing the packages share: a small HTTP listener for a metrics registry (the LC's
// configurable metrics address, the inference worker's /metrics) and a strict reader of the text
// exposition format (what a scrape by Prometheus parses; the tests and `sedna` read it with this).
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';

/** What a listener serves: a prom-client `Registry` fits. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** A running metrics listener. */
export interface MetricsServer {
  /** `http://host:port`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Parses `host:port` (`[::1]:9101`, `0.0.0.0:9101`, `:9101` for every address); `what` names the
 * setting in the error.
 */
export function parseListenAddress(value: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`${what}: ${JSON.stringify(value)} is not host:port (e.g. 0.0.0.0:9101)`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/**
 * Serves `GET /metrics` (the registry's text) and `GET /healthz` on `host:port` (port 0: any free
 * one). Every other path is 404. Resolves once listening.
 *
 * @example
 * const server = await startMetricsServer(registry, { host: '0.0.0.0', port: 9101 });
 * // ... Prometheus scrapes http://<node>:9101/metrics
 * await server.close();
 */
export async function startMetricsServer(source: MetricsSource, options: { host: string; port: number }): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      source.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': source.contentType });
          res.end(text);
        },
        (error: unknown) => {
          res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end(`metrics failed: ${(error as Error).message}\n`);
        },
      );
      return;
    }
    res.writeHead(path === '/healthz' && req.method === 'GET' ? 200 : 404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(path === '/healthz' ? 'ok\n' : 'not found: the metrics listener serves /metrics and /healthz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new Error(`metrics listener: cannot listen on ${options.host}:${options.port}: ${e.message}`, { cause: e })));
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** One sample of a scrape. */
export interface MetricSample {
  /** The sample's name (a histogram's `_bucket`, `_sum`, `_count` included). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** One metric family of a scrape. */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: MetricSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** A sample value as Prometheus reads it (Go's ParseFloat: `NaN`, `Inf`, `+Inf`, `-Inf` in any case). */
function parseValue(raw: string, line: number): number {
  const lower = raw.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return NaN;
  const v = Number(raw);
  if (raw === '' || Number.isNaN(v)) throw new Error(`metrics line ${line}: ${JSON.stringify(raw)} is not a number`);
  return v;
}

/** Reads `{a="x",b="y\"z"}` from `text` at `at` (the `{`); returns the labels and the index after `}`. */
function parseLabels(text: string, at: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  const fail = (why: string): never => {
    throw new Error(`metrics line ${line}: labels: ${why} in ${JSON.stringify(text)}`);
  };
  while (i < text.length && text[i] !== '}') {
    const eq = text.indexOf('=', i);
    if (eq < 0) fail('missing =');
    const key = text.slice(i, eq).trim();
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key)) fail(`bad label name ${JSON.stringify(key)}`);
    if (text[eq + 1] !== '"') fail(`value of ${key} is not quoted`);
    let j = eq + 2;
    let value = '';
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const next = text[++j];
        value += next === 'n' ? '\n' : next === '\\' ? '\\' : next === '"' ? '"' : fail(`bad escape \\${next ?? ''}`);
      } else value += text[j];
    }
    if (j >= text.length) fail(`unterminated value of ${key}`);
    if (key in labels) fail(`label ${key} twice`);
    labels[key] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail('expected , or }');
  }
  if (text[i] !== '}') fail('missing }');
  return { labels, end: i + 1 };
}

function familyOf(sample: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  const exact = families.get(sample);
  if (exact) return exact;
  for (const suffix of ['_bucket', '_sum', '_count', '_total', '_created']) {
    if (!sample.endsWith(suffix)) continue;
    const f = families.get(sample.slice(0, -suffix.length));
    if (f) return f;
  }
  return undefined;
}

/**
 * Parses the Prometheus text exposition format (version 0.0.4), strictly: a malformed line, a sample
 * of no declared family, a histogram without its `+Inf` bucket throw an Error naming the line. Returns
 * the families by name.
 */
export function parseMetricsText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const declare = (name: string, line: number): MetricFamily => {
    if (!NAME.test(name)) throw new Error(`metrics line ${line}: ${JSON.stringify(name)} is not a metric name`);
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, help: '', type: 'untyped', samples: [] }));
    return f;
  };
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const l = raw.trim();
    if (l === '') return;
    if (l.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(l);
      if (!m) return; // a comment
      const f = declare(m[2] as string, line);
      if (m[1] === 'HELP') f.help = (m[3] ?? '').replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      else {
        if (!TYPES.has(m[3] ?? '')) throw new Error(`metrics line ${line}: type ${JSON.stringify(m[3] ?? '')} of ${f.name} is not one of ${[...TYPES].join(', ')}`);
        if (f.samples.length > 0) throw new Error(`metrics line ${line}: TYPE of ${f.name} after its samples`);
        f.type = m[3] as MetricFamily['type'];
      }
      return;
    }
    const nameEnd = l.search(/[{\s]/);
    const name = nameEnd < 0 ? l : l.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`metrics line ${line}: ${JSON.stringify(name)} is not a metric name`);
    let rest = nameEnd < 0 ? '' : l.slice(nameEnd);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      const parsed = parseLabels(rest, 0, line);
      labels = parsed.labels;
      rest = rest.slice(parsed.end);
    }
    const fields = rest.trim().split(/\s+/);
    if (fields.length < 1 || fields.length > 2 || fields[0] === '') throw new Error(`metrics line ${line}: expected a value (and a timestamp) after ${name}: ${JSON.stringify(raw)}`);
    const value = parseValue(fields[0] as string, line);
    const family = familyOf(name, families) ?? declare(name, line);
    family.samples.push({ name, labels, value });
  });
  for (const f of families.values()) {
    if (f.type === 'histogram' && f.samples.some((s) => s.name === `${f.name}_count`) && !f.samples.some((s) => s.name === `${f.name}_bucket` && s.labels.le === '+Inf')) {
      throw new Error(`metrics: histogram ${f.name} has no +Inf bucket`);
    }
  }
  return families;
}

/** The sum of the samples named `sample` whose labels include `labels` (one series or several), or undefined when none. */
export function sampleValue(families: Map<string, MetricFamily>, sample: string, labels: Record<string, string> = {}): number | undefined {
  const f = familyOf(sample, families);
  const found = f?.samples.filter((s) => s.name === sample && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (!found || found.length === 0) return undefined;
  return found.reduce((sum, s) => sum + s.value, 0);
}
