// Node agent overhead: a pod's way from create to Succeeded through the embedded API server and the
// node agent (watch event, status writes, pid files, log file), against spawning the same process
// directly, in one run. Needs the package built:
//   npx nx run @sedna-ts/embedded:build && node bench/node-agent/run.mjs [pods=30]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { startApiServer, startNodeAgent } from '@sedna-ts/embedded';
import { figure } from '../lib/figures.mjs';

const PODS = Number(process.argv[2] ?? 30);
const SCRIPT = "require('node:fs'); console.log('done')";
const quiet = { debug() {}, info() {}, warn() {}, error() {}, trace() {}, fatal() {}, child() { return quiet; } };

function spawnAndWait() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', SCRIPT], { stdio: 'ignore', detached: true });
    child.once('error', reject);
    child.once('exit', resolve);
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(path.join(os.tmpdir(), 'sedna-bench-agent-'));
const server = await startApiServer({ dataDir: dir, port: 0, logger: quiet });
const kubeConfig = new KubeConfig();
kubeConfig.loadFromString(server.kubeconfig());
const core = kubeConfig.makeApiClient(CoreV1Api);
const agent = await startNodeAgent({ kubeConfig, nodeName: 'bench', dataDir: dir, logger: quiet });
await core.createNamespace({ body: { metadata: { name: 'bench' } } });

// One watch resolves the wait for each pod as soon as it is Succeeded.
const waiting = new Map();
const watch = await new Watch(kubeConfig).watch('/api/v1/namespaces/bench/pods', {}, (_type, pod) => {
  if (pod.status?.phase === 'Succeeded') waiting.get(pod.metadata.name)?.();
}, () => {});
let serial = 0;
function runPod() {
  const name = `p${serial++}`;
  const done = new Promise((resolve) => waiting.set(name, resolve));
  const body = { metadata: { name }, spec: { nodeName: 'bench', restartPolicy: 'Never', containers: [{ name: 'main', image: 'bench', command: [process.execPath, '-e', SCRIPT] }] } };
  return core.createNamespacedPod({ namespace: 'bench', body }).then(() => done);
}

async function sequential(fn) {
  const times = [];
  for (let i = 0; i < PODS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}
async function concurrent(fn) {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: PODS }, fn));
  return (PODS / (performance.now() - t0)) * 1000;
}

await sequential(spawnAndWait); // warm-up
const bareOne = await sequential(spawnAndWait);
const agentOne = await sequential(runPod);
const bareMany = await concurrent(spawnAndWait);
const agentMany = await concurrent(runPod);

watch.abort();
await agent.stop();
await server.close();
rmSync(dir, { recursive: true, force: true });

console.log(`node agent overhead, ${PODS} pods of \`node -e\` (${os.availableParallelism()} cores)`);
console.log('                                  bare spawn   through API + agent   ratio');
console.log(`one at a time, median ms/pod      ${bareOne.toFixed(1).padStart(10)}   ${agentOne.toFixed(1).padStart(19)}   ${(agentOne / bareOne).toFixed(2)}x`);
console.log(`${PODS} at once, pods/s               ${bareMany.toFixed(1).padStart(10)}   ${agentMany.toFixed(1).padStart(19)}   ${(agentMany / bareMany).toFixed(2)}x`);
figure({ id: 'node-agent.one', title: 'pod create to Succeeded, one at a time (median)', value: agentOne, unit: 'ms', size: `${PODS} pods of \`node -e\``, baseline: { label: 'spawning the process directly', value: bareOne } });
figure({ id: 'node-agent.many', title: `pods/s, ${PODS} at once`, value: agentMany, unit: 'pods/s', size: `${PODS} pods of \`node -e\``, baseline: { label: 'spawning the processes directly', value: bareMany } });
