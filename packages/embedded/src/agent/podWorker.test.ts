import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type V1Container, type V1Pod } from '@kubernetes/client-node';
import { childEnv, eventually, isAlive, readText, tempDir } from '../../test/agent/support/helpers.js';
import { defaultInterpreters } from './interpreters.js';
import { type PodStatusBody } from './podStatus.js';
import { PodWorker, type PodWorkerDeps } from './podWorker.js';
import { StateStore } from './stateStore.js';

let tmp: ReturnType<typeof tempDir>;
let statuses: PodStatusBody[];
let events: string[];
let deps: PodWorkerDeps;
let store: StateStore;

beforeEach(() => {
  tmp = tempDir('worker');
  statuses = [];
  events = [];
  store = new StateStore(tmp.dir, 'n1');
  deps = {
    dataDir: tmp.dir,
    store,
    baseEnv: childEnv(),
    defaultWorkingDir: tmp.dir,
    imageCommands: {},
    interpreters: defaultInterpreters(tmp.dir),
    info: { hostIP: '127.0.0.1', podIP: '127.0.0.1' },
    defaultGracePeriodSeconds: 5,
    backoff: { initialMs: 10, maxMs: 40 },
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    fetchSources: () => Promise.resolve({ configMaps: new Map(), secrets: new Map() }),
    writeStatus: (_worker, status) => {
      statuses.push(status);
      return Promise.resolve(true);
    },
    event: (_pod, _type, reason) => events.push(reason),
  };
});
afterEach(() => tmp.cleanup());

const node = (name: string, script: string): V1Container => ({ name, image: 'x', command: [process.execPath, '-e', script] });

function pod(spec: Partial<NonNullable<V1Pod['spec']>>): V1Pod {
  return { metadata: { name: 'p', namespace: 'ns', uid: 'uid-1' }, spec: { nodeName: 'n1', containers: [], ...spec } };
}

const last = (): PodStatusBody => statuses[statuses.length - 1] as PodStatusBody;
const phases = (): string[] => statuses.map((s) => s.phase).filter((p, i, all) => p !== all[i - 1]);

