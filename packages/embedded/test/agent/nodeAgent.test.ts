// The node agent against the real embedded API server, through client-node as any user would.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CoordinationV1Api, CoreV1Api, KubeConfig, type V1Pod, Watch } from '@kubernetes/client-node';
import { type NodeAgent, startApiServer, startNodeAgent } from '../../src/index.js';
import { findTaggedProcesses } from '../../src/agent/procfs.js';
import { TAG_VARIABLE } from '../../src/agent/processRunner.js';
import { childEnv, eventually, isAlive, readText, tempDir } from './support/helpers.js';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const NODE = 'edge-1';

let tmp: ReturnType<typeof tempDir>;
let server: Awaited<ReturnType<typeof startApiServer>>;
let kubeConfig: KubeConfig;
let core: CoreV1Api;
let agent: NodeAgent;
let dataDir: string;
let codeDir: string;
let hostData: string;

const SCRIPTS: Record<string, string> = {
  // init.js <target> [<required>]: fails (7) unless <required> exists, then writes <target>.
  'init.js': `
    const fs = require('node:fs');
    const [target, required] = process.argv.slice(2);
    if (required && !fs.existsSync(required)) { console.error('missing ' + required); process.exit(7); }
    fs.writeFileSync(target, 'done');
    console.log('init wrote ' + target);`,
  // main.js --out=<file>: records what the process sees.
  'main.js': `
    const fs = require('node:fs');
    const out = process.argv.slice(2).find((a) => a.startsWith('--out=')).slice(6);
    const pick = ['MODEL_URL', 'MODEL_URLS', 'ACCESS', 'POD_NAME', 'NODE', 'DERIVED', 'HOSTNAME', 'FROM_ENV_FROM', 'SEDNA_NODE_AGENT_TAG'];
    fs.writeFileSync(out, JSON.stringify({
      argv: process.argv.slice(2),
      cwd: process.cwd(),
      env: Object.fromEntries(pick.map((k) => [k, process.env[k]])),
      initDone: ['first', 'second'].map((n) => fs.existsSync(process.cwd() + '/' + n)),
    }));
    console.log('main done');
    console.error('to stderr');`,
  // wait.js <flag> <code>: runs until <flag> exists, then exits with <code>.
  'wait.js': `
    const fs = require('node:fs');
    const [flag, code] = process.argv.slice(2);
    console.log('waiting for ' + flag);
    const timer = setInterval(() => { if (fs.existsSync(flag)) { clearInterval(timer); process.exit(Number(code)); } }, 20);`,
  // flaky.js <marker>: fails the first time (creating <marker>), succeeds after.
  'flaky.js': `
    const fs = require('node:fs');
    const marker = process.argv[2];
    if (!fs.existsSync(marker)) { fs.writeFileSync(marker, 'x'); console.log('first run'); process.exit(1); }
    console.log('second run');`,
  // sleeper.js <dir> <name>: records its pid and every start, notes SIGTERM, runs until stopped.
  'sleeper.js': `
    const fs = require('node:fs');
    const [dir, name] = process.argv.slice(2);
    fs.appendFileSync(dir + '/' + name + '.starts', process.pid + '\\n');
    fs.writeFileSync(dir + '/' + name + '.pid', String(process.pid));
    process.on('SIGTERM', () => { fs.writeFileSync(dir + '/' + name + '.term', 'term'); process.exit(0); });
    setInterval(() => {}, 1000);`,
  'hello.ts': `const who: string = process.argv[2] ?? 'nobody';\nconsole.log(\`hello from ts, \${who}\`);\n`,
  'hello.py': `import sys\nprint('hello from py, ' + sys.argv[1])\n`,
};

