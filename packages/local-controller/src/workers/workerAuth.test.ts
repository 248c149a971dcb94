import { describe, expect, test } from '@jest/globals';
import { legacyWorkerToken, mintWorkerToken, nodeToken, type WorkerRole } from '@sedna-ts/api-types/tokens';
import type { IncrementalLearningJob, WorkerReport } from '@sedna-ts/api-types';
import { authenticateWorker, bindingProblem, scopeProblem, unauthenticatedProblem, type WorkerPrincipal } from './workerAuth.js';

const KEY = nodeToken('gm-secret', 'edge-1');
const token = (pod: string, role: WorkerRole, job = 'helmet', node = 'edge-1', key = KEY) =>
  mintWorkerToken(key, { namespace: 'default', kind: 'incrementallearningjob', job, pod, node, role });
const condition = (stage: string, type: string, round: number, data: Record<string, unknown> = {}) => ({ type, status: 'True', stage, round, data: JSON.stringify({ round, ...data }) });
const job = (conditions: unknown[]) =>
  ({ apiVersion: 'sedna.io/v1alpha1', kind: 'IncrementalLearningJob', metadata: { name: 'helmet', namespace: 'default' }, status: { round: 2, conditions } }) as unknown as IncrementalLearningJob;
const report = (name: string, kind: WorkerReport['kind'], extra: Partial<WorkerReport> = {}): WorkerReport => ({
  name,
  namespace: 'default',
  ownerName: 'helmet',
  ownerKind: 'incrementallearningjob',
  kind,
  status: 'completed',
  ...extra,
});
const principal = (pod: string, role: WorkerRole, job = 'helmet'): WorkerPrincipal => {
  const auth = authenticateWorker(pod, token(pod, role, job), KEY, 'edge-1');
  if (!auth.ok) throw new Error(auth.reply.message);
  return auth.principal;
};

describe('authenticateWorker', () => {
  test('a current-form token of this pod on this node: the claims', () => {
    expect(authenticateWorker('helmet-train-a', token('helmet-train-a', 'train'), KEY, 'edge-1')).toEqual({
      ok: true,
      principal: { form: 'current', claims: { namespace: 'default', kind: 'incrementallearningjob', job: 'helmet', pod: 'helmet-train-a', node: 'edge-1', role: 'train' } },
    });
  });

  test.each<[string, string | undefined, string | undefined, number, string]>([
    ['no node key yet', 'x', undefined, 503, 'worker p: the GM has not accepted the LC of node edge-1 yet, so its worker tokens cannot be checked; retry'],
    ['another pod', token('q', 'train'), KEY, 403, 'worker p: the token is the one of worker pod q'],
    ['another node (its own key)', token('p', 'train', 'helmet', 'edge-2', nodeToken('gm-secret', 'edge-2')), KEY, 403, 'worker p: the token was not issued for a worker on node "edge-2" by this node\'s credentials'],
    ['claims another node, signed with ours', token('p', 'train', 'helmet', 'edge-2'), KEY, 403, 'worker p: the token is for a worker on node edge-2, not on node edge-1'],
    ['old form of another pod', legacyWorkerToken(KEY, 'q'), KEY, 403, 'worker p: the token is not the one of this worker on node edge-1'],
    ['garbage', 'Bearer-ish', KEY, 403, 'worker p: the token is not a worker token'],
  ])('%s: refused', (_what, given, key, status, message) => {
    expect(authenticateWorker('p', given, key, 'edge-1')).toEqual({ ok: false, reply: { status, message } });
  });

  test('no token: principal none (the report handler takes it only for a job that opts in), even before the node key is known', () => {
    expect(authenticateWorker('p', undefined, KEY, 'edge-1')).toEqual({ ok: true, principal: { form: 'none' } });
    expect(authenticateWorker('p', undefined, undefined, 'edge-1')).toEqual({ ok: true, principal: { form: 'none' } });
  });

  test('an old-form token of this pod: a legacy principal', () => {
    expect(authenticateWorker('p', legacyWorkerToken(KEY, 'p'), KEY, 'edge-1')).toEqual({ ok: true, principal: { form: 'legacy', pod: 'p' } });
  });
});

