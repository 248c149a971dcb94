import type { IncrementalLearningJob, IncrementalLearningJobStatus, JobCondition } from '@sedna-ts/api-types';
import type { ObservedPod } from './observedPod.js';
import {
  DEPLOY_DECISION,
  EVAL_INPUT,
  NODE,
  NOW,
  TRAIN_INPUT,
  at,
  cond,
  makeJob,
  makeWorld,
  pod,
} from '../../test/fixtures.js';
import { REPORT_REFUSED_REASON, reportRefusalMessage } from '@sedna-ts/api-types/contract';
import { conditionData, messagesBound, FULL_MESSAGES } from './conditions.js';
import { incrementalLearningPolicy } from '../kinds/incrementalLearningJob/index.js';
import { TRIGGER_ANNOTATION } from './labels.js';
import { DEFAULT_DECIDE_OPTIONS, decide, type JobDecision, type JobWorld, type PendingReport } from './stateMachine.js';

const INFER = pod({ name: 'helmet-infer-aaaaa', workerType: 'inference', round: 0, attempt: 0 });

function run(job: IncrementalLearningJob, world: Partial<JobWorld> = {}, options = DEFAULT_DECIDE_OPTIONS): JobDecision<IncrementalLearningJobStatus> {
  return decide(job, makeWorld(world), incrementalLearningPolicy, options);
}

/** The conditions the decision appended, as `Stage/Type/round[/reason]`. */
function appended(job: IncrementalLearningJob, decision: JobDecision): string[] {
  const before = job.status?.conditions?.length ?? 0;
  return (decision.status.conditions ?? []).slice(before).map((c) => `${c.stage}/${c.type}/${c.round}${c.reason ? `/${c.reason}` : ''}`);
}

/** The actions, as short strings. */
function actions(decision: JobDecision): string[] {
  return decision.actions.map((a) => {
    if (a.type === 'createPod') return `create ${a.request.workerType} ${a.request.name} r${a.request.round} a${a.request.attempt}`;
    if (a.type === 'deletePod') return `delete ${a.name}`;
    if (a.type === 'event') return `event ${a.eventType} ${a.reason}: ${a.message}`;
    return `remove annotation ${a.key}`;
  });
}

function last(decision: JobDecision): JobCondition {
  const conditions = decision.status.conditions ?? [];
  return conditions[conditions.length - 1] as JobCondition;
}

function report(message: PendingReport['message'], id = 'm1'): PendingReport {
  return { id, node: NODE, message };
}

