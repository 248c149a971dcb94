/**
 * Global Manager replicas against one real API server: only the leader reconciles and takes LCs; when
 * it dies (SIGKILL, in a process of its own) a follower takes over once the lease expired, and when it
 * stops gracefully the lease is released and a follower takes over at once; none creates a duplicate
 * pod.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiextensionsV1Api, CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import type { IncrementalLearningJob } from '@sedna-ts/api-types';
import { startGlobalManager, type GlobalManager } from '../src/gm/globalManager.js';
import { nodeToken } from '@sedna-ts/api-types/tokens';
import { createSedna, eventually, getJob, jobPods, startCluster, testLogger, trail, type RecordingLogger, type TestCluster } from './cluster.js';
import { NODE, makeJob } from './fixtures.js';
import { FakeLc } from './lcClient.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECRET = 'leader-election-test-secret-0123';

let cluster: TestCluster;
let leases: CoordinationV1Api;
let child: ChildProcess | undefined;
const gms: GlobalManager[] = [];
const lcs: FakeLc[] = [];

function manifest(name: string): IncrementalLearningJob {
  const job = makeJob({ name });
  job.metadata = { name, namespace: 'default' };
  return job;
}

async function inferencePods(job: string): Promise<string[]> {
  return (await jobPods(cluster, job)).filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.name ?? '');
}

async function lease(): Promise<V1Lease> {
  return leases.readNamespacedLease({ namespace: 'default', name: 'sedna-gm' });
}

async function startGm(identity: string, leaseDurationSeconds: number, logger: RecordingLogger): Promise<GlobalManager> {
  const gm = await startGlobalManager({
    kubeConfig: cluster.kc,
    secret: SECRET,
    websocket: { address: '127.0.0.1', port: 0 },
    backoff: { initialMs: 50, maxMs: 500 },
    watchBackoff: { initialMs: 50, maxMs: 500 },
    leaderElection: { identity, leaseDurationSeconds, renewDeadlineSeconds: Math.min(1, leaseDurationSeconds / 2), retryPeriodSeconds: 0.1 },
    logger,
  });
  gms.push(gm);
  return gm;
}

/** A GM in its own process (so it can be killed), started as the first replica: it leads. */
async function startChildGm(identity: string, leaseDurationSeconds: number): Promise<{ port: number; leader: boolean }> {
  const kubeconfig = path.join(cluster.dir, 'kubeconfig');
  writeFileSync(kubeconfig, cluster.server.kubeconfig());
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && e[0] !== 'NODE_OPTIONS'));
  child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/gmProcess.ts'), kubeconfig, identity, String(leaseDurationSeconds)], {
    cwd: path.resolve(here, '..'),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    child?.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as { port: number; leader: boolean });
    });
    child?.once('exit', (code) => reject(new Error(`the GM process exited (${code}) before it started: ${err}`)));
  });
}

beforeAll(async () => {
  cluster = await startCluster();
  leases = cluster.kc.makeApiClient(CoordinationV1Api);
  await createSedna(cluster, 'datasets', { apiVersion: 'sedna.io/v1alpha1', kind: 'Dataset', metadata: { name: 'helmet-data' }, spec: { url: '/data/helmet/index.txt', format: 'txt', nodeName: NODE } });
  for (const [name, url, format] of [
    ['initial-model', '/models/initial/model.json', 'tfjs'],
    ['deploy-model', '/models/deploy/model.onnx', 'onnx'],
  ]) {
    await createSedna(cluster, 'models', { apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name }, spec: { url, format } });
  }
});

afterAll(async () => {
  for (const lc of lcs) lc.close();
  child?.kill('SIGKILL');
  await Promise.all(gms.map((gm) => gm.stop()));
  await cluster?.close();
});