beforeAll(async () => {
  tmp = tempDir('agent-it');
  dataDir = path.join(tmp.dir, 'data');
  codeDir = path.join(tmp.dir, 'code');
  hostData = path.join(tmp.dir, 'host-data');
  mkdirSync(codeDir, { recursive: true });
  mkdirSync(hostData, { recursive: true });
  for (const [name, source] of Object.entries(SCRIPTS)) writeFileSync(path.join(codeDir, name), source);
  server = await startApiServer({ dataDir, host: '127.0.0.1', port: 0 });
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(server.kubeconfig());
  core = kubeConfig.makeApiClient(CoreV1Api);
  agent = await startNodeAgent({
    kubeConfig,
    nodeName: NODE,
    dataDir,
    logger: silent,
    env: childEnv(),
    restartBackoff: { initialMs: 50, maxMs: 200 },
    defaultGracePeriodSeconds: 5,
    imageCommands: { 'kubeedge/sedna-storage-initializer': [process.execPath, path.join(codeDir, 'init.js')] },
  });
});

afterAll(async () => {
  await agent?.stop();
  await server?.close();
  // Whatever a failed test left running carries a tag under this data dir: kill it.
  if (dataDir) for (const { pid } of findTaggedProcesses(TAG_VARIABLE, path.join(dataDir, 'agent'))) process.kill(pid, 'SIGKILL');
  tmp?.cleanup();
});

const codeVolume = () => ({ name: 'code', hostPath: { path: codeDir, type: 'Directory' } });
const dataVolume = () => ({ name: 'data', hostPath: { path: hostData, type: 'DirectoryOrCreate' } });
const mounts = [
  { name: 'code', mountPath: '/code' },
  { name: 'data', mountPath: '/home/data' },
];

function simplePod(name: string, args: string[], extra: Partial<NonNullable<V1Pod['spec']>> = {}, node = NODE): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: node,
      restartPolicy: 'Never',
      volumes: [codeVolume(), dataVolume()],
      containers: [{ name: 'main', image: 'example/app:v1', args, volumeMounts: mounts }],
      ...extra,
    },
  };
}