describe('decide: the rows of the original table (sedna-notes 2.4.1), with the fixed outcomes', () => {
  test('no condition: records startTime and round 0, appends (Train, Waiting), creates the inference pod', () => {
    const job = makeJob();
    const d = run(job, { pods: [] });
    expect(appended(job, d)).toEqual(['Train/Waiting/0']);
    expect(d.status.startTime).toBe(NOW.toISOString());
    expect(d.status.round).toBe(0);
    expect(d.status.lastGoodModel).toEqual({ format: 'onnx', url: '/models/deploy/model.onnx' });
    expect(actions(d)).toEqual(['create inference helmet-infer-x7k2q r0 a0']);
    expect(d.actions[0]).toMatchObject({ request: { nodeName: NODE, modelUrl: '/models/deploy/model.onnx' } });
    expect(d.statusChanged).toBe(true);
  });

  test('no condition and no deploy template: (Train, Waiting) and no pod', () => {
    const job = makeJob({ inference: false });
    const d = run(job, { pods: [] });
    expect(appended(job, d)).toEqual(['Train/Waiting/0']);
    expect(d.actions).toEqual([]);
  });

  test('Waiting: the GM does nothing, the LC decides', () => {
    for (const stage of ['Train', 'Eval', 'Deploy'] as const) {
      const job = makeJob({ conditions: [cond(stage, 'Waiting', 1)], round: 1 });
      const d = run(job);
      expect(appended(job, d)).toEqual([]);
      expect(d.actions).toEqual([]);
      expect(d.statusChanged).toBe(false);
    }
  });

  test.each(['Train', 'Eval'] as const)('(%s, Ready) without a pod: creates the pod and appends Starting with the worker name', (stage) => {
    const input = stage === 'Train' ? TRAIN_INPUT : EVAL_INPUT;
    const job = makeJob({ conditions: [cond(stage, 'Waiting', 1), cond(stage, 'Ready', 1, { data: { input } })], round: 1 });
    const d = run(job);
    const type = stage === 'Train' ? 'train' : 'eval';
    expect(actions(d)).toEqual([`create ${type} helmet-${type}-x7k2q r1 a1`]);
    expect(d.actions[0]).toMatchObject({ request: { input } });
    expect(appended(job, d)).toEqual([`${stage}/Starting/1`]);
    expect(conditionData(last(d))).toMatchObject({ worker: `helmet-${type}-x7k2q`, attempt: 1, round: 1, input });
  });

  test('(Train, Ready) with its pod already there (a status write was lost): no second pod, Starting names the existing one', () => {
    const job = makeJob({ conditions: [cond('Train', 'Ready', 1, { data: { input: TRAIN_INPUT } })], round: 1 });
    const existing = pod({ name: 'helmet-train-old01', workerType: 'train', phase: 'Pending' });
    const d = run(job, { pods: [INFER, existing] });
    expect(d.actions).toEqual([]);
    expect(appended(job, d)).toEqual(['Train/Starting/1']);
    expect(conditionData(last(d)).worker).toBe('helmet-train-old01');
  });

  test('(Train, Ready) while a pod is only expected (the informer lags behind our create): no second pod', () => {
    const job = makeJob({ conditions: [cond('Train', 'Ready', 1)], round: 1 });
    const expected = pod({ name: 'helmet-train-exp01', workerType: 'train', phase: 'Pending', expected: true });
    expect(run(job, { pods: [INFER, expected] }).actions).toEqual([]);
  });

  test('(Deploy, Ready), hot update: (Deploy, Starting) naming the running inference pod, no pod action', () => {
    const job = makeJob({ conditions: [cond('Deploy', 'Ready', 1, { data: { input: EVAL_INPUT, decision: DEPLOY_DECISION } })], round: 1 });
    const d = run(job);
    expect(d.actions).toEqual([]);
    expect(appended(job, d)).toEqual(['Deploy/Starting/1', 'Deploy/Running/1']);
    expect(conditionData(last(d))).toMatchObject({ worker: INFER.name, decision: DEPLOY_DECISION });
  });

  test('(Deploy, Ready), cold update: the inference pod is replaced by one serving the new model', () => {
    const job = makeJob({ hot: false, conditions: [cond('Deploy', 'Ready', 1, { data: { input: EVAL_INPUT, decision: DEPLOY_DECISION } })], round: 1 });
    const d = run(job);
    expect(actions(d)).toEqual(['delete helmet-infer-aaaaa', 'create inference helmet-infer-x7k2q r1 a1']);
    expect(d.actions[1]).toMatchObject({ request: { modelUrl: '/output/helmet/train/1/model.onnx' } });
    expect(appended(job, d)).toEqual(['Deploy/Starting/1']);
  });

  test('(Deploy, Ready) without an inference worker: (Deploy, Running), the LC publishes', () => {
    const job = makeJob({ inference: false, conditions: [cond('Deploy', 'Ready', 1, { data: { input: EVAL_INPUT } })], round: 1 });
    const d = run(job, { pods: [] });
    expect(appended(job, d)).toEqual(['Deploy/Running/1']);
    expect(d.actions).toEqual([]);
  });

  test.each(['Train', 'Eval'] as const)('(%s, Starting) and its pod Running: (%s, Running)', (stage) => {
    const type = stage === 'Train' ? 'train' : 'eval';
    const job = makeJob({ conditions: [cond(stage, 'Starting', 1, { data: { worker: `helmet-${type}-abcde` } })], round: 1 });
    const d = run(job, { pods: [INFER, pod({ name: `helmet-${type}-abcde`, workerType: type })] });
    expect(appended(job, d)).toEqual([`${stage}/Running/1`]);
    expect(conditionData(last(d)).worker).toBe(`helmet-${type}-abcde`);
  });

  test('(Train, Starting), its pod Running something else than its image: (Train, Running) says what runs', () => {
    const job = makeJob({ conditions: [cond('Train', 'Starting', 1, { data: { worker: 'helmet-train-abcde' } })], round: 1 });
    const substitution = 'container train-worker: image "helmet:v1" has no local command on this node (...); running "python3 /code/train.py" instead';
    const d = run(job, { pods: [INFER, pod({ name: 'helmet-train-abcde', workerType: 'train', substitution })] });
    expect(last(d)).toMatchObject({ stage: 'Train', type: 'Running', message: substitution });
  });

  test('(Train, Starting) with its pod Pending: nothing yet', () => {
    const job = makeJob({ conditions: [cond('Train', 'Starting', 1, { data: { worker: 'helmet-train-abcde' } })], round: 1 });
    const d = run(job, { pods: [INFER, pod({ name: 'helmet-train-abcde', workerType: 'train', phase: 'Pending' })] });
    expect(d.statusChanged).toBe(false);
  });

  test('(Deploy, Starting), hot, inference pod Running: (Deploy, Running)', () => {
    const job = makeJob({ conditions: [cond('Deploy', 'Starting', 1, { data: { worker: INFER.name } })], round: 1 });
    expect(appended(job, run(job))).toEqual(['Deploy/Running/1']);
  });

  test('(Deploy, Starting), cold, the new inference pod Running: (Deploy, Completed), then the round ends', () => {
    const job = makeJob({
      hot: false,
      conditions: [
        cond('Deploy', 'Ready', 1, { data: { input: EVAL_INPUT, decision: DEPLOY_DECISION } }),
        cond('Deploy', 'Starting', 1, { data: { worker: 'helmet-infer-new01', input: EVAL_INPUT, decision: DEPLOY_DECISION } }),
      ],
      round: 1,
    });
    const d = run(job, { pods: [{ ...INFER, deleting: true }, pod({ name: 'helmet-infer-new01', workerType: 'inference', round: 1, attempt: 1 })] });
    expect(appended(job, d)).toEqual(['Deploy/Completed/1', 'Train/Waiting/1']);
    expect(d.status.lastGoodModel).toEqual(EVAL_INPUT.models[0]);
    expect(d.actions).toEqual([]);
  });

  test('(Train, Running) and its pod Succeeded with no report yet: waits for the rest of the grace period', () => {
    const job = makeJob({ conditions: [cond('Train', 'Running', 1, { data: { worker: 'helmet-train-abcde' } })], round: 1 });
    const d = run(job, { pods: [INFER, pod({ name: 'helmet-train-abcde', workerType: 'train', phase: 'Succeeded', finishedAt: at(-20) })] });
    expect(appended(job, d)).toEqual([]);
    expect(d.requeueAfterMs).toBe(40_000);
  });

  test('[fix] pod Succeeded and no report within reportGraceSeconds: (Train, Failed) NoReport', () => {
    const job = makeJob({ conditions: [cond('Train', 'Running', 1, { data: { worker: 'helmet-train-abcde' } })], round: 1 });
    const d = run(job, { pods: [INFER, pod({ name: 'helmet-train-abcde', workerType: 'train', phase: 'Succeeded', finishedAt: at(-61) })] });
    expect(appended(job, d)).toEqual(['Train/Failed/1/NoReport']);
    expect(last(d).message).toBe(`worker pod helmet-train-abcde succeeded at ${at(-61)} but the report of its stage did not arrive within 60s`);
  });

  test('pod Succeeded and its report refused by the LC: NoReport says it was refused, with the code and the reason the LC counted', () => {
    const job = makeJob({ conditions: [cond('Train', 'Running', 1, { data: { worker: 'helmet-train-abcde' } })], round: 1 });
    const pods = [INFER, pod({ name: 'helmet-train-abcde', workerType: 'train', phase: 'Succeeded', finishedAt: at(-61) })];
    // Without the pod's events read, the decision asks for them (the loop decides again with them).
    expect(run(job, { pods }).wantsPodEvents).toEqual(['helmet-train-abcde']);
    const refusal = `${REPORT_REFUSED_REASON}: ${reportRefusalMessage({ node: NODE, reportKind: 'train', worker: 'helmet-train-abcde', code: 401, reason: 'no-token', detail: 'worker helmet-train-abcde: no Authorization: Bearer <SEDNA_WORKER_TOKEN> header' })}`;
    const d = run(job, { pods, podEvents: new Map([['helmet-train-abcde', ['BackOff: something else', refusal]]]) });
    expect(last(d)).toMatchObject({ reason: 'NoReport' });
    expect(last(d).message).toBe(
      `worker pod helmet-train-abcde succeeded at ${at(-61)} but its report was refused and none was taken within 60s: the LC of node ${NODE} refused its train report (401 no-token): worker helmet-train-abcde: no Authorization: Bearer <SEDNA_WORKER_TOKEN> header`,
    );
    // No refusal among its events: it did not arrive.
    const none = run(job, { pods, podEvents: new Map([['helmet-train-abcde', []]]) });
    expect(last(none).message).toBe(`worker pod helmet-train-abcde succeeded at ${at(-61)} but the report of its stage did not arrive within 60s`);
  });

  test('pod Succeeded and the report arrives: (S, Completed) with the output', () => {
    const job = makeJob({ conditions: [cond('Eval', 'Running', 1, { data: { worker: 'helmet-eval-abcde', input: EVAL_INPUT } })], round: 1 });
    const output = { models: [{ format: 'onnx', url: '/output/helmet/train/1/model.onnx', metrics: { precision: [0.9] } }] };
    const d = run(job, {
      pods: [INFER, pod({ name: 'helmet-eval-abcde', workerType: 'eval', phase: 'Succeeded', finishedAt: at(-5) })],
      reports: [report({ phase: 'eval', status: 'completed', round: 1, output })],
    });
    expect(appended(job, d)).toEqual(['Eval/Completed/1', 'Deploy/Waiting/1']);
    const completed = d.status.conditions?.[1] as JobCondition;
    expect(conditionData(completed)).toMatchObject({ output, input: EVAL_INPUT, worker: 'helmet-eval-abcde' });
    expect(d.reportOutcomes).toEqual([{ id: 'm1', result: 'applied' }]);
  });

  test.each(['Starting', 'Running'] as const)('(Train, %s) and its pod Failed: (Train, Failed) with the exit reason', (type) => {
    const job = makeJob({ conditions: [cond('Train', type, 1, { data: { worker: 'helmet-train-abcde' } })], round: 1 });
    const failure = 'container train-worker exited with code 137 (signal 9 SIGKILL)';
    const d = run(job, { pods: [INFER, pod({ name: 'helmet-train-abcde', workerType: 'train', phase: 'Failed', failure })] });
    expect(appended(job, d)).toEqual(['Train/Failed/1/PodFailed']);
    expect(last(d).message).toBe(`worker pod helmet-train-abcde failed: ${failure}`);
  });

  test('a report and the end of its pod in one reconcile: the report decides, the pod\'s end fails nothing', () => {
    const job = makeJob({ conditions: [cond('Train', 'Running', 1, { data: { worker: 'helmet-train-abcde' } })], round: 1 });
    const d = run(job, {
      pods: [INFER, pod({ name: 'helmet-train-abcde', workerType: 'train', phase: 'Failed', failure: 'exit 1' })],
      reports: [report({ phase: 'train', status: 'completed', round: 1 })],
    });
    expect(appended(job, d)).toEqual(['Train/Completed/1', 'Eval/Waiting/1']);
  });

  test('(Deploy, Starting), cold, the new inference pod gone: (Deploy, Failed) PodDeleted naming it', () => {
    const job = makeJob({ hot: false, conditions: [cond('Deploy', 'Starting', 1, { data: { worker: 'helmet-infer-new01' } })], round: 1 });
    const d = run(job, { pods: [] });
    expect(appended(job, d)).toEqual(['Deploy/Failed/1/PodDeleted']);
    expect(last(d).message).toBe('inference pod helmet-infer-new01 was deleted before it served the new model');
    // Until the retry, the last good model is served again.
    expect(actions(d)).toEqual(['create inference helmet-infer-x7k2q r1 a0']);
    expect(d.actions[0]).toMatchObject({ request: { modelUrl: '/models/deploy/model.onnx' } });
  });

  test('(Train, Running) and its pod gone: (Train, Failed) PodDeleted', () => {
    const job = makeJob({ conditions: [cond('Train', 'Running', 1, { data: { worker: 'helmet-train-abcde' } })], round: 1 });
    const d = run(job);
    expect(appended(job, d)).toEqual(['Train/Failed/1/PodDeleted']);
  });

  test('Completed: the next stage waits (Train -> Eval -> Deploy)', () => {
    const train = makeJob({ conditions: [cond('Train', 'Completed', 1)], round: 1 });
    expect(appended(train, run(train))).toEqual(['Eval/Waiting/1']);
    const evalJob = makeJob({ conditions: [cond('Eval', 'Completed', 1)], round: 1 });
    expect(appended(evalJob, run(evalJob))).toEqual(['Deploy/Waiting/1']);
  });

  test('[fix #381] (Deploy, Completed): the round ends, status keeps the decision and the new model, and (Train, Waiting) starts the next', () => {
    const job = makeJob({
      conditions: [
        cond('Deploy', 'Ready', 1, { data: { input: EVAL_INPUT, decision: DEPLOY_DECISION } }),
        cond('Deploy', 'Starting', 1),
        cond('Deploy', 'Running', 1),
        cond('Deploy', 'Completed', 1),
      ],
      round: 1,
    });
    const d = run(job);
    expect(appended(job, d)).toEqual(['Train/Waiting/1']);
    expect(d.status.lastDecision).toEqual(DEPLOY_DECISION);
    expect(d.status.lastGoodModel).toEqual(EVAL_INPUT.models[0]);
    expect(d.status.round).toBe(1);
  });

  test('[fix] Failed leads to a retry after the backoff, not straight to (Train, Waiting)', () => {
    const job = makeJob({
      conditions: [cond('Train', 'Ready', 1, { data: { input: TRAIN_INPUT } }), cond('Train', 'Failed', 1, { ago: 11, reason: 'PodFailed', message: 'exit 1' })],
      round: 1,
    });
    const d = run(job);
    expect(appended(job, d)).toEqual(['Train/Ready/1/Retry', 'Train/Starting/1']);
    expect(conditionData(d.status.conditions?.[2]).input).toEqual(TRAIN_INPUT);
    expect(conditionData(last(d))).toMatchObject({ attempt: 2, worker: 'helmet-train-x7k2q' });
    expect(actions(d)).toEqual(['create train helmet-train-x7k2q r1 a2']);
  });
});

