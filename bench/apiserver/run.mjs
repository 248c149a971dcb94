// Embedded API server throughput: creates, updates and watch events per second and the memory the
// server holds with 10k objects, side by side with client-node's own cost measured in the same run
// against a server that stores nothing. Run from the repository root after a build:
//   npx nx run @sedna-ts/embedded:build && node bench/apiserver/run.mjs [objects=10000] [clientNodeRequests=1000]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent, createServer, request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { figure, rssMiB } from '../lib/figures.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const serverMain = path.join(here, '../../packages/embedded/dist/server-main.js');
const N = Number(process.argv[2] ?? 10000);
const M = Number(process.argv[3] ?? 1000);
const CONCURRENCY = 32;
const ns = 'default';

const sizeMiB = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? sizeMiB(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).size / 1048576), 0);

/** Runs fn(0..count-1) with CONCURRENCY in flight; answers operations per second. */
async function pool(count, fn) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++) await fn(i);
    }),
  );
  return (count / (performance.now() - t0)) * 1000;
}

const configMap = (i, value) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: `cm-${i}`, labels: { bench: 'yes', shard: String(i % 16) } },
  data: { value: String(value), payload: 'x'.repeat(200) },
});

/** A keep-alive HTTPS JSON client (node:https), to load the server without client-node's per-request connections. */
function keepAliveClient(kc) {
  const cluster = kc.getCurrentCluster();
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: Buffer.from(cluster.caData, 'base64') });
  const auth = `Bearer ${kc.getCurrentUser().token}`;
  return (method, p, body) =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request(`${cluster.server}${p}`, { method, agent, headers: { Authorization: auth, 'Content-Type': 'application/json' } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => (res.statusCode < 300 ? resolve(JSON.parse(Buffer.concat(chunks).toString())) : reject(new Error(`${res.statusCode} ${Buffer.concat(chunks)}`))));
      });
      req.on('error', reject);
      req.end(data);
    });
}