describe('scopeProblem', () => {
  test('a worker reports only about its own job, in its own role', () => {
    expect(scopeProblem(principal('helmet-train-a', 'train'), report('helmet-train-a', 'train'))).toBeUndefined();
    expect(scopeProblem(principal('helmet-infer-a', 'inference'), report('helmet-infer-a', 'deploy'))).toBeUndefined();
    expect(scopeProblem(principal('helmet-infer-a', 'inference'), report('helmet-infer-a', 'inference'))).toBeUndefined();
    expect(scopeProblem(principal('a-train-a', 'train', 'a'), report('a-train-a', 'train'))).toBe('worker a-train-a: its token is for incrementallearningjob default/a, not for incrementallearningjob default/helmet');
    expect(scopeProblem(principal('helmet-train-a', 'train'), report('helmet-train-a', 'train', { namespace: 'other' }))).toContain('not for incrementallearningjob other/helmet');
    expect(scopeProblem(principal('helmet-train-a', 'train'), report('helmet-train-a', 'train', { ownerKind: 'lifelonglearningjob' }))).toContain('not for lifelonglearningjob default/helmet');
    expect(scopeProblem(principal('helmet-train-a', 'train'), report('helmet-train-a', 'deploy'))).toBe(
      'worker helmet-train-a: it is the train worker of incrementallearningjob default/helmet; deploy reports come from its inference worker',
    );
    expect(scopeProblem(principal('helmet-eval-a', 'eval'), report('helmet-eval-a', 'train'))).toContain('train reports come from its train worker');
  });
});

describe('bindingProblem', () => {
  const conditions = [
    condition('Train', 'Starting', 1, { worker: 'helmet-train-1' }),
    condition('Train', 'Completed', 1, { worker: 'helmet-train-1' }),
    condition('Deploy', 'Starting', 1, { worker: 'helmet-infer-a' }),
    condition('Train', 'Starting', 2, { worker: 'helmet-train-2' }),
    condition('Train', 'Running', 2),
  ];

  test('a train or eval report needs a condition of its stage naming the pod', () => {
    const current = principal('helmet-train-2', 'train');
    expect(bindingProblem(job(conditions), current, report('helmet-train-2', 'train'))).toBeUndefined();
    expect(bindingProblem(job(conditions), principal('helmet-train-9', 'train'), report('helmet-train-9', 'train'))).toEqual({
      status: 503,
      message: 'worker helmet-train-9: no condition of IncrementalLearningJob default/helmet known to this LC names it yet; retry',
    });
    expect(bindingProblem(job(conditions), principal('helmet-train-2', 'eval'), report('helmet-train-2', 'eval'))?.status).toBe(403);
  });

  test('an old-form token is bound to the job by its conditions, and only while its pod is the current worker of the stage', () => {
    const legacy = (pod: string): WorkerPrincipal => ({ form: 'legacy', pod });
    expect(bindingProblem(job(conditions), legacy('helmet-train-2'), report('helmet-train-2', 'train'))).toBeUndefined();
    expect(bindingProblem(job(conditions), legacy('helmet-train-1'), report('helmet-train-1', 'train'))).toEqual({
      status: 403,
      message: 'worker helmet-train-1: an old-form token is accepted only from the current Train worker of IncrementalLearningJob default/helmet, which is pod helmet-train-2',
    });
    expect(bindingProblem(job(conditions), legacy('helmet-infer-a'), report('helmet-infer-a', 'deploy', { ownerInfo: { model_version: '1' } }))).toBeUndefined();
    expect(bindingProblem(job(conditions), legacy('other-infer-b'), report('other-infer-b', 'deploy'))?.status).toBe(403);
    // Inference statistics are not forwarded: an old inference worker may keep sending them.
    expect(bindingProblem(job(conditions), legacy('helmet-infer-b'), report('helmet-infer-b', 'inference'))).toBeUndefined();
    // Current-form tokens of the inference worker need no condition (it lives across rounds).
    expect(bindingProblem(job(conditions), principal('helmet-infer-b', 'inference'), report('helmet-infer-b', 'deploy'))).toBeUndefined();
  });
});