describe('decide: LC reports', () => {
  test('(Train, Waiting) + (Train, Ready) report: a new round, round = R+1, the input recorded', () => {
    const job = makeJob({ conditions: [cond('Train', 'Waiting', 3)], round: 3 });
    const d = run(job, { reports: [report({ phase: 'Train', status: 'Ready', round: 4, input: TRAIN_INPUT })] });
    expect(d.status.round).toBe(4);
    expect(appended(job, d)).toEqual(['Train/Ready/4', 'Train/Starting/4']);
    expect(d.reportOutcomes[0]?.result).toBe('applied');
    expect(d.status.conditions?.[1]?.message).toBe(`reported by the local controller of node ${NODE}`);
  });

  test('(Train, Waiting) with a reason: the waiting condition says what it waits for, in place; a new reason replaces the old one', () => {
    const job = makeJob({ conditions: [cond('Train', 'Waiting', 3)], round: 3 });
    const first = run(job, { reports: [report({ phase: 'Train', status: 'Waiting', round: 3, reason: '12 of 50 samples (num_of_samples >= 50)' })] });
    expect(first.reportOutcomes).toEqual([{ id: 'm1', result: 'applied' }]);
    expect(appended(job, first)).toEqual([]);
    const waiting = first.status.conditions?.at(-1);
    expect(waiting).toMatchObject({ stage: 'Train', type: 'Waiting', message: '12 of 50 samples (num_of_samples >= 50)', lastTransitionTime: job.status?.conditions?.[0]?.lastTransitionTime });
    expect(conditionData(waiting!)).toMatchObject({ round: 3, waitingFor: '12 of 50 samples (num_of_samples >= 50)' });
    const second = run({ ...job, status: first.status }, { reports: [report({ phase: 'train', status: 'waiting', round: 3, reason: 'timer 02:00-04:00, now 15:10' }, 'm2')] });
    expect(second.status.conditions?.at(-1)?.message).toBe('timer 02:00-04:00, now 15:10');
    expect(second.status.conditions).toHaveLength(1);
  });

  test("(Train, Waiting) keeps the condition's own message (a failed round's) and puts the reason after it", () => {
    const failed = { ...cond('Train', 'Waiting', 2), reason: 'RoundFailed', message: 'round 2 failed: its samples are back in the pools' };
    const job = makeJob({ conditions: [failed], round: 2 });
    const d = run(job, { reports: [report({ phase: 'Train', status: 'Waiting', round: 2, reason: 'no index at /data/index.txt; 0 of 50 samples (num_of_samples >= 50)' })] });
    expect(d.status.conditions?.at(-1)).toMatchObject({ reason: 'RoundFailed', message: 'round 2 failed: its samples are back in the pools; no index at /data/index.txt; 0 of 50 samples (num_of_samples >= 50)' });
    const again = run({ ...job, status: d.status }, { reports: [report({ phase: 'Train', status: 'Waiting', round: 2, reason: '3 of 50 samples (num_of_samples >= 50)' }, 'm2')] });
    expect(again.status.conditions?.at(-1)?.message).toBe('round 2 failed: its samples are back in the pools; 3 of 50 samples (num_of_samples >= 50)');
  });

  test('(Train, Waiting) of another round, after the stage moved on, or without a reason is ignored and changes nothing', () => {
    const job = makeJob({ conditions: [cond('Train', 'Waiting', 3)], round: 3 });
    expect(run(job, { reports: [report({ phase: 'Train', status: 'Waiting', round: 2, reason: 'x' })] }).reportOutcomes[0]).toMatchObject({ result: 'ignored' });
    expect(run(job, { reports: [report({ phase: 'Train', status: 'Waiting', round: 3 })] }).reportOutcomes[0]).toMatchObject({ result: 'ignored', detail: '(Train, Waiting) without a reason says nothing' });
    const moved = makeJob({ conditions: [cond('Train', 'Waiting', 3), cond('Train', 'Ready', 4)], round: 4 });
    const d = run(moved, { reports: [report({ phase: 'Train', status: 'Waiting', round: 3, reason: '1 of 50 samples' })], pods: [INFER, pod({ name: 'helmet-train-abcde', workerType: 'train', round: 4, phase: 'Pending' })] });
    expect(d.reportOutcomes[0]).toMatchObject({ result: 'ignored' });
    expect(d.status.conditions?.every((c) => !c.message?.includes('1 of 50'))).toBe(true);
  });

  test('an original LC report without a round: the next round', () => {
    const job = makeJob({ conditions: [cond('Train', 'Waiting', 3)], round: 3 });
    const d = run(job, { reports: [report({ phase: 'train', status: 'ready', input: TRAIN_INPUT })] });
    expect(d.status.round).toBe(4);
  });

  test('a replayed (Train, Ready) of a round already started is acknowledged and ignored', () => {
    const job = makeJob({ conditions: [cond('Train', 'Waiting', 3), cond('Train', 'Ready', 4)], round: 4 });
    const d = run(job, { reports: [report({ phase: 'Train', status: 'Ready', round: 4 })], pods: [INFER, pod({ name: 'helmet-train-abcde', workerType: 'train', round: 4, phase: 'Pending' })] });
    expect(d.reportOutcomes[0]).toMatchObject({ result: 'ignored' });
    expect(appended(job, d)).toEqual(['Train/Starting/4']);
  });

  test('(Train, Ready) for a round not after the current one is ignored', () => {
    const job = makeJob({ conditions: [cond('Train', 'Waiting', 3)], round: 3 });
    const d = run(job, { reports: [report({ phase: 'Train', status: 'Ready', round: 3 })] });
    expect(d.reportOutcomes[0]).toEqual({ id: 'm1', result: 'ignored', detail: 'round 3 is not after round 3' });
    expect(d.statusChanged).toBe(false);
  });

  test('(Eval, Waiting) + (Eval, Ready): the eval pod is created', () => {
    const job = makeJob({ conditions: [cond('Eval', 'Waiting', 2)], round: 2 });
    const d = run(job, { reports: [report({ phase: 'Eval', status: 'Ready', round: 2, input: EVAL_INPUT })] });
    expect(appended(job, d)).toEqual(['Eval/Ready/2', 'Eval/Starting/2']);
    expect(actions(d)).toEqual(['create eval helmet-eval-x7k2q r2 a1']);
  });

  test('(Deploy, Waiting) + (Deploy, Completed) with decision Keep: the round ends, the model stays', () => {
    const keep = { ...DEPLOY_DECISION, decision: 'Keep' as const, reason: 'precision_delta 0.01 <= 0.1' };
    const job = makeJob({ conditions: [cond('Deploy', 'Waiting', 1)], round: 1 });
    const d = run(job, { reports: [report({ phase: 'Deploy', status: 'Completed', round: 1, decision: keep })] });
    expect(appended(job, d)).toEqual(['Deploy/Completed/1', 'Train/Waiting/1']);
    expect(d.status.lastDecision).toEqual(keep);
    expect(d.status.lastGoodModel).toEqual({ format: 'onnx', url: '/models/deploy/model.onnx' });
  });

  test('(Deploy, Running) + the inference worker\'s deploy report: the round ends with the new model', () => {
    const job = makeJob({
      conditions: [cond('Deploy', 'Ready', 2, { data: { input: EVAL_INPUT, decision: { ...DEPLOY_DECISION, round: 2 } } }), cond('Deploy', 'Starting', 2), cond('Deploy', 'Running', 2)],
      round: 2,
    });
    const d = run(job, { reports: [report({ phase: 'deploy', status: 'completed', round: 2 })] });
    expect(appended(job, d)).toEqual(['Deploy/Completed/2', 'Train/Waiting/2']);
    expect(d.status.lastGoodModel).toEqual(EVAL_INPUT.models[0]);
    expect(d.status.lastDecision?.round).toBe(2);
  });

  test('a round without a decision from the LC (an original LC) is recorded from the deploy trigger', () => {
    const job = makeJob({ conditions: [cond('Deploy', 'Ready', 1, { data: { input: EVAL_INPUT } }), cond('Deploy', 'Running', 1), cond('Deploy', 'Completed', 1)], round: 1 });
    const d = run(job);
    expect(d.status.lastDecision).toMatchObject({ round: 1, decision: 'Deploy', metric: 'precision_delta', operator: '>', threshold: 0.1 });
  });

  test('(Train, Running) + a failed report: (Train, Failed) with the worker\'s reason', () => {
    const job = makeJob({ conditions: [cond('Train', 'Running', 1, { data: { worker: 'helmet-train-abcde' } })], round: 1 });
    const d = run(job, { reports: [report({ phase: 'train', status: 'failed', round: 1, reason: 'loss is NaN' })], pods: [INFER, pod({ name: 'helmet-train-abcde', workerType: 'train' })] });
    expect(appended(job, d)).toEqual(['Train/Failed/1/WorkerFailed']);
    expect(last(d).message).toBe(`loss is NaN (reported by the local controller of node ${NODE})`);
  });

  test('(Eval, Running) + a failed report with no reason but ownerInfo.error (the original library): the error is the message, tokens redacted', () => {
    const job = makeJob({ conditions: [cond('Eval', 'Running', 1, { data: { worker: 'helmet-eval-abcde' } })], round: 1 });
    const error = `ValueError: labelled/c00001.png garbage: not a label\n  token sw1.${'a'.repeat(20)}.${'b'.repeat(20)}\x1b[2J`;
    const d = run(job, { reports: [report({ phase: 'eval', status: 'failed', round: 1, output: { ownerInfo: { error } } })], pods: [INFER, pod({ name: 'helmet-eval-abcde', workerType: 'eval' })] });
    expect(appended(job, d)).toEqual(['Eval/Failed/1/WorkerFailed']);
    expect(last(d).message).toBe(`the worker reported failure: ValueError: labelled/c00001.png garbage: not a label\n  token sw1.<redacted>\\x1b[2J (reported by the local controller of node ${NODE})`);
  });

  test('reports for another round, stage or attempt are acknowledged and ignored', () => {
    const job = makeJob({ conditions: [cond('Eval', 'Running', 2, { data: { attempt: 2, worker: 'helmet-eval-abcde' } })], round: 2 });
    const live = { pods: [INFER, pod({ name: 'helmet-eval-abcde', workerType: 'eval', round: 2, attempt: 2 })] };
    const d = run(job, {
      ...live,
      reports: [
        report({ phase: 'eval', status: 'completed', round: 1 }, 'a'),
        report({ phase: 'train', status: 'completed', round: 2 }, 'b'),
        report({ phase: 'eval', status: 'failed', round: 2, attempt: 1 }, 'c'),
        report({ phase: 'eval', status: 'running', round: 2 }, 'd'),
      ],
    });
    expect(d.reportOutcomes.map((o) => o.result)).toEqual(['ignored', 'ignored', 'ignored', 'ignored']);
    expect(d.statusChanged).toBe(false);
  });

  test('a report with an unknown phase or status is rejected', () => {
    const job = makeJob({ conditions: [cond('Train', 'Waiting', 0)] });
    const d = run(job, { reports: [report({ phase: 'inference', status: 'completed' }, 'a'), report({ phase: 'train', status: 'done' }, 'b')] });
    expect(d.reportOutcomes).toEqual([
      { id: 'a', result: 'rejected', detail: 'phase "inference" is not train, eval or deploy' },
      { id: 'b', result: 'rejected', detail: 'status "done" is not a stage state' },
    ]);
  });

  test('reports in one batch apply in order', () => {
    const job = makeJob({ conditions: [cond('Train', 'Running', 1, { data: { worker: 'helmet-train-abcde' } })], round: 1 });
    const d = run(job, {
      pods: [INFER, pod({ name: 'helmet-train-abcde', workerType: 'train', phase: 'Succeeded' })],
      reports: [report({ phase: 'train', status: 'completed', round: 1, output: { models: [] } }, 'a'), report({ phase: 'eval', status: 'ready', round: 1, input: EVAL_INPUT }, 'b')],
    });
    expect(appended(job, d)).toEqual(['Train/Completed/1', 'Eval/Waiting/1', 'Eval/Ready/1', 'Eval/Starting/1']);
    expect(d.reportOutcomes.map((o) => o.result)).toEqual(['applied', 'applied']);
  });
});