async function startServer(dir) {
  const child = spawn(process.execPath, [serverMain, '--data-dir', dir, '--port', '0', '--kubeconfig', path.join(dir, 'kubeconfig'), '--watch-window', String(3 * N + 3 * M)], {
    env: { ...process.env, SEDNA_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', (code) => reject(new Error(`server-main exited with ${code}`)));
  });
  const kc = new KubeConfig();
  kc.loadFromFile(path.join(dir, 'kubeconfig'));
  return { child, kc };
}

/**
 * A server in this process that stores nothing: it echoes creates and updates, and answers a watch
 * with `events` ready-made events as fast as the socket takes them. Against it, a client measures
 * only its own cost (and TLS): the reference column.
 */
async function startNullServer(dir, events) {
  const tls = path.join(dir, 'tls');
  const server = createServer({ key: readFileSync(path.join(tls, 'server.key')), cert: readFileSync(path.join(tls, 'server.crt')) }, (req, res) => {
    if (req.url.includes('watch=true')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      let i = 0;
      const pump = () => {
        while (i < events) {
          const o = configMap(i, 1);
          o.metadata.resourceVersion = String(++i);
          if (!res.write(`${JSON.stringify({ type: 'MODIFIED', object: o })}\n`)) return void res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
      res.end(body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromFile(path.join(dir, 'kubeconfig'));
  kc.clusters[0].server = `https://127.0.0.1:${server.address().port}`;
  return { server, kc };
}

/** Watch events per second a client-node Watch receives until `count` events arrived. */
async function watchRate(kc, params, count, during = async () => undefined) {
  let seen = 0;
  let first = 0;
  let last = 0;
  let closed = false;
  const ctl = await new Watch(kc).watch(`/api/v1/namespaces/${ns}/configmaps`, params, () => {
    last = performance.now();
    if (seen++ === 0) first = last;
  }, () => (closed = true));
  await during();
  while (seen < count && !closed) await new Promise((r) => setTimeout(r, 5));
  ctl.abort();
  if (seen < count) throw new Error(`watch ended after ${seen} of ${count} events`);
  return ((seen - 1) / (last - first)) * 1000;
}

const dir = mkdtempSync(path.join(tmpdir(), 'sedna-bench-apiserver-'));
let child;
try {
  const started = await startServer(dir);
  child = started.child;
  const kc = started.kc;
  const nul = await startNullServer(dir, 2 * N);
  const rows = [];

  // 1. client-node, as the GM and the CLI call the API: one TLS connection per request (client-node 2.0.1 makes a new agent per call).
  const core = kc.makeApiClient(CoreV1Api);
  const nullCore = nul.kc.makeApiClient(CoreV1Api);
  const cnCreates = await pool(M, (i) => core.createNamespacedConfigMap({ namespace: ns, body: { ...configMap(i, 0), metadata: { ...configMap(i, 0).metadata, name: `cn-${i}` } } }));
  const cnNull = await pool(M, (i) => nullCore.createNamespacedConfigMap({ namespace: ns, body: configMap(i, 0) }));
  const cnUpdates = await pool(M, (i) => core.replaceNamespacedConfigMap({ name: `cn-${i}`, namespace: ns, body: { ...configMap(i, 1), metadata: { ...configMap(i, 1).metadata, name: `cn-${i}` } } }));
  const cnNullUpdates = await pool(M, (i) => nullCore.replaceNamespacedConfigMap({ name: `cm-${i}`, namespace: ns, body: configMap(i, 1) }));
  rows.push([`creates/s, client-node (${M})`, cnCreates, cnNull]);
  rows.push([`updates/s, client-node (${M})`, cnUpdates, cnNullUpdates]);
  await core.deleteCollectionNamespacedConfigMap({ namespace: ns });

  // 2. N objects through a keep-alive client, with a client-node watch receiving every change live.
  const http = keepAliveClient(kc);
  const nullHttp = keepAliveClient(nul.kc);
  const rssEmpty = rssMiB(child.pid);
  const startRv = (await http('GET', `/api/v1/namespaces/${ns}/configmaps?limit=1`)).metadata.resourceVersion;
  let creates = 0;
  let updates = 0;
  let writeRate = 0;
  const live = await watchRate(kc, { resourceVersion: startRv }, 2 * N, async () => {
    const w0 = performance.now();
    creates = await pool(N, (i) => http('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap(i, 0)));
    updates = await pool(N, (i) => http('PUT', `/api/v1/namespaces/${ns}/configmaps/cm-${i}`, configMap(i, 1)));
    writeRate = ((2 * N) / (performance.now() - w0)) * 1000;
  });
  const rssFull = rssMiB(child.pid);
  const nullCreates = await pool(N, (i) => nullHttp('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap(i, 0)));
  const nullUpdates = await pool(N, (i) => nullHttp('PUT', `/api/v1/namespaces/${ns}/configmaps/cm-${i}`, configMap(i, 1)));
  rows.push([`creates/s, keep-alive client (${N})`, creates, nullCreates]);
  rows.push([`updates/s, keep-alive client (${N})`, updates, nullUpdates]);

  // 3. Watch: live delivery above, replay of the 2N events from the event log, client-node's parsing ceiling.
  const replay = await watchRate(kc, { resourceVersion: startRv }, 2 * N);
  const ceiling = await watchRate(nul.kc, {}, 2 * N);
  rows.push([`watch events/s, live during the writes (${2 * N}); reference: the write rate`, live, writeRate]);
  rows.push([`watch events/s, replayed from the event log (${2 * N}); reference: client-node's parsing ceiling`, replay, ceiling]);

  const t0 = performance.now();
  const listed = await http('GET', `/api/v1/namespaces/${ns}/configmaps?labelSelector=shard%3D3`);
  const listMs = performance.now() - t0;
  const t1 = performance.now();
  await http('GET', `/api/v1/namespaces/${ns}/configmaps`);
  const listAllMs = performance.now() - t1;

  nul.server.close();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));

  console.log(`sedna embedded API server: ${N} ConfigMaps, ${CONCURRENCY} requests in flight, client and server on the same 2 cores\n`);
  console.log('| measure | embedded server | reference: same client, server that stores nothing | ratio |');
  console.log('|---|---|---|---|');
  for (const [what, ours, ref] of rows) console.log(`| ${what} | ${ours.toFixed(0)} | ${ref.toFixed(0)} | ${(ours / ref).toFixed(2)} |`);
  console.log(`\nmemory: server RSS ${rssEmpty.toFixed(0)} MiB before, ${rssFull.toFixed(0)} MiB holding ${N} objects and ${2 * N} events (RSS counts the LMDB pages mapped in); store ${sizeMiB(path.join(dir, 'store')).toFixed(1)} MiB on disk`);
  const ids = ['creates-client-node', 'updates-client-node', 'creates', 'updates', 'watch-live', 'watch-replay'];
  rows.forEach(([what, ours, ref], i) => {
    const [title, reference] = what.split('; reference: ');
    figure({ id: `apiserver.${ids[i]}`, title, value: ours, unit: title.startsWith('watch') ? 'events/s' : 'requests/s', size: `${CONCURRENCY} requests in flight`, baseline: { label: reference ?? 'same client, a server that stores nothing', value: ref } });
  });
  figure({ id: 'apiserver.rss', title: `API server resident memory holding ${N} objects and ${2 * N} events`, value: rssFull, unit: 'MiB', size: `${N} ConfigMaps`, baseline: { label: 'empty', value: rssEmpty } });
  console.log(`lists: ${listed.items.length} of ${N} by label selector in ${listMs.toFixed(0)} ms, all ${N} in ${listAllMs.toFixed(0)} ms`);
} finally {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