test('init containers run one after another before the containers; phases go Pending, Running, Succeeded', async () => {
  const order = path.join(tmp.dir, 'order');
  const append = (what: string) => `require('fs').appendFileSync(${JSON.stringify(order)}, '${what} ')`;
  const worker = new PodWorker(
    pod({
      restartPolicy: 'Never',
      initContainers: [node('i1', `${append('i1')}; setTimeout(() => {}, 50)`), node('i2', append('i2'))],
      containers: [node('a', `setTimeout(() => ${append('a')}, 100)`), node('b', `setTimeout(() => ${append('b')}, 100)`)],
    }),
    deps,
  );
  worker.start();
  await eventually('pod finished', () => worker.isFinished && last().phase === 'Succeeded');
  expect(readText(order)).toMatch(/^i1 i2 (a b|b a) $/);
  expect(phases()).toEqual(['Pending', 'Running', 'Succeeded']);
  expect(last().initContainerStatuses).toMatchObject([
    { name: 'i1', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
    { name: 'i2', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
  ]);
  expect(events.filter((e) => e === 'Started')).toHaveLength(4);
  await eventually('records removed', () => store.listPods().length === 0);
});

test('a failed init container fails the pod under restartPolicy Never; the containers never start', async () => {
  const worker = new PodWorker(pod({ restartPolicy: 'Never', initContainers: [node('init', 'process.exit(4)')], containers: [node('main', '')] }), deps);
  worker.start();
  await eventually('pod finished', () => worker.isFinished && last().phase === 'Failed');
  expect(last().initContainerStatuses).toMatchObject([{ state: { terminated: { exitCode: 4, reason: 'Error' } } }]);
  expect(last().containerStatuses).toMatchObject([{ name: 'main', state: { waiting: { reason: 'PodInitializing' } } }]);
});

test('a failed init container is retried under OnFailure until it succeeds', async () => {
  const marker = path.join(tmp.dir, 'marker');
  const script = `const fs = require('fs'); if (!fs.existsSync(${JSON.stringify(marker)})) { fs.writeFileSync(${JSON.stringify(marker)}, ''); process.exit(1); }`;
  const worker = new PodWorker(pod({ restartPolicy: 'OnFailure', initContainers: [node('init', script)], containers: [node('main', '')] }), deps);
  worker.start();
  await eventually('pod finished', () => worker.isFinished && last().phase === 'Succeeded');
  expect(last().initContainerStatuses).toMatchObject([{ restartCount: 1, lastState: { terminated: { exitCode: 1 } }, state: { terminated: { exitCode: 0 } } }]);
  expect(statuses.some((s) => s.initContainerStatuses.some((c) => (c as { state: { waiting?: { reason: string } } }).state.waiting?.reason === 'CrashLoopBackOff'))).toBe(true);
  expect(events).toContain('BackOff');
});

test('restartPolicy Always restarts even a clean exit; stop ends the loop and the pod', async () => {
  const worker = new PodWorker(pod({ restartPolicy: 'Always', containers: [node('main', "console.log('run')")] }), deps);
  worker.start();
  await eventually('two restarts', () => (last().containerStatuses[0] as { restartCount: number }).restartCount >= 2 && last().phase === 'Running');
  await worker.stop({ gracePeriodSeconds: 1, report: true });
  expect(worker.isFinished).toBe(true);
  expect(['Succeeded', 'Failed']).toContain(last().phase);
  // Each run starts a fresh log; the one before stays as previous (the last run may have been
  // stopped before it printed).
  expect(readText(path.join(tmp.dir, 'pods', 'ns', 'p', 'main.log'))).toMatch(/^(run\n)?$/);
  expect(readText(path.join(tmp.dir, 'pods', 'ns', 'p', 'main.previous.log'))).toBe('run\n');
});

test('stop with an outcome kills running processes (SIGTERM) and reports Failed with that reason', async () => {
  const pidFile = path.join(tmp.dir, 'pid');
  const worker = new PodWorker(
    pod({ restartPolicy: 'Never', containers: [node('main', `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`)] }),
    deps,
  );
  worker.start();
  const pid = Number(await eventually('pid', () => readText(pidFile)));
  expect(store.listPods()[0]?.pids.map((p) => p.pid)).toEqual([pid]);
  await worker.stop({ gracePeriodSeconds: 5, outcome: { phase: 'Failed', reason: 'NodeShutdown', message: 'bye' }, report: true });
  expect(isAlive(pid)).toBe(false);
  expect(last()).toMatchObject({ phase: 'Failed', reason: 'NodeShutdown', message: 'bye' });
  expect(last().containerStatuses).toMatchObject([{ state: { terminated: { exitCode: 143, reason: 'Error', signal: 15 } } }]);
  expect(events).toContain('Killing');
  expect(store.listPods()).toEqual([]);
});

test('activeDeadlineSeconds: past it the processes are stopped and the pod fails with reason DeadlineExceeded', async () => {
  const pidFile = path.join(tmp.dir, 'pid');
  const worker = new PodWorker(
    pod({ restartPolicy: 'Never', activeDeadlineSeconds: 1, containers: [node('main', `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`)] }),
    deps,
  );
  worker.start();
  await eventually('the pod failed', () => (statuses.some((s) => s.phase === 'Failed') ? true : undefined));
  expect(last()).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline (activeDeadlineSeconds 1)' });
  // On a loaded machine the deadline may pass before the process wrote its pid; when it did, it is gone.
  const written = readText(pidFile);
  if (written) expect(isAlive(Number(written))).toBe(false);
  expect(events).toContain('DeadlineExceeded');
});

test('a pod recreated under the same name starts with a fresh folder; the same pod keeps its own', async () => {
  const dir = path.join(tmp.dir, 'pods', 'ns', 'p');
  const first = new PodWorker(pod({ containers: [] }), deps);
  first.start();
  writeFileSync(path.join(dir, 'main.log'), 'old');
  const again = new PodWorker(pod({ containers: [] }), deps);
  again.start();
  expect(readText(path.join(dir, 'main.log'))).toBe('old');
  const namesake = new PodWorker({ ...pod({ containers: [] }), metadata: { name: 'p', namespace: 'ns', uid: 'uid-2' } }, deps);
  namesake.start();
  expect(readText(path.join(dir, 'main.log'))).toBe('');
  await eventually('workers done', () => [first, again, namesake].every((w) => w.isFinished));
});