describe('decide: retries and failed rounds', () => {
  const failedAt = (attempt: number, ago: number): IncrementalLearningJob =>
    makeJob({
      conditions: [
        cond('Eval', 'Ready', 2, { data: { input: EVAL_INPUT, attempt: Math.max(1, attempt - 1) } }),
        cond('Eval', 'Failed', 2, { ago, reason: 'PodFailed', message: 'worker pod x failed: exit 1', data: { attempt } }),
      ],
      round: 2,
    });

  test.each([
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
  ])('attempt %i failed: the retry waits %i ms', (attempt, delay) => {
    const early = run(failedAt(attempt, delay / 1000 - 1));
    expect(early.statusChanged).toBe(false);
    expect(early.requeueAfterMs).toBe(1000);
    const due = failedAt(attempt, delay / 1000);
    const d = run(due);
    expect(appended(due, d)).toEqual(['Eval/Ready/2/Retry', 'Eval/Starting/2']);
    expect(conditionData(last(d)).attempt).toBe(attempt + 1);
    expect(d.status.conditions?.[2]?.message).toBe(`attempt ${attempt + 1} of 4 after: worker pod x failed: exit 1`);
  });

  test('the backoff doubles up to 5 minutes', () => {
    const options = { ...DEFAULT_DECIDE_OPTIONS, maxAttempts: 10 };
    expect(run(failedAt(6, 0), {}, options).requeueAfterMs).toBe(300_000);
    expect(run(failedAt(5, 0), {}, options).requeueAfterMs).toBe(160_000);
  });

  test('attempt 4 failed: the round fails and (Train, Waiting) RoundFailed names it so the LC returns its samples', () => {
    const job = failedAt(4, 0);
    const d = run(job);
    expect(appended(job, d)).toEqual(['Train/Waiting/2/RoundFailed']);
    expect(conditionData(last(d))).toMatchObject({ failedRound: 2, round: 2 });
    expect(last(d).message).toBe('round 2 failed (Eval failed 4 times): the next round starts no earlier than 2025-06-01T12:00:10.000Z, a backoff of 10s after round 2 failed; last failure: worker pod x failed: exit 1');
    expect(conditionData(last(d)).notBefore).toBe('2025-06-01T12:00:10.000Z');
    expect(d.status.round).toBe(2);
  });

  test('rounds that keep failing with 2 KiB of log each keep the status bounded: only the newest failures keep their log lines', () => {
    // The worker's log tail as the node agent puts it in the pod's termination message (80 lines, 2 KiB).
    const failure = (n: number) => `container train exited with code 1, reason Error: Traceback (most recent call last):\n${Array.from({ length: 60 }, (_, i) => `  File "/code/train.py", line ${i}, in step ${n}`).join('\n').slice(0, 1900)}\nValueError: run ${n} diverged`;
    let job = makeJob({ conditions: [], round: 0 });
    let now = NOW.getTime();
    let pods: ObservedPod[] = [INFER];
    const sizes = new Map<number, number>();
    let runs = 0;
    for (let step = 0; step < 5000 && sizes.size < 18; step++) {
      const latest = job.status?.conditions?.at(-1);
      const notBefore = latest ? conditionData(latest).notBefore : undefined;
      const idle = latest?.stage === 'Train' && latest.type === 'Waiting';
      if (idle && notBefore && Date.parse(notBefore) > now) now = Date.parse(notBefore);
      const round = (job.status?.round ?? 0) + 1;
      const reports = idle ? [report({ phase: 'train', status: 'ready', round, input: TRAIN_INPUT }, `r${round}`)] : [];
      const d = run(job, { now: new Date(now), pods, reports, nameSuffix: `s${String(step).padStart(4, '0')}` });
      for (const action of d.actions) {
        if (action.type === 'deletePod') pods = pods.filter((p) => p.name !== action.name);
        // Every train worker fails at once with a log tail of its own.
        if (action.type === 'createPod' && action.request.workerType === 'train') {
          pods.push(pod({ ...action.request, phase: 'Failed', failure: failure(++runs), finishedAt: new Date(now).toISOString() }));
        }
      }
      job = { ...job, status: d.status };
      if (d.status.conditions?.at(-1)?.reason === 'RoundFailed') sizes.set(d.status.round ?? 0, Buffer.byteLength(JSON.stringify(d.status)));
      now += d.requeueAfterMs ?? 1000;
    }
    const conditions = job.status?.conditions ?? [];
    expect(sizes.size).toBe(18);
    expect(conditions).toHaveLength(DEFAULT_DECIDE_OPTIONS.maxConditions);
    // The stated bound: the newest 3 long messages whole (4 KiB at most), every other one line of 256 bytes at most.
    const messages = conditions.map((c) => c.message ?? '');
    expect(messages.reduce((sum, m) => sum + Buffer.byteLength(m), 0)).toBeLessThanOrEqual(messagesBound(conditions.length));
    expect(messages.filter((m) => m.includes('\n'))).toHaveLength(FULL_MESSAGES);
    expect(messages.filter((m) => m.includes(`ValueError: run ${runs} diverged`)).length).toBeGreaterThan(0);
    const latestFailure = conditions.filter((c) => c.type === 'Failed').at(-1);
    expect(latestFailure?.message).toContain(`line 3, in step ${runs}`);
    // An older failure keeps its reason, its first line and its last.
    const older = conditions.find((c) => c.type === 'Failed');
    expect(older?.reason).toBe('PodFailed');
    expect(older?.message).toMatch(/^worker pod \S+ failed: container train exited with code 1, reason Error: Traceback \(most recent call last\): … ValueError: run \d+ diverged$/);
    // The status as a whole: within its conditions without messages plus the bound; it stops growing once
    // the conditions are capped (200: after 15 rounds here); and after 5 rounds it is far below what 2 KiB
    // per failure, copied into the retries and the round's end, made it (115 KB).
    const stripped = Buffer.byteLength(JSON.stringify({ ...job.status, conditions: conditions.map(({ message: _m, ...c }) => c) }));
    expect(sizes.get(18)).toBeLessThanOrEqual(stripped + messagesBound(conditions.length));
    expect((sizes.get(18) as number) - (sizes.get(16) as number)).toBeLessThan(1024);
    expect(sizes.get(5)).toBeLessThan(50_000);
  });

  test('a train pod still Pending 10 minutes after (Train, Starting): the stage fails with StartTimeout naming what the pod waits for, and the pod goes', () => {
    const starting = (ago: number) => makeJob({ conditions: [cond('Train', 'Starting', 1, { ago, data: { input: TRAIN_INPUT, worker: 'helmet-train-aaaaa' } })], round: 1 });
    const pending = pod({ name: 'helmet-train-aaaaa', workerType: 'train', phase: 'Pending', waiting: 'container storage-initializer exited with code 1: /models/base.onnx: no such file' });
    const early = run(starting(60), { pods: [pending, INFER] });
    expect(early.actions).toEqual([]);
    expect(early.requeueAfterMs).toBe(540_000);
    const late = run(starting(601), { pods: [pending, INFER] });
    expect(last(late)).toMatchObject({
      stage: 'Train',
      type: 'Failed',
      reason: 'StartTimeout',
      message: 'worker pod helmet-train-aaaaa did not start within 600s: container storage-initializer exited with code 1: /models/base.onnx: no such file',
    });
    expect(actions(late)).toEqual(['delete helmet-train-aaaaa']);
    // The loop reads the pod's events for the message, and decides again with them.
    expect(late.wantsPodEvents).toEqual(['helmet-train-aaaaa']);
  });

  test('(Train, Waiting) after a failed round says first when the next round may start and why, and keeps saying it while the LC is away', () => {
    const log = Array.from({ length: 40 }, (_, i) => `  File "train.py", line ${i}`).join('\n');
    const failed = makeJob({
      conditions: [
        cond('Train', 'Waiting', 1, { reason: 'RoundFailed', data: { failedRound: 1 } }),
        cond('Train', 'Ready', 2, { data: { input: TRAIN_INPUT } }),
        cond('Train', 'Failed', 2, { reason: 'PodFailed', message: `worker pod p failed: container train exited with code 1, reason Error: Traceback\n${log}\nValueError: bad`, data: { attempt: 4 } }),
      ],
      round: 2,
    });
    const d = run(failed);
    const message = last(d).message as string;
    expect(message).toBe('round 2 failed (Train failed 4 times): the next round starts no earlier than 2025-06-01T12:00:20.000Z, a backoff of 20s after 2 failed rounds in a row, the last round 2; last failure: worker pod p failed: container train exited with code 1, reason Error: Traceback … ValueError: bad');
    // The LC of the dataset's node goes away: the blocker comes first, the not-before stays; and alone once it is back.
    const away = run({ ...failed, status: d.status }, { connectedNodes: new Set() });
    expect(last(away).message).toBe(`waiting for the local controller of node ${NODE} to connect (the node of Dataset default/helmet-data: its samples are counted there); ${message}`);
    const back = run({ ...failed, status: away.status });
    expect(last(back).message).toBe(message);
    expect(conditionData(last(back))).toEqual(conditionData(last(d)));
  });

  test('consecutive failed rounds back off the next one: 10 s doubling to 5 min, reset by a round that completes', () => {
    const failedRound = (round: number) => cond('Train', 'Waiting', round, { reason: 'RoundFailed', data: { failedRound: round } });
    const notBefore = (earlier: JobCondition[]) => {
      const base = failedAt(4, 0);
      const job = { ...base, status: { ...base.status, conditions: [...earlier, ...(base.status?.conditions ?? [])] } };
      const d = run(job);
      return (Date.parse(conditionData(last(d)).notBefore as string) - NOW.getTime()) / 1000;
    };
    expect(notBefore([])).toBe(10);
    expect(notBefore([failedRound(0)])).toBe(20);
    expect(notBefore([failedRound(0), failedRound(1)])).toBe(40);
    expect(notBefore(Array.from({ length: 8 }, (_, i) => failedRound(i)))).toBe(300);
    expect(notBefore([failedRound(0), cond('Deploy', 'Completed', 1)])).toBe(10);
  });

  test('after a failed round the next trigger starts the next round number', () => {
    const job = makeJob({ conditions: [cond('Train', 'Waiting', 2, { reason: 'RoundFailed', data: { failedRound: 2 } })], round: 2 });
    const d = run(job, { reports: [report({ phase: 'train', status: 'ready', round: 3, input: TRAIN_INPUT })] });
    expect(d.status.round).toBe(3);
  });

  test('a deploy retry of a hot update replaces a failed inference worker', () => {
    const job = makeJob({
      conditions: [
        cond('Deploy', 'Ready', 1, { data: { input: EVAL_INPUT, decision: DEPLOY_DECISION } }),
        cond('Deploy', 'Failed', 1, { ago: 30, reason: 'PodFailed' }),
      ],
      round: 1,
    });
    const d = run(job, { pods: [{ ...INFER, phase: 'Failed', failure: 'exit 1' }] });
    expect(appended(job, d)).toEqual(['Deploy/Ready/1/Retry', 'Deploy/Starting/1']);
    expect(actions(d)).toEqual(['delete helmet-infer-aaaaa', 'create inference helmet-infer-x7k2q r1 a2']);
    expect(conditionData(last(d))).toMatchObject({ attempt: 2, decision: DEPLOY_DECISION, worker: 'helmet-infer-x7k2q' });
  });

  test('an inference worker that ended between deploys (a node agent restart) is replaced once the retry delay has passed since it ended', () => {
    const job = makeJob({ conditions: [cond('Train', 'Waiting', 3)], round: 3 });
    const ended = { ...INFER, phase: 'Failed' as const, finishedAt: at(-10), failure: 'reason NodeRestart' };
    const d = run(job, { pods: [ended] });
    expect(appended(job, d)).toEqual([]);
    expect(actions(d)).toEqual(['delete helmet-infer-aaaaa', 'create inference helmet-infer-x7k2q r3 a0']);
    expect(d.actions[0]).toMatchObject({ reason: 'inference worker failed (reason NodeRestart); replaced' });
    expect(d.actions[1]).toMatchObject({ request: { modelUrl: '/models/deploy/model.onnx' } });
  });

  test('an inference worker that ended moments ago is replaced only after the retry delay: the job is requeued for the rest', () => {
    const job = makeJob({ conditions: [cond('Train', 'Waiting', 3)], round: 3 });
    const d = run(job, { pods: [{ ...INFER, phase: 'Succeeded', finishedAt: at(-4) }] });
    expect(d.actions).toEqual([]);
    expect(d.requeueAfterMs).toBe(6000);
  });

  test('a finished job (maxRounds) does not replace its ended inference worker', () => {
    const job = makeJob({ maxRounds: 1, conditions: [cond('Deploy', 'Completed', 1)], round: 1 });
    job.status = { ...job.status, completionTime: at(-60) };
    const d = run(job, { pods: [{ ...INFER, phase: 'Failed', finishedAt: at(-30) }] });
    expect(d.actions).toEqual([]);
  });

  test('a hot deploy whose inference worker fails: (Deploy, Failed)', () => {
    const job = makeJob({ conditions: [cond('Deploy', 'Running', 1, { data: { worker: INFER.name } })], round: 1 });
    const d = run(job, { pods: [{ ...INFER, phase: 'Failed', failure: 'container infer-worker exited with code 1' }] });
    expect(appended(job, d)).toEqual(['Deploy/Failed/1/PodFailed']);
  });
});