async function readPod(name: string): Promise<V1Pod | undefined> {
  try {
    return await core.readNamespacedPod({ name, namespace: 'default' });
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

async function podInPhase(name: string, phase: string): Promise<V1Pod> {
  let last: V1Pod | undefined;
  try {
    return await eventually(`pod ${name} in phase ${phase}`, async () => {
      last = await readPod(name);
      return last?.status?.phase === phase ? last : undefined;
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}; last seen: ${JSON.stringify(last?.status)}`);
  }
}

test('the node registers as Ready and keeps a lease in kube-node-lease', async () => {
  const node = await core.readNode({ name: NODE });
  expect(node.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
  expect(node.metadata?.labels).toMatchObject({ 'kubernetes.io/hostname': NODE, 'kubernetes.io/os': 'linux' });
  const lease = await kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: NODE, namespace: 'kube-node-lease' });
  expect(lease.spec?.holderIdentity).toBe(NODE);
});

test('init containers run first, in order; the container gets its env, mapped paths and working dir; the pod Succeeds', async () => {
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 's3' }, data: { key: Buffer.from('AKIA-123').toString('base64') } } });
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'settings' }, data: { FROM_ENV_FROM: 'yes' } } });
  const scratchMount = { name: 'scratch', mountPath: '/scratch' };
  await core.createNamespacedPod({
    namespace: 'default',
    body: {
      metadata: { name: 'full' },
      spec: {
        nodeName: NODE,
        restartPolicy: 'Never',
        volumes: [codeVolume(), dataVolume(), { name: 'scratch', emptyDir: {} }],
        initContainers: [
          { name: 'first', image: 'example/init:v1', args: ['/code/init.js', '/scratch/first'], volumeMounts: [mounts[0]!, scratchMount] },
          { name: 'second', image: 'example/init:v1', args: ['/code/init.js', '/scratch/second', '/scratch/first'], volumeMounts: [mounts[0]!, scratchMount] },
        ],
        containers: [
          {
            name: 'main',
            image: 'example/app:v1',
            args: ['/code/main.js', '--out=/home/data/full.json'],
            workingDir: '/scratch',
            envFrom: [{ configMapRef: { name: 'settings' } }],
            env: [
              { name: 'MODEL_URL', value: '/home/data/models/m.onnx' },
              { name: 'MODEL_URLS', value: '/home/data/a.pb;/home/data/b.pb' },
              { name: 'ACCESS', valueFrom: { secretKeyRef: { name: 's3', key: 'key' } } },
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
              { name: 'DERIVED', value: '$(POD_NAME)-on-$(NODE)' },
            ],
            volumeMounts: [...mounts, scratchMount],
          },
        ],
      },
    },
  });
  const pod = await podInPhase('full', 'Succeeded');
  const scratch = path.join(dataDir, 'pods', 'default', 'full', 'volumes', 'scratch');
  const seen = JSON.parse(readFileSync(path.join(hostData, 'full.json'), 'utf8'));
  expect(seen).toEqual({
    argv: [`--out=${hostData}/full.json`],
    cwd: scratch,
    env: {
      MODEL_URL: `${hostData}/models/m.onnx`,
      MODEL_URLS: `${hostData}/a.pb;${hostData}/b.pb`,
      ACCESS: 'AKIA-123',
      POD_NAME: 'full',
      NODE,
      DERIVED: `full-on-${NODE}`,
      HOSTNAME: 'full',
      FROM_ENV_FROM: 'yes',
      // The tag that finds the process again after an agent crash: state dir, pod uid, container, run.
      SEDNA_NODE_AGENT_TAG: `${path.join(dataDir, 'agent', NODE)}#${pod.metadata?.uid}#main#0`,
    },
    initDone: [true, true],
  });
  const [first, second] = pod.status?.initContainerStatuses ?? [];
  const main = pod.status?.containerStatuses?.[0];
  expect(first?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  expect(second?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  expect(main).toMatchObject({ name: 'main', image: 'example/app:v1', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
  expect(pod.status?.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('True');
  const logs = path.join(dataDir, 'pods', 'default', 'full');
  expect(readText(path.join(logs, 'main.log'))).toBe('main done\nto stderr\n');
  expect(readText(path.join(logs, 'first.log'))).toBe(`init wrote ${scratch}/first\n`);
  expect(readText(path.join(logs, 'second.log'))).toBe(`init wrote ${scratch}/second\n`);
  // The API server serves those files as pods/log, and the agent's events describe the run.
  expect(await core.readNamespacedPodLog({ name: 'full', namespace: 'default', container: 'main' })).toBe('main done\nto stderr\n');
  expect(await core.readNamespacedPodLog({ name: 'full', namespace: 'default', container: 'first' })).toBe(`init wrote ${scratch}/first\n`);
  const events = await eventually('Started events', async () => {
    const list = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=full' });
    return list.items.filter((e) => e.reason === 'Started').length === 3 ? list.items : undefined;
  });
  expect(events.every((e) => e.source?.host === NODE && e.involvedObject.uid === pod.metadata?.uid)).toBe(true);
});

test('a mapped image runs its local command; .ts scripts run with tsx, .py scripts with python3', async () => {
  const scratch = { name: 'scratch', mountPath: '/scratch' };
  await core.createNamespacedPod({
    namespace: 'default',
    body: {
      metadata: { name: 'interpreters' },
      spec: {
        nodeName: NODE,
        restartPolicy: 'Never',
        volumes: [codeVolume(), { name: 'scratch', emptyDir: {} }],
        initContainers: [{ name: 'storage-initializer', image: 'kubeedge/sedna-storage-initializer:v0.3.0', args: ['/scratch/downloaded'], volumeMounts: [scratch] }],
        containers: [
          { name: 'ts', image: 'example/app:v1', args: ['/code/hello.ts', '$(WHO)'], env: [{ name: 'WHO', value: 'edge' }], volumeMounts: [mounts[0]!] },
          { name: 'py', image: 'example/app:v1', args: ['/code/hello.py', 'edge'], volumeMounts: [mounts[0]!] },
        ],
      },
    },
  });
  const pod = await podInPhase('interpreters', 'Succeeded');
  expect(pod.status?.initContainerStatuses?.[0]).toMatchObject({ image: 'kubeedge/sedna-storage-initializer:v0.3.0', state: { terminated: { exitCode: 0 } } });
  const dir = path.join(dataDir, 'pods', 'default', 'interpreters');
  expect(readText(path.join(dir, 'volumes', 'scratch', 'downloaded'))).toBe('done');
  expect(readText(path.join(dir, 'ts.log'))).toBe('hello from ts, edge\n');
  expect(readText(path.join(dir, 'py.log'))).toBe('hello from py, edge\n');
});

test('a running pod reports Running, then Failed with the exit code and reason', async () => {
  const flag = path.join(hostData, 'go-exit3');
  await core.createNamespacedPod({ namespace: 'default', body: simplePod('exit3', ['/code/wait.js', '/home/data/go-exit3', '3']) });
  const running = await podInPhase('exit3', 'Running');
  expect(running.status?.containerStatuses?.[0]?.state?.running?.startedAt).toBeDefined();
  expect(running.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  expect(running.status?.podIP).toBe('127.0.0.1');
  writeFileSync(flag, 'go');
  const failed = await podInPhase('exit3', 'Failed');
  expect(failed.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
  expect(failed.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
});

test('restartPolicy OnFailure restarts a failed container with backoff; the previous run keeps its log', async () => {
  await core.createNamespacedPod({ namespace: 'default', body: simplePod('flaky', ['/code/flaky.js', '/home/data/flaky.marker'], { restartPolicy: 'OnFailure' }) });
  const pod = await podInPhase('flaky', 'Succeeded');
  const status = pod.status?.containerStatuses?.[0];
  expect(status?.restartCount).toBe(1);
  expect(status?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
  expect(status?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  const dir = path.join(dataDir, 'pods', 'default', 'flaky');
  expect(readText(path.join(dir, 'main.log'))).toBe('second run\n');
  expect(readText(path.join(dir, 'main.previous.log'))).toBe('first run\n');
  expect(await core.readNamespacedPodLog({ name: 'flaky', namespace: 'default', previous: true })).toBe('first run\n');
});

test('a container that cannot be started fails with StartError (exit code 128) under restartPolicy Never', async () => {
  await core.createNamespacedPod({ namespace: 'default', body: simplePod('nostart', ['run.sh']) });
  const pod = await podInPhase('nostart', 'Failed');
  expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
    exitCode: 128,
    reason: 'StartError',
    message: expect.stringContaining('args[0] "run.sh" has no known extension'),
  });
});

test('a missing secret keeps the container waiting (CreateContainerConfigError) until the secret exists', async () => {
  const pod = simplePod('needs-secret', ['/code/flaky.js', '/home/data/needs-secret.marker'], { restartPolicy: 'OnFailure' });
  pod.spec!.containers[0]!.env = [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'late', key: 'token' } } }];
  writeFileSync(path.join(hostData, 'needs-secret.marker'), 'skip the failing first run');
  await core.createNamespacedPod({ namespace: 'default', body: pod });
  const waiting = await eventually('CreateContainerConfigError', async () => {
    const current = await readPod('needs-secret');
    const state = current?.status?.containerStatuses?.[0]?.state?.waiting;
    return state?.reason === 'CreateContainerConfigError' ? state : undefined;
  });
  expect(waiting.message).toBe('Pod default/needs-secret: spec.containers[0].env[0].valueFrom.secretKeyRef: secret "late" not found');
  expect((await readPod('needs-secret'))?.status?.phase).toBe('Pending');
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'late' }, stringData: { token: 't' } } });
  await podInPhase('needs-secret', 'Succeeded');
});

test('deleting a pod stops its process with SIGTERM, then the pod goes away', async () => {
  await core.createNamespacedPod({
    namespace: 'default',
    body: simplePod('sleeper', ['/code/sleeper.js', '/home/data', 'sleeper'], { terminationGracePeriodSeconds: 5 }),
  });
  await podInPhase('sleeper', 'Running');
  const pid = Number(await eventually('sleeper pid', () => readText(path.join(hostData, 'sleeper.pid'))));
  expect(isAlive(pid)).toBe(true);
  await core.deleteNamespacedPod({ name: 'sleeper', namespace: 'default' });
  await eventually('pod gone', async () => (await readPod('sleeper')) === undefined);
  await eventually('process gone', () => !isAlive(pid));
  expect(readText(path.join(hostData, 'sleeper.term'))).toBe('term');
  await eventually('pod folder removed', () => !existsSync(path.join(dataDir, 'pods', 'default', 'sleeper')));
});

test('one agent per node and data dir; invalid options and an unreachable API are errors that name the cause', async () => {
  await expect(startNodeAgent({ kubeConfig, nodeName: NODE, dataDir, logger: silent })).rejects.toMatchObject({ code: 'AlreadyRunning' });
  await expect(startNodeAgent({ kubeConfig, nodeName: 'Edge_1', dataDir, logger: silent })).rejects.toThrow(
    'NodeAgentOptions.nodeName: "Edge_1" is not a DNS subdomain (lowercase letters, digits, \'-\' and \'.\')',
  );
  const nowhere = new KubeConfig();
  nowhere.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  // The failed start releases its lock: a second attempt fails the same way, not as AlreadyRunning.
  for (let attempt = 0; attempt < 2; attempt++) {
    await expect(startNodeAgent({ kubeConfig: nowhere, nodeName: 'edge-unreachable', dataDir, logger: silent })).rejects.toMatchObject({
      code: 'Api',
      message: expect.stringContaining('Node edge-unreachable: registration'),
    });
  }
});

describe('an agent killed with SIGKILL while a pod runs', () => {
  const CRASH_NODE = 'edge-crash';
  let child: ChildProcess | undefined;

  async function startAgentProcess(): Promise<ChildProcess> {
    const kubeconfigFile = path.join(tmp.dir, 'kubeconfig');
    await server.writeKubeconfig(kubeconfigFile);
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(__dirnameOf(), 'fixtures', 'agentMain.ts'), kubeconfigFile, CRASH_NODE, dataDir], {
      cwd: path.resolve(__dirnameOf(), '..', '..'),
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return new Promise((resolve, reject) => {
      let out = '';
      proc.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('ready\n')) resolve(proc);
      });
      proc.once('exit', (code) => reject(new Error(`agent process exited with ${code} before it was ready`)));
    });
  }

  afterAll(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
  });

  test('leaves no orphan after its restart, and the pod is Failed with NodeRestart, never run twice', async () => {
    child = await startAgentProcess();
    await core.createNamespacedPod({ namespace: 'default', body: simplePod('orphan', ['/code/sleeper.js', '/home/data', 'orphan'], {}, CRASH_NODE) });
    await podInPhase('orphan', 'Running');
    const pid = Number(await eventually('orphan pid', () => readText(path.join(hostData, 'orphan.pid'))));
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(isAlive(pid)).toBe(true); // detached: it outlives the agent, until the agent comes back

    child = await startAgentProcess();
    expect(isAlive(pid)).toBe(false);
    const pod = await podInPhase('orphan', 'Failed');
    expect(pod.status?.reason).toBe('NodeRestart');
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 137, reason: 'NodeRestart' });

    // The restarted agent does run new pods, and the interrupted one was started once only.
    await core.createNamespacedPod({ namespace: 'default', body: simplePod('after-restart', ['/code/flaky.js', '/home/data/after.marker'], { restartPolicy: 'OnFailure' }, CRASH_NODE) });
    await podInPhase('after-restart', 'Succeeded');
    expect(readText(path.join(hostData, 'orphan.starts')).trim().split('\n')).toHaveLength(1);
    expect((await readPod('orphan'))?.status?.phase).toBe('Failed');

    const stopped = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await stopped;
  });
});