test('only the leader reconciles; a killed leader is replaced once its lease expired; a stopped one hands over at once; no duplicate pod', async () => {
  // Replica A, in its own process, leads. Its renewals are read off the Lease from now on.
  const a = await startChildGm('gm-a', 2);
  expect(a.leader).toBe(true);
  let lastRenewOfA = 0;
  const seeA = (l: V1Lease): void => {
    if (l.spec?.holderIdentity === 'gm-a') lastRenewOfA = Math.max(lastRenewOfA, new Date(l.spec.renewTime as unknown as string).getTime());
  };
  let watchingA = true;
  const polling = (async () => {
    while (watchingA) {
      // The server gone (the test failed and its cluster closed) ends the reads.
      const read = await lease().then(
        (l) => seeA(l),
        () => 'gone' as const,
      );
      if (read === 'gone') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const lcA = await FakeLc.connect(`ws://127.0.0.1:${a.port}/`, NODE, nodeToken(SECRET, NODE));
  lcs.push(lcA);
  lcA.hello('http://127.0.0.1:39100');
  await lcA.until((r) => r.some((f) => f.header.operation === 'hello'), 'the hello of A');

  // Replica B follows: not ready, refuses LCs, reconciles nothing.
  const logB = testLogger('gm-b');
  const b = await startGm('gm-b', 30, logB);
  expect(b.isLeader()).toBe(false);
  const readyB = await fetch(`${b.wsUrl.replace('ws:', 'http:')}readyz`);
  expect({ status: readyB.status, body: await readyB.text() }).toEqual({ status: 503, body: 'this global manager replica (gm-b) is not the leader; the leader is gm-a\n' });
  await expect(FakeLc.connect(b.wsUrl, NODE, b.nodeToken(NODE))).rejects.toMatchObject({ statusCode: 503 });

  await createSedna(cluster, 'incrementallearningjobs', manifest('first'));
  const [firstPod] = await eventually('A to create the inference pod of the first job', async () => {
    const pods = await inferencePods('first');
    return pods.length > 0 ? pods : undefined;
  });
  // The pod is created before the status is written.
  await eventually('the first job at (Train, Waiting)', async () => (trail(await getJob(cluster, 'first')).includes('Train/Waiting/0') ? true : undefined));
  expect(logB.entries.filter((e) => e.msg === 'worker pod created' || e.msg.startsWith('reconcile'))).toEqual([]);

  // A dies without a word. B takes over, but not before A's lease expired. A's last renewal is the
  // newest renewTime seen on the Lease while A held it (read every 100 ms since A started, and once
  // more after A is frozen with SIGSTOP). (On a loaded machine A can lose the Lease before it is frozen;
  // what must hold is the same: B took it at least a lease duration after A's last renewal.)
  child?.kill('SIGSTOP');
  seeA(await lease());
  watchingA = false;
  await polling;
  expect(lastRenewOfA).toBeGreaterThan(0);
  child?.kill('SIGKILL');
  await new Promise((resolve) => child?.once('exit', resolve));
  child = undefined;
  await eventually('B to lead', () => (b.isLeader() ? true : undefined), 15_000);
  const takenByB = await lease();
  expect(takenByB.spec?.holderIdentity).toBe('gm-b');
  // The leader says on its Lease which kinds it handles (sedna apply and describe read it).
  expect(takenByB.metadata?.annotations?.['sedna.io/kinds']).toBe('IncrementalLearningJob,LifelongLearningJob');
  expect(takenByB.metadata?.labels?.['sedna.io/global-manager']).toBe('true');
  expect(new Date(takenByB.spec?.acquireTime as unknown as string).getTime() - lastRenewOfA).toBeGreaterThanOrEqual(2000);
  expect((await fetch(`${b.wsUrl.replace('ws:', 'http:')}readyz`)).status).toBe(200);

  // B reconciles: the LC reconnects to it, the first job keeps its one pod, a new job gets its pod from B.
  const lcB = await FakeLc.connect(b.wsUrl, NODE, b.nodeToken(NODE));
  lcs.push(lcB);
  lcB.hello('http://127.0.0.1:39100');
  await lcB.until((r) => r.some((f) => f.header.operation === 'insert' && f.header.resourceName === 'first'), 'the first job on the LC');
  await createSedna(cluster, 'incrementallearningjobs', manifest('second'));
  const [secondPod] = await eventually('B to create the pod of the second job', async () => {
    const pods = await inferencePods('second');
    return pods.length > 0 ? pods : undefined;
  });
  expect(logB.entries.some((e) => e.msg === 'worker pod created' && (e.fields as { pod?: string }).pod === secondPod)).toBe(true);
  expect(await inferencePods('first')).toEqual([firstPod]);

  // Replica C follows B; B stops gracefully: the lease (30 s) is released and C leads long before it would expire.
  const logC = testLogger('gm-c');
  const c = await startGm('gm-c', 30, logC);
  expect(c.isLeader()).toBe(false);
  await b.stop();
  expect((await lease()).spec?.holderIdentity).not.toBe('gm-b');
  await eventually('C to lead', () => (c.isLeader() ? true : undefined), 10_000);
  const lcC = await FakeLc.connect(c.wsUrl, NODE, c.nodeToken(NODE));
  lcs.push(lcC);
  lcC.hello('http://127.0.0.1:39100');
  await lcC.until((r) => r.some((f) => f.header.operation === 'hello'), 'the hello of C');
  // C adopts what A and B created: no duplicate, however often it reconciles.
  await new Promise((r) => setTimeout(r, 500));
  expect(await inferencePods('first')).toEqual([firstPod]);
  expect(await inferencePods('second')).toEqual([secondPod]);
  expect(logC.entries.filter((e) => e.msg === 'worker pod created')).toEqual([]);
});

test('a replica that takes over but cannot start (a CRD gone) hands the lease over instead of holding it idle', async () => {
  const leader = gms.at(-1) as GlobalManager;
  expect(leader.isLeader()).toBe(true);
  const logD = testLogger('gm-d');
  const d = await startGm('gm-d', 2, logD);
  expect(d.isLeader()).toBe(false);
  await cluster.kc.makeApiClient(ApiextensionsV1Api).deleteCustomResourceDefinition({ name: 'models.sedna.io' });
  await leader.stop();
  await eventually('D to give up', () => (logD.entries.some((e) => e.msg === 'could not start leading; handing the lease over') ? true : undefined), 15_000);
  const entry = logD.entries.find((e) => e.msg === 'could not start leading; handing the lease over');
  expect((entry?.fields as { error?: string }).error).toContain('install the sedna.io CRDs');
  await eventually('the lease released', async () => ((await lease()).spec?.holderIdentity === undefined ? true : undefined));
  expect(d.isLeader()).toBe(false);
  expect((await fetch(`${d.wsUrl.replace('ws:', 'http:')}readyz`)).status).toBe(503);
});