describe('decide: rounds, maxRounds and status', () => {
  test('[fix #381] round after round: the second round deploys too', () => {
    let job = makeJob({ conditions: [cond('Train', 'Waiting', 1)], round: 1 });
    const second = { ...DEPLOY_DECISION, round: 2 };
    const newModel = { format: 'onnx', url: '/output/helmet/train/2/model.onnx' };
    const steps: Partial<JobWorld>[] = [
      { reports: [report({ phase: 'train', status: 'ready', round: 2, input: TRAIN_INPUT })] },
      { pods: [INFER, pod({ name: 'helmet-train-x7k2q', workerType: 'train', round: 2 })] },
      { reports: [report({ phase: 'train', status: 'completed', round: 2, output: { models: [newModel] } })] },
      { reports: [report({ phase: 'eval', status: 'ready', round: 2, input: { models: [newModel, EVAL_INPUT.models[1]!] } })] },
      { reports: [report({ phase: 'eval', status: 'completed', round: 2 })], pods: [INFER, pod({ name: 'helmet-eval-x7k2q', workerType: 'eval', round: 2 })] },
      { reports: [report({ phase: 'deploy', status: 'ready', round: 2, input: { models: [newModel] }, decision: second })] },
      { reports: [report({ phase: 'deploy', status: 'completed', round: 2 })] },
    ];
    const trail: string[] = [];
    for (const step of steps) {
      const d = run(job, step);
      trail.push(...appended(job, d));
      job = { ...job, status: d.status };
    }
    expect(trail).toEqual([
      'Train/Ready/2',
      'Train/Starting/2',
      'Train/Running/2',
      'Train/Completed/2',
      'Eval/Waiting/2',
      'Eval/Ready/2',
      'Eval/Starting/2',
      'Eval/Running/2',
      'Eval/Completed/2',
      'Deploy/Waiting/2',
      'Deploy/Ready/2',
      'Deploy/Starting/2',
      'Deploy/Running/2',
      'Deploy/Completed/2',
      'Train/Waiting/2',
    ]);
    expect(job.status?.lastGoodModel).toEqual(newModel);
    expect(job.status?.lastDecision).toEqual(second);
  });

  test('maxRounds reached: the job completes with completionTime and appends nothing more', () => {
    const job = makeJob({ maxRounds: 2, conditions: [cond('Deploy', 'Ready', 2, { data: { input: EVAL_INPUT } }), cond('Deploy', 'Completed', 2)], round: 2 });
    const d = run(job);
    expect(appended(job, d)).toEqual([]);
    expect(d.status.completionTime).toBe(NOW.toISOString());
    const after = run({ ...job, status: d.status }, { reports: [report({ phase: 'train', status: 'ready', round: 3 })] });
    expect(after.reportOutcomes[0]).toMatchObject({ result: 'ignored', detail: 'the job has completed' });
    expect(after.statusChanged).toBe(false);
  });

  test('maxRounds not yet reached: the next round waits', () => {
    const job = makeJob({ maxRounds: 3, conditions: [cond('Deploy', 'Completed', 2)], round: 2 });
    expect(appended(job, run(job))).toEqual(['Train/Waiting/2']);
    expect(run(job).status.completionTime).toBeUndefined();
  });

  test('the last allowed round failing also completes the job', () => {
    const job = makeJob({ maxRounds: 1, conditions: [cond('Train', 'Failed', 1, { data: { attempt: 4 } })], round: 1 });
    const d = run(job);
    expect(appended(job, d)).toEqual([]);
    expect(d.status.completionTime).toBe(NOW.toISOString());
  });

  test('conditions are capped at maxConditions, dropping the oldest', () => {
    const many = Array.from({ length: 200 }, (_, i) => cond('Train', i % 2 ? 'Waiting' : 'Completed', i));
    many[199] = cond('Train', 'Completed', 99);
    const job = makeJob({ conditions: many, round: 99 });
    const d = run(job);
    expect(d.status.conditions).toHaveLength(200);
    expect(d.status.conditions?.[0]).toEqual(many[1]);
    expect(last(d)).toMatchObject({ stage: 'Eval', type: 'Waiting', round: 99 });
  });

  test('an unchanged world writes nothing', () => {
    const job = makeJob({ conditions: [cond('Train', 'Waiting', 1)], round: 1 });
    const d = run(job);
    expect(d.statusChanged).toBe(false);
    expect(d.actions).toEqual([]);
  });

  test('finished train and eval pods older than the retention are deleted', () => {
    const job = makeJob({ conditions: [cond('Train', 'Waiting', 12)], round: 12 });
    const d = run(job, {
      pods: [
        INFER,
        pod({ name: 'helmet-train-old01', workerType: 'train', round: 2, phase: 'Succeeded' }),
        pod({ name: 'helmet-train-new01', workerType: 'train', round: 3, phase: 'Failed' }),
      ],
    });
    expect(actions(d)).toEqual(['delete helmet-train-old01']);
  });
});