test('stop() stops the pods (Failed, NodeShutdown) and marks the node NotReady; stop({ killPods: false }) leaves them to the next start', async () => {
  const options = { kubeConfig, nodeName: 'edge-stop', dataDir, logger: silent, env: childEnv(), defaultGracePeriodSeconds: 5 };
  let second = await startNodeAgent(options);
  await core.createNamespacedPod({ namespace: 'default', body: simplePod('stopped', ['/code/sleeper.js', '/home/data', 'stopped'], {}, 'edge-stop') });
  await podInPhase('stopped', 'Running');
  const pid = Number(await eventually('pid', () => readText(path.join(hostData, 'stopped.pid'))));
  await second.stop();
  expect(isAlive(pid)).toBe(false);
  const stopped = await podInPhase('stopped', 'Failed');
  expect(stopped.status?.reason).toBe('NodeShutdown');
  expect(stopped.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0); // sleeper.js exits 0 on SIGTERM
  const node = await core.readNode({ name: 'edge-stop' });
  expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');

  second = await startNodeAgent(options);
  expect((await core.readNode({ name: 'edge-stop' })).status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  await core.createNamespacedPod({ namespace: 'default', body: simplePod('detached', ['/code/sleeper.js', '/home/data', 'detached'], {}, 'edge-stop') });
  await podInPhase('detached', 'Running');
  const detachedPid = Number(await eventually('pid', () => readText(path.join(hostData, 'detached.pid'))));
  await second.stop({ killPods: false });
  expect(isAlive(detachedPid)).toBe(true);
  second = await startNodeAgent(options);
  expect(isAlive(detachedPid)).toBe(false);
  expect((await podInPhase('detached', 'Failed')).status?.reason).toBe('NodeRestart');
  await second.stop();
});

test('the agent rides out an API server restart: its watch reconnects and new pods run', async () => {
  const port = server.port;
  await server.close();
  server = await startApiServer({ dataDir, host: '127.0.0.1', port });
  await core.createNamespacedPod({
    namespace: 'default',
    body: simplePod('after-api-restart', ['/code/flaky.js', '/home/data/after-api-restart.marker'], { restartPolicy: 'OnFailure' }),
  });
  await podInPhase('after-api-restart', 'Succeeded');
});

test('after an outage longer than the watch window, the agent relists (410): it stops a pod deleted meanwhile and runs one created meanwhile', async () => {
  await core.createNamespacedPod({ namespace: 'default', body: simplePod('relist-victim', ['/code/sleeper.js', '/home/data', 'relist-victim']) });
  await podInPhase('relist-victim', 'Running');
  const victimPid = Number(await eventually('victim pid', () => readText(path.join(hostData, 'relist-victim.pid'))));
  const seen = (await core.listNamespacedPod({ namespace: 'default' })).metadata?.resourceVersion as string;
  const port = server.port;
  await server.close();

  // Meanwhile, on a server the agent does not know (another port, same store): more changes than the window keeps.
  const elsewhere = await startApiServer({ dataDir, host: '127.0.0.1', port: 0, watchWindow: 3 });
  const otherConfig = new KubeConfig();
  otherConfig.loadFromString(elsewhere.kubeconfig());
  const other = otherConfig.makeApiClient(CoreV1Api);
  await other.deleteNamespacedPod({ name: 'relist-victim', namespace: 'default', gracePeriodSeconds: 0 });
  await other.createNamespacedPod({ namespace: 'default', body: simplePod('relist-new', ['/code/flaky.js', '/home/data/relist-new.marker'], { restartPolicy: 'OnFailure' }) });
  for (let i = 0; i < 5; i++) await other.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `filler-${i}` } } });
  await elsewhere.close();

  server = await startApiServer({ dataDir, host: '127.0.0.1', port, watchWindow: 3 });
  // The version the agent had seen is gone from the window: resuming from it answers 410 Gone.
  const expired = await new Promise<number | undefined>((resolve) => {
    void new Watch(kubeConfig).watch(
      '/api/v1/pods',
      { resourceVersion: seen },
      (type, object: { code?: number }) => resolve(type === 'ERROR' ? object.code : undefined),
      () => resolve(undefined),
    );
  });
  expect(expired).toBe(410);
  await podInPhase('relist-new', 'Succeeded');
  await eventually('victim stopped', () => !isAlive(victimPid));
  await eventually('victim folder removed', () => !existsSync(path.join(dataDir, 'pods', 'default', 'relist-victim')));
}, 60_000);

function __dirnameOf(): string {
  return path.dirname(new URL(import.meta.url).pathname);
}
