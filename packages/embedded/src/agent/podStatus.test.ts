import { buildPodStatus, type ContainerRecord, type ContainerState, interruptedPodStatus, podConditions, podPhase } from './podStatus.js';

const T = '2024-05-01T10:00:00Z';
const waiting: ContainerState = { waiting: { reason: 'ContainerCreating' } };
const running: ContainerState = { running: { startedAt: T } };
const exited = (exitCode: number): ContainerState => ({ terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: T, finishedAt: T } });
const c = (state: ContainerState, done = false, extra: Partial<ContainerRecord> = {}): ContainerRecord => ({ name: 'c', image: 'i', state, restartCount: 0, done, ...extra });

describe('podPhase', () => {
  test.each<[string, ContainerRecord[], ContainerRecord[], string]>([
    ['nothing started', [], [c(waiting)], 'Pending'],
    ['init running', [c(running)], [c(waiting)], 'Pending'],
    ['init failed and will retry', [c(exited(1))], [c(waiting)], 'Pending'],
    ['init failed for good', [c(exited(1), true)], [c(waiting)], 'Failed'],
    ['init done, main running', [c(exited(0), true)], [c(running)], 'Running'],
    ['one running, one not started', [], [c(running), c(waiting)], 'Pending'],
    ['restarting after a crash', [], [c({ waiting: { reason: 'CrashLoopBackOff' } }, false, { lastState: exited(1) })], 'Running'],
    ['exited, restart due', [], [c(exited(1))], 'Running'],
    ['all done with 0', [], [c(exited(0), true), c(exited(0), true)], 'Succeeded'],
    ['all done, one failed', [], [c(exited(0), true), c(exited(2), true)], 'Failed'],
    ['one done, one running', [], [c(exited(0), true), c(running)], 'Running'],
  ])('%s: %s', (_name, init, main, phase) => {
    expect(podPhase(init, main)).toBe(phase);
  });
});

test('conditions keep their transition time while their status holds', () => {
  const first = podConditions([], [c(waiting)], 'Pending', [], 'T1');
  expect(first.map((x) => [x.type, x.status, x.reason])).toEqual([
    ['PodScheduled', 'True', undefined],
    ['Initialized', 'True', undefined],
    ['ContainersReady', 'False', 'ContainersNotReady'],
    ['Ready', 'False', 'ContainersNotReady'],
  ]);
  const second = podConditions([], [c(running)], 'Running', first, 'T2');
  expect(second.find((x) => x.type === 'Initialized')?.lastTransitionTime).toBe('T1');
  expect(second.find((x) => x.type === 'Ready')).toMatchObject({ status: 'True', lastTransitionTime: 'T2' });
  const done = podConditions([], [c(exited(0), true)], 'Succeeded', second, 'T3');
  expect(done.find((x) => x.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted', lastTransitionTime: 'T3' });
});

test('a status lists init and main containers with their states, restart counts and addresses', () => {
  const status = buildPodStatus({
    init: [{ ...c(exited(0), true), name: 'init' }],
    main: [{ ...c(running), name: 'main', restartCount: 2, lastState: exited(1), containerID: 'process://42' }],
    startTime: T,
    hostIP: '127.0.0.1',
    podIP: '127.0.0.1',
    previousConditions: [],
    now: T,
  });
  expect(status).toMatchObject({
    phase: 'Running',
    podIP: '127.0.0.1',
    hostIPs: [{ ip: '127.0.0.1' }],
    startTime: T,
    initContainerStatuses: [{ name: 'init', ready: false, state: exited(0) }],
    containerStatuses: [{ name: 'main', ready: true, started: true, restartCount: 2, containerID: 'process://42', state: running, lastState: exited(1) }],
  });
});

test('an interrupted pod is Failed with the reason; running and waiting containers become terminated 137, finished ones stay', () => {
  const status = interruptedPodStatus(
    {
      spec: { initContainers: [{ name: 'init', image: 'i' }], containers: [{ name: 'a', image: 'ia' }, { name: 'b', image: 'ib' }] },
      status: {
        startTime: new Date(T),
        initContainerStatuses: [{ name: 'init', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: new Date(T) } } }],
        containerStatuses: [{ name: 'a', restartCount: 1, containerID: 'process://7', state: { running: { startedAt: new Date(T) } } }],
      },
    },
    { reason: 'NodeRestart', message: 'agent restarted' },
    { hostIP: '127.0.0.1', podIP: '127.0.0.1' },
    '2024-05-01T11:00:00Z',
  );
  expect(status.phase).toBe('Failed');
  expect(status.reason).toBe('NodeRestart');
  expect(status.initContainerStatuses).toMatchObject([{ name: 'init', state: { terminated: { exitCode: 0, reason: 'Completed' } } }]);
  expect(status.containerStatuses).toMatchObject([
    { name: 'a', restartCount: 1, containerID: 'process://7', state: { terminated: { exitCode: 137, reason: 'NodeRestart', startedAt: '2024-05-01T10:00:00.000Z', finishedAt: '2024-05-01T11:00:00Z' } } },
    { name: 'b', image: 'ib', state: { terminated: { exitCode: 137, reason: 'NodeRestart' } } },
  ]);
  expect(status.startTime).toBe('2024-05-01T10:00:00.000Z');
});
