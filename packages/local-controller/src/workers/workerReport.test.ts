import { describe, expect, test } from '@jest/globals';
import { decodeFrameContent, type IncrementalLearningJob, type WorkerReport } from '@sedna-ts/api-types';
import { parseWorkerReport, routeReport } from './workerReport.js';

const route = (job: IncrementalLearningJob, report: WorkerReport) => routeReport(job, report, 'incrementallearningjob');

const condition = (stage: string, type: string, round: number, data: Record<string, unknown> = {}) => ({ type, status: 'True', stage, round, data: JSON.stringify({ round, ...data }) });
const job = (round: number, conditions: unknown[]) => ({ apiVersion: 'sedna.io/v1alpha1', kind: 'IncrementalLearningJob', metadata: { name: 'helmet', namespace: 'default' }, status: { round, conditions } }) as unknown as IncrementalLearningJob;
const report = (extra: Partial<WorkerReport> = {}): WorkerReport => ({ name: 'w', namespace: 'default', ownerName: 'helmet', ownerKind: 'incrementallearningjob', kind: 'train', status: 'completed', ...extra });

describe('routeReport', () => {
  test('the round and attempt come from the condition naming the worker, even in an earlier round', () => {
    const routed = route(job(3, [condition('Train', 'Starting', 2, { worker: 'w', attempt: 3 }), condition('Train', 'Ready', 3)]), report());
    expect(routed).toMatchObject({ forward: true, round: 2, attempt: 3 });
  });

  test('a train or eval worker no condition of its stage names is not forwarded', () => {
    expect(route(job(4, [condition('Eval', 'Ready', 4, { attempt: 2 })]), report({ kind: 'eval', name: 'new-pod' }))).toEqual({ forward: false, reason: 'no Eval condition names worker new-pod' });
    expect(route(job(4, [condition('Train', 'Starting', 4, { worker: 'new-pod' })]), report({ kind: 'eval', name: 'new-pod' }))).toEqual({ forward: false, reason: 'no Eval condition names worker new-pod' });
  });

  test('a failed report carries the reason from ownerInfo; the message keeps the original shape', () => {
    const routed = route(job(1, [condition('Train', 'Starting', 1, { worker: 'w' })]), report({ status: 'failed', results: [{ format: 'onnx', url: '/x' }], ownerInfo: { reason: 'out of memory' }, reportId: 'abcdef0123' }));
    if (!routed.forward) throw new Error('not forwarded');
    expect(routed.frame.header).toEqual({ namespace: 'default', resourceKind: 'incrementallearningjob', resourceName: 'helmet', operation: 'status', messageId: 'abcdef0123' });
    expect(decodeFrameContent(routed.frame.content)).toEqual({ phase: 'train', status: 'failed', round: 1, attempt: 1, reason: 'out of memory', output: { models: [{ format: 'onnx', url: '/x' }], ownerInfo: { reason: 'out of memory' } } });
  });

  test('a report id that cannot be a message id is replaced by a UUID', () => {
    const routed = route(job(1, [condition('Train', 'Starting', 1, { worker: 'w' })]), report({ reportId: 'a b' }));
    expect(routed.forward && routed.frame.header.messageId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('parseWorkerReport', () => {
  test('kind and status are taken in any case and given in lower case', () => {
    const parsed = parseWorkerReport({ ...report(), kind: 'TRAIN', status: 'Completed', ownerKind: 'IncrementalLearningJob' }, 'w');
    expect(parsed).toEqual({ ok: true, report: { ...report(), ownerKind: 'incrementallearningjob' } });
  });
});
