import type { V1Pod } from '@kubernetes/client-node';
import { describePodFailure, observePod } from './observedPod.js';

function pod(labels: Record<string, string>, status: V1Pod['status'] = {}): V1Pod {
  return { metadata: { name: 'helmet-train-abcde', labels }, spec: { nodeName: 'edge-1', containers: [] }, status };
}

const labels = { 'incrementallearningjob.sedna.io/worker-type': 'train', 'sedna.io/round': '3', 'sedna.io/attempt': '2' };

test('stage, round and attempt come from the labels, never from the name', () => {
  expect(observePod(pod(labels, { phase: 'Running' }), 'incrementallearningjob')).toEqual({
    name: 'helmet-train-abcde',
    workerType: 'train',
    round: 3,
    attempt: 2,
    phase: 'Running',
    deleting: false,
    nodeName: 'edge-1',
  });
  expect(observePod(pod({}), 'incrementallearningjob')).toBeUndefined();
  expect(observePod(pod({ 'incrementallearningjob.sedna.io/worker-type': 'aggregator' }), 'incrementallearningjob')).toBeUndefined();
});

test('a pod of the original (no round or attempt label) counts as round 0, attempt 1', () => {
  const o = observePod(pod({ 'incrementallearningjob.sedna.io/worker-type': 'eval' }), 'incrementallearningjob');
  expect(o).toMatchObject({ round: 0, attempt: 1, phase: 'Pending' });
});

test('a failed pod says why: exit code, signal, reason, message of each failed container, or its eviction', () => {
  const failed = pod(labels, {
    phase: 'Failed',
    containerStatuses: [
      { name: 'train-worker', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: new Date('2025-06-01T12:00:00Z') } } },
      { name: 'sidecar', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, finishedAt: new Date('2025-06-01T11:59:00Z') } } },
      { name: 'helper', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 2, message: 'bad input\n' } } },
    ],
  });
  const o = observePod(failed, 'incrementallearningjob');
  expect(o?.failure).toBe('container train-worker exited with code 137 (signal 9 SIGKILL), reason OOMKilled; container helper exited with code 2: bad input');
  expect(o?.finishedAt).toBe('2025-06-01T12:00:00.000Z');
  expect(describePodFailure(pod(labels, { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }))).toBe('pod Evicted: The node was low on resource: memory.');
  expect(describePodFailure(pod(labels, { phase: 'Failed' }))).toBe('pod failed');
  // An init container that failed under restartPolicy Never fails the pod: the storage initializer names the missing model.
  const init = pod(labels, {
    phase: 'Failed',
    initContainerStatuses: [{ name: 'storage-initializer', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, message: 's3://models/base.onnx: NoSuchKey\n' } } }],
    containerStatuses: [{ name: 'train-worker', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
  });
  expect(describePodFailure(init)).toBe('container storage-initializer exited with code 1: s3://models/base.onnx: NoSuchKey');
});

test("a kubelet's termination message (the raw log) reaches the failure without tokens or terminal escapes", () => {
  const node = 'be'.repeat(32);
  const failed = pod(labels, {
    phase: 'Failed',
    containerStatuses: [
      { name: 'train-worker', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, message: `\x1b]0;title\x07token=x_sw1.eyJucyI6ImEifQ.mac\nnode ${node}\n` } } },
    ],
  });
  expect(observePod(failed, 'incrementallearningjob')?.failure).toBe('container train-worker exited with code 1: \\x1b]0;title\\x07token=x_sw1.<redacted>\nnode <redacted>');
});

test("a kubelet's termination message with one huge line keeps 512 bytes of it, and the lines after it", () => {
  const failed = pod(labels, {
    phase: 'Failed',
    containerStatuses: [{ name: 'train-worker', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, message: `${'y'.repeat(36_000)}\nError: out of memory` } } }],
  });
  const [first, second] = observePod(failed, 'incrementallearningjob')!.failure!.split('\n');
  expect(first).toMatch(/^container train-worker exited with code 1: y+ … \(\d+ bytes cut\)$/);
  expect(Buffer.byteLength(first!.slice('container train-worker exited with code 1: '.length))).toBeLessThanOrEqual(512);
  expect(second).toBe('Error: out of memory');
});

test('a pod being deleted is marked so', () => {
  const p = pod(labels, { phase: 'Running' });
  p.metadata!.deletionTimestamp = new Date();
  expect(observePod(p, 'incrementallearningjob')?.deleting).toBe(true);
});

test('a pending pod says what it waits for: a waiting container, a failed init container, an unmet condition', () => {
  const waiting = pod(labels, {
    phase: 'Pending',
    initContainerStatuses: [{ name: 'storage-initializer', image: 'x', imageID: '', ready: false, restartCount: 3, state: { terminated: { exitCode: 1, message: 's3://models/base.onnx: NoSuchKey\n' } } }],
    containerStatuses: [{ name: 'train-worker', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
    conditions: [{ type: 'Initialized', status: 'False', message: 'containers with incomplete status: [storage-initializer]' }],
  });
  expect(observePod(waiting, 'incrementallearningjob')?.waiting).toBe(
    'container storage-initializer exited with code 1: s3://models/base.onnx: NoSuchKey; Initialized: containers with incomplete status: [storage-initializer]',
  );
  const pulling = pod(labels, { phase: 'Pending', containerStatuses: [{ name: 'train-worker', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } } }] });
  expect(observePod(pulling, 'incrementallearningjob')?.waiting).toBe('container train-worker: ImagePullBackOff: Back-off pulling image "x"');
  expect(observePod(pod(labels, { phase: 'Pending' }), 'incrementallearningjob')?.waiting).toBeUndefined();
});

test('a container that keeps exiting with a failure is crashing; one that exits 0, or restarted less, is not', () => {
  const status = (restartCount: number, exitCode: number): V1Pod['status'] => ({
    phase: 'Running',
    containerStatuses: [{ name: 'infer', image: 'x', imageID: '', ready: false, restartCount, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode } } }],
  });
  const infer = { 'incrementallearningjob.sedna.io/worker-type': 'inference' };
  expect(observePod(pod(infer, status(4, 3)), 'incrementallearningjob')?.crashing).toBe('container infer exited with code 3 (restarted 4 times)');
  expect(observePod(pod(infer, status(2, 3)), 'incrementallearningjob')?.crashing).toBeUndefined();
  expect(observePod(pod(infer, status(5, 0)), 'incrementallearningjob')?.crashing).toBeUndefined();
});