describe('unauthenticatedProblem (a report without a token)', () => {
  const conditions = [
    condition('Train', 'Starting', 2, { worker: 'helmet-train-old' }),
    condition('Train', 'Starting', 2, { worker: 'helmet-train-new', attempt: 2 }),
    condition('Deploy', 'Starting', 1, { worker: 'helmet-infer-a' }),
  ];
  const optedIn = (annotations: Record<string, string> | undefined = { 'sedna.io/worker-auth': 'none' }) => {
    const j = job(conditions);
    if (annotations) j.metadata.annotations = annotations;
    return j;
  };
  const here = () => 'edge-1';

  test('taken from the current worker of its stage and the serving inference worker, on this node', () => {
    expect(unauthenticatedProblem(optedIn(), report('helmet-train-new', 'train'), 'edge-1', here)).toBeUndefined();
    expect(unauthenticatedProblem(optedIn(), report('helmet-infer-a', 'deploy'), 'edge-1', here)).toBeUndefined();
  });

  test.each<[string, Record<string, string> | undefined, string, WorkerReport['kind'], number, string]>([
    ['no opt-in', {}, 'helmet-train-new', 'train', 401, 'worker helmet-train-new: no Authorization: Bearer <SEDNA_WORKER_TOKEN> header; IncrementalLearningJob default/helmet does not take reports without a token (its annotation sedna.io/worker-auth: none would let its own pods report without one)'],
    ['another value', { 'sedna.io/worker-auth': 'off' }, 'helmet-train-new', 'train', 401, 'worker helmet-train-new: no Authorization: Bearer <SEDNA_WORKER_TOKEN> header; IncrementalLearningJob default/helmet: metadata.annotations["sedna.io/worker-auth"]: "off" is not "none" (the only value; remove the annotation to require worker tokens)'],
    ['a worker of a previous attempt', { 'sedna.io/worker-auth': 'none' }, 'helmet-train-old', 'train', 403, 'worker helmet-train-old: without a token (sedna.io/worker-auth: none) a train report is taken only from the current train worker of IncrementalLearningJob default/helmet, which is pod helmet-train-new'],
    ['no eval worker named yet', { 'sedna.io/worker-auth': 'none' }, 'helmet-eval-x', 'eval', 403, 'worker helmet-eval-x: without a token (sedna.io/worker-auth: none) an eval report is taken only from the current eval worker of IncrementalLearningJob default/helmet, which is not named yet'],
    ['the train worker sending a deploy report', { 'sedna.io/worker-auth': 'none' }, 'helmet-train-new', 'deploy', 403, 'worker helmet-train-new: without a token (sedna.io/worker-auth: none) a deploy report is taken only from the current serving inference worker of IncrementalLearningJob default/helmet, which is pod helmet-infer-a'],
  ])('%s: refused', (_what, annotations, name, kind, status, message) => {
    expect(unauthenticatedProblem(optedIn(annotations), report(name, kind), 'edge-1', here)).toEqual({ status, message });
  });

  test('a worker of another node is refused: without a token only the pods of this node report here', () => {
    expect(unauthenticatedProblem(optedIn(), report('helmet-infer-a', 'deploy'), 'edge-1', (stage) => (stage === 'Deploy' ? 'edge-2' : 'edge-1'))).toEqual({
      status: 403,
      message: 'worker helmet-infer-a: the serving inference worker of IncrementalLearningJob default/helmet runs on node edge-2, not on node edge-1; without a token only the pods of this node report here',
    });
  });
});