describe('decide: missing objects and unconnected LCs', () => {
  test('a missing Model: the condition stays, its message names the Model, the job is blocked', () => {
    const job = makeJob();
    const models = new Map([...makeWorld().models].filter(([name]) => name !== 'deploy-model'));
    const d = run(job, { pods: [], models });
    expect(appended(job, d)).toEqual(['Train/Waiting/0']);
    expect(last(d).message).toBe('Model default/deploy-model not found');
    expect(d.blocked).toBe('Model default/deploy-model not found');
    expect(d.actions).toEqual([]);
  });

  test('a missing Dataset blocks pod creation and is named', () => {
    const job = makeJob({ conditions: [cond('Train', 'Ready', 1)], round: 1 });
    const d = run(job, { dataset: undefined });
    expect(appended(job, d)).toEqual([]);
    expect(last(d).message).toBe('Dataset default/helmet-data not found');
    expect(d.actions).toEqual([]);
  });

  test('reports still apply while an object is missing', () => {
    const job = makeJob({ conditions: [cond('Train', 'Waiting', 1)], round: 1 });
    const d = run(job, { dataset: undefined, reports: [report({ phase: 'train', status: 'ready', round: 2 })] });
    expect(appended(job, d)).toEqual(['Train/Ready/2']);
    expect(d.reportOutcomes[0]?.result).toBe('applied');
  });

  test('the message is cleared once the object exists', () => {
    const job = makeJob({ conditions: [cond('Train', 'Waiting', 1, { message: 'Model default/deploy-model not found' })], round: 1 });
    const d = run(job);
    expect(last(d).message).toBeUndefined();
    expect(d.blocked).toBeUndefined();
  });

  test('a Secret problem the controller found blocks pod creation, is named, and is cleared once gone', () => {
    const problem = 'Secret default/s3 (credentialName of Dataset default/helmet-data) not found';
    const job = makeJob({ conditions: [cond('Train', 'Ready', 1)], round: 1 });
    const d = run(job, { problems: [problem] });
    expect(d.actions).toEqual([]);
    expect(d.blocked).toBe(problem);
    expect(last(d).message).toBe(problem);
    const fixed = run(makeJob({ conditions: [cond('Train', 'Ready', 1, { message: problem })], round: 1 }));
    expect(fixed.actions[0]).toMatchObject({ type: 'createPod', request: { workerType: 'train' } });
    expect(last(fixed)).toMatchObject({ stage: 'Train', type: 'Starting' });
    expect(last(fixed).message).toBeUndefined();
  });

  test('a worker pod waits for the LC of its node to connect', () => {
    const job = makeJob({ conditions: [cond('Train', 'Ready', 1)], round: 1 });
    const d = run(job, { connectedNodes: new Set() });
    expect(d.actions).toEqual([]);
    expect(d.blocked).toBe(`waiting for the local controller of node ${NODE} to connect`);
    expect(appended(job, d)).toEqual([]);
  });

  test("a job at (Train, Waiting) whose Dataset's node has no LC says so (no round can start)", () => {
    const job = makeJob({ conditions: [cond('Train', 'Waiting', 0)], round: 0 });
    const d = run(job, { connectedNodes: new Set(), pods: [INFER] });
    expect(last(d).message).toBe(`waiting for the local controller of node ${NODE} to connect (the node of Dataset default/helmet-data: its samples are counted there)`);
  });

  test('a template nodeName wins over the Dataset node', () => {
    const job = makeJob({ conditions: [cond('Train', 'Ready', 1)], round: 1 });
    job.spec.trainSpec.template.spec = { ...job.spec.trainSpec.template.spec, nodeName: 'gpu-1' } as typeof job.spec.trainSpec.template.spec;
    const d = run(job, { connectedNodes: new Set([NODE, 'gpu-1']) });
    expect(d.actions[0]).toMatchObject({ request: { nodeName: 'gpu-1' } });
  });
});

describe('decide: manual trigger', () => {
  const trained = { models: [{ format: 'onnx', url: '/output/helmet/train/3/model.onnx' }] };
  const idle = (annotation: string, extra: JobCondition[] = []): IncrementalLearningJob =>
    makeJob({
      annotations: { [TRIGGER_ANNOTATION]: annotation },
      conditions: [cond('Train', 'Completed', 3, { ago: 600, data: { output: trained } }), ...extra, cond('Train', 'Waiting', 3, { ago: 300 })],
      round: 3,
    });

  test.each(['eval', 'deploy'])('idle at (Train, Waiting) and `%s` asked: a new round starts at that stage with the last trained model', (stage) => {
    const job = idle(`${stage}@${at(-1)}`);
    const d = run(job);
    const Stage = stage === 'eval' ? 'Eval' : 'Deploy';
    expect(appended(job, d)).toEqual([`${Stage}/Waiting/4/ManualTrigger`]);
    expect(d.status.round).toBe(4);
    expect(conditionData(last(d)).input).toEqual(trained);
    expect(d.actions).toEqual([]);
  });

  test('train asked: the GM leaves it to the LC and keeps the annotation', () => {
    const job = idle(`train@${at(-1)}`);
    const d = run(job);
    expect(d.statusChanged).toBe(false);
    expect(d.actions).toEqual([]);
  });

  test('the annotation is removed when the named stage leaves Waiting', () => {
    const job = idle(`train@${at(-1)}`);
    const d = run(job, { reports: [report({ phase: 'train', status: 'ready', round: 4, input: TRAIN_INPUT })] });
    expect(actions(d)).toEqual(['create train helmet-train-x7k2q r4 a1', 'remove annotation sedna.io/trigger']);
  });

  test('a stage not Waiting keeps the annotation until it is Waiting and then leaves it', () => {
    const running = makeJob({
      annotations: { [TRIGGER_ANNOTATION]: `train@${at(-100)}` },
      conditions: [cond('Train', 'Waiting', 1, { ago: 500 }), cond('Train', 'Ready', 2, { ago: 400 }), cond('Train', 'Running', 2, { ago: 200, data: { worker: 'helmet-train-abcde' } })],
      round: 2,
    });
    const d = run(running, { reports: [report({ phase: 'train', status: 'completed', round: 2 })] });
    expect(actions(d)).toEqual([]);
    expect(appended(running, d)).toEqual(['Train/Completed/2', 'Eval/Waiting/2']);
  });

  test('an eval jump is consumed when eval leaves Waiting', () => {
    const job = idle(`eval@${at(-10)}`, []);
    const jumped = run(job);
    const next = run({ ...job, status: jumped.status }, { reports: [report({ phase: 'eval', status: 'ready', round: 4, input: EVAL_INPUT })] });
    expect(actions(next)).toEqual(['create eval helmet-eval-x7k2q r4 a1', 'remove annotation sedna.io/trigger']);
  });

  test('eval asked before any round trained: removed, with a Warning event (the latest condition keeps its message)', () => {
    const job = makeJob({ annotations: { [TRIGGER_ANNOTATION]: `eval@${at(-1)}` }, conditions: [cond('Train', 'Waiting', 0)] });
    const d = run(job);
    expect(actions(d)).toEqual(['remove annotation sedna.io/trigger', 'event Warning TriggerIgnored: manual trigger eval ignored: no round has trained a model yet']);
    expect(last(d).message).toBeUndefined();
  });

  test('a malformed annotation is removed with a Warning event naming it; the failed stage keeps its own message', () => {
    const failed = cond('Train', 'Failed', 1, { reason: 'PodFailed', message: 'worker pod helmet-train-aaaaa failed: exited with code 1' });
    const job = makeJob({ annotations: { [TRIGGER_ANNOTATION]: 'later' }, round: 1, conditions: [cond('Train', 'Waiting', 0), failed] });
    const d = run(job);
    expect(actions(d)).toContain('event Warning InvalidTrigger: annotation sedna.io/trigger: "later" is not <train|eval|deploy>@<RFC 3339 time>; removed');
    expect(actions(d)).toContain('remove annotation sedna.io/trigger');
    expect(d.status.conditions?.find((c) => c.reason === 'PodFailed')?.message).toBe('worker pod helmet-train-aaaaa failed: exited with code 1');
  });

  test('a trigger whose time is far in the future is refused, not left to start rounds forever', () => {
    const job = makeJob({ annotations: { [TRIGGER_ANNOTATION]: 'train@2099-01-01T00:00:00Z' }, conditions: [cond('Train', 'Waiting', 0)] });
    expect(actions(run(job))).toEqual(['remove annotation sedna.io/trigger', 'event Warning InvalidTrigger: annotation sedna.io/trigger: "train@2099-01-01T00:00:00Z" is in the future (more than 300 s ahead of this clock); removed']);
  });
});

describe('decide: deadlines, per job through sedna.io/deadlines', () => {
  const TRAIN = 'helmet-train-aaaaa';
  const withDeadlines = (deadlines: string | undefined, conditions: JobCondition[], options: { hot?: boolean } = {}) =>
    makeJob({ conditions, round: 1, ...(deadlines === undefined ? {} : { annotations: { 'sedna.io/deadlines': deadlines } }), ...options });
  const starting = (ago: number) => cond('Train', 'Starting', 1, { ago, data: { input: TRAIN_INPUT, worker: TRAIN } });
  const running = cond('Train', 'Running', 1, { ago: 3600, data: { input: TRAIN_INPUT, worker: TRAIN } });
  const pending = pod({ name: TRAIN, workerType: 'train', phase: 'Pending' });

  test('starting: the job\'s deadline, not the GM\'s, and the message names the annotation', () => {
    const early = run(withDeadlines('{"starting":"5s"}', [starting(4)]), { pods: [pending, INFER] });
    expect(early.statusChanged).toBe(false);
    expect(early.requeueAfterMs).toBe(1000);
    const late = run(withDeadlines('{"starting":"5s"}', [starting(5)]), { pods: [pending, INFER], podEvents: new Map([[TRAIN, []]]) });
    expect(last(late)).toMatchObject({
      type: 'Failed',
      reason: 'StartTimeout',
      message: `worker pod ${TRAIN} did not start within 5s (sedna.io/deadlines starting) (neither the pod nor its events say what it waits for)`,
    });
    expect(late.wantsPodEvents).toBeUndefined();
  });

  test('starting "none": a pod may stay Pending for good (no failure, no requeue)', () => {
    const d = run(withDeadlines('{"starting":"none"}', [starting(86_400)]), { pods: [pending, INFER] });
    expect(d.statusChanged).toBe(false);
    expect(d.requeueAfterMs).toBeUndefined();
  });

  test('a pod whose only explanation is in its events (a kubelet\'s FailedMount of a missing Model folder): the StartTimeout says it', () => {
    const events = ['FailedMount: MountVolume.SetUp failed for volume "sedna-models-initial": hostPath type check failed: /models/initial is not a directory'];
    const d = run(withDeadlines(undefined, [starting(601)]), { pods: [{ ...pending, waiting: 'container train-worker: ContainerCreating' }, INFER], podEvents: new Map([[TRAIN, events]]) });
    expect(last(d).message).toBe(`worker pod ${TRAIN} did not start within 600s: container train-worker: ContainerCreating; events: ${events[0]}`);
  });

  test('the embedded node agent\'s missing Model folder: named once, from the pod status (its event repeats it)', () => {
    const problem = `Pod default/${TRAIN}: volume "sedna-models-initial": hostPath /models/initial is not a directory (type Directory)`;
    const waitingPod = { ...pending, waiting: `container train-worker: CreateContainerConfigError: ${problem}` };
    const d = run(withDeadlines('{"starting":"2s"}', [starting(3)]), { pods: [waitingPod, INFER], podEvents: new Map([[TRAIN, [`Failed: Error: ${problem}`]]]) });
    expect(last(d).message).toBe(`worker pod ${TRAIN} did not start within 2s (sedna.io/deadlines starting): container train-worker: CreateContainerConfigError: ${problem}`);
  });

  test('reportAfterPodEnded: a Succeeded pod without its report fails the stage at the job\'s deadline', () => {
    const ended = pod({ name: TRAIN, workerType: 'train', phase: 'Succeeded', finishedAt: at(-30) });
    const d = run(withDeadlines('{"reportAfterPodEnded":"30s"}', [running]), { pods: [ended, INFER] });
    expect(last(d)).toMatchObject({
      reason: 'NoReport',
      message: `worker pod ${TRAIN} succeeded at ${at(-30)} but the report of its stage did not arrive within 30s (sedna.io/deadlines reportAfterPodEnded)`,
    });
    const none = run(withDeadlines('{"reportAfterPodEnded":0}', [running]), { pods: [{ ...ended, finishedAt: at(-86_400) }, INFER] });
    expect(none.statusChanged).toBe(false);
    expect(none.requeueAfterMs).toBeUndefined();
  });

  test('a pod that ended while its LC is away: no deadline runs, the job says it waits for that LC, whose outbox may hold the report', () => {
    const ended = pod({ name: TRAIN, workerType: 'train', phase: 'Succeeded', finishedAt: at(-3600) });
    const d = run(withDeadlines(undefined, [running]), { pods: [ended, INFER], connectedNodes: new Set() });
    expect(appended(makeJob({ conditions: [running], round: 1 }), d)).toEqual([]);
    expect(d.blocked).toBe(`waiting for the local controller of node ${NODE} to connect: worker pod ${TRAIN} succeeded at ${at(-3600)} and the report of its stage may be in that controller's outbox`);
    expect(last(d).message).toBe(d.blocked);
    // A Failed pod waits too: a worker that reported, then exited badly, keeps its report.
    const failed = run(withDeadlines(undefined, [running]), { pods: [{ ...ended, phase: 'Failed', failure: 'exit 1' }, INFER], connectedNodes: new Set() });
    expect(failed.blocked).toMatch(/^waiting for the local controller of node edge-1 to connect: worker pod helmet-train-aaaaa failed at /);
  });

  test('the LC reconnected after the pod ended: the deadline counts from the reconnection, and the replayed report completes the stage', () => {
    const ended = pod({ name: TRAIN, workerType: 'train', phase: 'Succeeded', finishedAt: at(-3600) });
    const job = withDeadlines(undefined, [running]);
    const waiting = run(job, { pods: [ended, INFER], lcConnectedAt: new Map([[NODE, at(-10)]]) });
    expect(waiting.statusChanged).toBe(false);
    expect(waiting.requeueAfterMs).toBe(50_000);
    const replayed = run(job, { pods: [ended, INFER], lcConnectedAt: new Map([[NODE, at(-10)]]), reports: [report({ phase: 'train', status: 'completed', round: 1, attempt: 1 })] });
    expect(appended(job, replayed)).toEqual(['Train/Completed/1', 'Eval/Waiting/1']);
    const overdue = run(job, { pods: [ended, INFER], lcConnectedAt: new Map([[NODE, at(-60)]]) });
    expect(last(overdue).message).toBe(
      `worker pod ${TRAIN} succeeded at ${at(-3600)} but the report of its stage did not arrive within 60s of the reconnection of the local controller of node ${NODE} at ${at(-60)}`,
    );
  });

  test('a Failed pod: at once when its LC was connected all along; after the deadline when the LC reconnected since', () => {
    const ended = pod({ name: TRAIN, workerType: 'train', phase: 'Failed', failure: 'container train-worker exited with code 1', finishedAt: at(-300) });
    const job = withDeadlines(undefined, [running]);
    expect(appended(job, run(job, { pods: [ended, INFER], lcConnectedAt: new Map([[NODE, at(-3600)]]) }))).toEqual(['Train/Failed/1/PodFailed']);
    const reconnected = run(job, { pods: [ended, INFER], lcConnectedAt: new Map([[NODE, at(-20)]]) });
    expect(reconnected.statusChanged).toBe(false);
    expect(reconnected.requeueAfterMs).toBe(40_000);
    const overdue = run(job, { pods: [ended, INFER], lcConnectedAt: new Map([[NODE, at(-60)]]) });
    expect(last(overdue)).toMatchObject({
      reason: 'PodFailed',
      message: `worker pod ${TRAIN} failed: container train-worker exited with code 1; no report arrived within 60s of the reconnection of the local controller of node ${NODE} at ${at(-60)}`,
    });
  });

  test('deployConfirmation: the job\'s deadline restarts the inference pod; "none" waits; an LC away stops the count', () => {
    const deploying = [cond('Deploy', 'Running', 1, { ago: 120, data: { input: EVAL_INPUT, decision: DEPLOY_DECISION, worker: INFER.name } })];
    const d = run(withDeadlines('{"deployConfirmation":"2m"}', deploying));
    expect(last(d)).toMatchObject({ reason: 'DeployRestarted', message: `inference pod ${INFER.name} did not confirm the model of round 1 within 120s (sedna.io/deadlines deployConfirmation); its pod is restarted once` });
    const none = run(withDeadlines('{"deployConfirmation":"none"}', deploying));
    expect(none.statusChanged).toBe(false);
    expect(none.requeueAfterMs).toBeUndefined();
    const away = run(withDeadlines('{"deployConfirmation":"2m"}', deploying), { connectedNodes: new Set() });
    expect(away.actions).toEqual([]);
    expect(away.blocked).toContain("the inference worker's confirmation of the model of round 1 may be in that controller's outbox");
    const back = run(withDeadlines('{"deployConfirmation":"2m"}', deploying), { lcConnectedAt: new Map([[NODE, at(-30)]]) });
    expect(back.actions).toEqual([]);
    expect(back.requeueAfterMs).toBe(90_000);
  });

  test('a cold update whose new inference pod does not start fails at the starting deadline (it waited for good)', () => {
    const job = withDeadlines('{"starting":"1m"}', [cond('Deploy', 'Starting', 1, { ago: 61, data: { input: EVAL_INPUT, worker: 'helmet-infer-new01' } })], { hot: false });
    const newPod = pod({ name: 'helmet-infer-new01', workerType: 'inference', phase: 'Pending', waiting: 'container infer-worker: CreateContainerConfigError: hostPath /output/helmet/train/1 is not a directory' });
    const d = run(job, { pods: [newPod], podEvents: new Map([[newPod.name, []]]) });
    expect(last(d)).toMatchObject({ stage: 'Deploy', type: 'Failed', reason: 'StartTimeout', message: expect.stringContaining('did not start within 60s (sedna.io/deadlines starting): container infer-worker: CreateContainerConfigError') });
    expect(actions(d)).toContain('delete helmet-infer-new01');
  });

  test('a bad annotation: a Warning event (once) naming the job, the field path and the value; that deadline keeps the GM\'s setting', () => {
    const job = withDeadlines('{"starting":"5x","reportAfterPodEnded":"30s"}', [starting(60)]);
    const d = run(job, { pods: [pending, INFER] });
    expect(d.actions).toEqual([
      {
        type: 'event',
        eventType: 'Warning',
        reason: 'InvalidDeadlines',
        once: true,
        message:
          'IncrementalLearningJob default/helmet: metadata.annotations["sedna.io/deadlines"].starting: "5x" is not a duration: a number of seconds, a Go-style duration such as "90s", "5m" or "1h30m", or "none"; the GM\'s setting (600s) applies',
      },
    ]);
    expect(d.requeueAfterMs).toBe(540_000);
    const notJson = run(withDeadlines('soon', [starting(60)]), { pods: [pending, INFER] });
    expect(notJson.actions[0]).toMatchObject({ reason: 'InvalidDeadlines', message: expect.stringMatching(/^IncrementalLearningJob default\/helmet: metadata.annotations\["sedna.io\/deadlines"\]: "soon" is not a JSON object of deadlines .*; the GM's settings apply$/) });
  });
});

describe('sedna.io/worker-auth', () => {
  const annotated = (value: string): IncrementalLearningJob => {
    const job = makeJob();
    job.metadata.annotations = { ...(job.metadata.annotations ?? {}), 'sedna.io/worker-auth': value };
    return job;
  };

  test('"none": a Warning event UnauthenticatedWorkers (once per job) that says what the opt-in allows', () => {
    const d = run(annotated('none'), { pods: [INFER] });
    expect(d.actions.filter((a) => a.type === 'event')).toEqual([
      {
        type: 'event',
        eventType: 'Warning',
        reason: 'UnauthenticatedWorkers',
        once: true,
        message: expect.stringMatching(/^IncrementalLearningJob default\/helmet: sedna\.io\/worker-auth: none: the LCs accept reports without a worker token from the pods this job's conditions name on their node/),
      },
    ]);
    expect(run(makeJob(), { pods: [INFER] }).actions.filter((a) => a.type === 'event')).toEqual([]);
  });

  test('another value: a Warning event naming the annotation and the value; tokens stay required', () => {
    const d = run(annotated('off'), { pods: [INFER] });
    expect(d.actions.filter((a) => a.type === 'event')).toEqual([
      {
        type: 'event',
        eventType: 'Warning',
        reason: 'InvalidWorkerAuth',
        once: true,
        message: 'IncrementalLearningJob default/helmet: metadata.annotations["sedna.io/worker-auth"]: "off" is not "none" (the only value; remove the annotation to require worker tokens); worker tokens are required',
      },
    ]);
  });
});
