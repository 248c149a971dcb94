import { describe, expect, test } from '@jest/globals';
import type { DeploymentRecord, IncrementalLearningJob, IncrementalLearningJobStatus } from '@sedna-ts/api-types';
import { ROLLBACK_ANNOTATION } from '@sedna-ts/api-types/contract';
import { conditionData } from './conditions.js';
import { decide, DEFAULT_DECIDE_OPTIONS, type JobDecision, type JobWorld, type PendingReport } from './stateMachine.js';
import { resolveRollback } from './rollback.js';
import { incrementalLearningPolicy } from '../kinds/incrementalLearningJob/index.js';
import { at, cond, makeJob, makeWorld, NODE } from '../../test/fixtures.js';

const url = (round: number) => (round === 0 ? '/models/deploy/model.onnx' : `/output/helmet/train/${round}/model.onnx`);
const rec = (round: number, decision: DeploymentRecord['decision'] = 'Deploy', trainedIn = round): DeploymentRecord => ({
  round,
  trainedIn,
  decision,
  model: { format: 'onnx', url: url(trainedIn) },
  since: at(-1000 + round),
});
const HISTORY = [rec(0, 'Initial'), rec(1), rec(2), rec(3)];

function report(message: PendingReport['message'], id = 'm1'): PendingReport {
  return { id, node: NODE, message };
}

function run(job: IncrementalLearningJob, world: Partial<JobWorld> = {}): JobDecision<IncrementalLearningJobStatus> {
  return decide(job, makeWorld(world), incrementalLearningPolicy, DEFAULT_DECIDE_OPTIONS);
}

function idleJob(annotation: string | undefined, deployments = HISTORY): IncrementalLearningJob {
  const job = makeJob({
    conditions: [cond('Deploy', 'Completed', 3, { ago: 400 }), cond('Train', 'Waiting', 4, { ago: 300 })],
    round: 3,
    ...(annotation ? { annotations: { [ROLLBACK_ANNOTATION]: annotation } } : {}),
  });
  (job.status as IncrementalLearningJobStatus).deployments = deployments;
  (job.status as IncrementalLearningJobStatus).lastGoodModel = { format: 'onnx', url: url(3) };
  return job;
}

const appended = (job: IncrementalLearningJob, d: JobDecision) =>
  (d.status.conditions ?? []).slice(job.status?.conditions?.length ?? 0).map((c) => `${c.stage}/${c.type}/${c.round}${c.reason ? `/${c.reason}` : ''}`);

describe('resolveRollback', () => {
  test('previous: the newest earlier record serving another model', () => {
    expect(resolveRollback(HISTORY, 'previous')).toEqual({ target: HISTORY[2], current: HISTORY[3] });
    // After a rollback to round 1, previous goes back to round 3's model, not to round 1's again.
    const after = [...HISTORY, rec(5, 'Rollback', 1)];
    expect(resolveRollback(after, 'previous')).toMatchObject({ target: { round: 3 } });
  });
  test('a round: the model it deployed (0: the initial model); a rollback record is not a round of its own', () => {
    expect(resolveRollback(HISTORY, 1)).toMatchObject({ target: { round: 1, model: { url: url(1) } } });
    expect(resolveRollback(HISTORY, 0)).toMatchObject({ target: { round: 0, decision: 'Initial' } });
    expect(resolveRollback([...HISTORY, rec(5, 'Rollback', 1)], 5)).toEqual({ refused: 'round 5 was a rollback to round 1: ask for round 1 (rounds that deployed a model: 0, 1, 2, 3)' });
  });
  test('refused: nothing served, nothing before, a round that kept, the model serving now', () => {
    expect(resolveRollback([], 'previous')).toEqual({ refused: 'no model has served yet: nothing to go back to' });
    expect(resolveRollback([rec(0, 'Initial')], 'previous')).toEqual({ refused: 'no model served before the current one (the initial model, /models/deploy/model.onnx)' });
    expect(resolveRollback(HISTORY, 7)).toEqual({ refused: 'round 7 did not deploy a model (rounds that deployed a model: 0, 1, 2, 3)' });
    expect(resolveRollback(HISTORY, 3)).toEqual({ refused: "round 3's model (/output/helmet/train/3/model.onnx) is the one serving now" });
  });
});

describe('decide: rollback', () => {
  test('idle: a round that only deploys the target starts at (Deploy, Waiting), input [target, serving]', () => {
    const value = `1@${at(-1)}`;
    const job = idleJob(value);
    const d = run(job);
    expect(appended(job, d)).toEqual(['Deploy/Waiting/4/Rollback']);
    expect(d.status.round).toBe(4);
    const data = conditionData(d.status.conditions?.at(-1));
    expect(data.input?.models?.map((m) => m.url)).toEqual([url(1), url(3)]);
    expect(data.rollback).toEqual({ requested: value, to: 1, toTrainedIn: 1, from: 3 });
    expect(d.status.lastRollback).toMatchObject({ requested: value, result: 'Pending', round: 4, to: 1 });
    expect(d.actions).toEqual([]);
  });

  test('mid-round: waits, saying for what; nothing appended', () => {
    const value = `previous@${at(-1)}`;
    const job = idleJob(value);
    (job.status as IncrementalLearningJobStatus).conditions = [cond('Train', 'Waiting', 4, { ago: 300 }), cond('Train', 'Ready', 4, { ago: 200 })];
    const d = run(job);
    expect(appended(job, d).filter((c) => c.includes('Rollback'))).toEqual([]);
    expect(d.status.lastRollback).toMatchObject({ result: 'Pending', reason: 'waits for round 4 to end (now at Train, Starting)', to: 2 });
    expect(d.actions.filter((a) => a.type === 'removeAnnotation')).toEqual([]);
  });

  test('refused requests: removed, outcome Refused with the reason, a Warning event', () => {
    for (const [value, reason] of [
      [`9@${at(-1)}`, 'round 9 did not deploy a model (rounds that deployed a model: 0, 1, 2, 3)'],
      ['back@soon', 'annotation sedna.io/rollback: "back@soon" is not <round|previous>@<RFC 3339 time>'],
    ] as const) {
      const d = run(idleJob(value));
      expect(d.status.lastRollback).toMatchObject({ requested: value, result: 'Refused', reason });
      expect(d.actions).toEqual([
        { type: 'removeAnnotation', key: ROLLBACK_ANNOTATION },
        { type: 'event', eventType: 'Warning', reason: 'RollbackRefused', message: `rollback ${value}: ${reason}` },
      ]);
    }
  });

  test('the round ends: Done, deployments records the rollback, lastGoodModel is the target; the annotation goes', () => {
    const value = `1@${at(-100)}`;
    const job = idleJob(value);
    const started = run(job);
    const decision = { round: 4, decision: 'Rollback' as const, reason: 'sedna rollback', metric: 'precision_delta', operator: '>' as const, threshold: 0.1, compared: {}, time: at(-50), from: { round: 3, url: url(3) }, to: { round: 1, url: url(1) } };
    const job2 = { ...job, status: { ...started.status } } as IncrementalLearningJob;
    const ready = run(job2, { reports: [report({ phase: 'deploy', status: 'ready', round: 4, input: { models: [{ format: 'onnx', url: url(1) }, { format: 'onnx', url: url(3) }] }, decision })] });
    expect(ready.status.conditions?.map((c) => `${c.stage}/${c.type}/${c.round}`).slice(-3)).toEqual(['Deploy/Ready/4', 'Deploy/Starting/4', 'Deploy/Running/4']);
    const job3 = { ...job, status: { ...ready.status } } as IncrementalLearningJob;
    const done = run(job3, { reports: [report({ phase: 'deploy', status: 'completed', round: 4, output: { models: [{ format: 'onnx', url: url(1) }] } })] });
    expect(done.status.lastGoodModel?.url).toBe(url(1));
    expect(done.status.lastDecision).toMatchObject({ decision: 'Rollback', from: { round: 3 }, to: { round: 1 } });
    expect(done.status.deployments?.at(-1)).toMatchObject({ round: 4, trainedIn: 1, decision: 'Rollback', model: { url: url(1) } });
    expect(done.status.lastRollback).toMatchObject({ requested: value, result: 'Done', round: 4, to: 1 });
    expect(done.actions).toContainEqual({ type: 'removeAnnotation', key: ROLLBACK_ANNOTATION });
    expect(appended(job3, done)).toEqual(['Deploy/Completed/4', 'Train/Waiting/4']);
  });

  test('the LC refuses (a file gone): the round ends Keep, outcome Refused with its reason, nothing else serves', () => {
    const value = `1@${at(-100)}`;
    const job = idleJob(value);
    const started = run(job);
    const job2 = { ...job, status: { ...started.status } } as IncrementalLearningJob;
    const reason = `rollback to round 1 refused: model file ${url(1)} is gone (ENOENT)`;
    const decision = { round: 4, decision: 'Keep' as const, reason, metric: 'precision_delta', operator: '>' as const, threshold: 0.1, compared: {}, time: at(-50) };
    const d = run(job2, { reports: [report({ phase: 'deploy', status: 'completed', round: 4, decision, reason })] });
    expect(d.status.lastGoodModel?.url).toBe(url(3));
    expect(d.status.deployments).toEqual(HISTORY);
    expect(d.status.lastRollback).toMatchObject({ requested: value, result: 'Refused', reason });
    expect(d.actions).toContainEqual({ type: 'event', eventType: 'Warning', reason: 'RollbackRefused', message: `rollback ${value}: ${reason}` });
  });

  test('a normal round that deploys is recorded; one that keeps is not', () => {
    const job = idleJob(undefined);
    (job.status as IncrementalLearningJobStatus).conditions = [cond('Train', 'Completed', 4, { ago: 300 }), cond('Deploy', 'Ready', 4, { ago: 200, data: { input: { models: [{ format: 'onnx', url: url(4) }] } } })];
    (job.status as IncrementalLearningJobStatus).round = 4;
    const d = run(job, { reports: [report({ phase: 'deploy', status: 'completed', round: 4 })] });
    expect(d.status.deployments?.at(-1)).toMatchObject({ round: 4, trainedIn: 4, decision: 'Deploy', model: { url: url(4) } });
  });

  test('a job of an earlier release gets its history from the conditions it still has', () => {
    const job = idleJob(undefined);
    delete (job.status as IncrementalLearningJobStatus).deployments;
    (job.status as IncrementalLearningJobStatus).conditions = [
      cond('Train', 'Completed', 2, { ago: 900 }),
      cond('Deploy', 'Ready', 2, { ago: 800, data: { input: { models: [{ format: 'onnx', url: url(2) }] } } }),
      cond('Deploy', 'Completed', 2, { ago: 700 }),
      cond('Train', 'Waiting', 3, { ago: 600 }),
    ];
    const d = run(job);
    expect(d.status.deployments?.map((r) => [r.round, r.trainedIn, r.model.url])).toEqual([[2, 2, url(2)]]);
  });

  test('a completed job (maxRounds reached) still serves and may go back: the rollback round runs, does not count against maxRounds, and the job is completed again', () => {
    const value = `1@${at(-100)}`;
    const job = makeJob({ maxRounds: 3, conditions: [cond('Deploy', 'Completed', 3, { ago: 400 })], round: 3, annotations: { [ROLLBACK_ANNOTATION]: value } });
    const status = job.status as IncrementalLearningJobStatus;
    status.completionTime = at(-400);
    status.deployments = HISTORY;
    status.lastGoodModel = { format: 'onnx', url: url(3) };
    const started = run(job);
    expect(appended(job, started)).toEqual(['Deploy/Waiting/4/Rollback']);
    expect(started.status.rollbackRounds).toBe(1);
    const job2 = { ...job, status: { ...started.status } } as IncrementalLearningJob;
    const decision = { round: 4, decision: 'Rollback' as const, reason: 'sedna rollback', metric: 'precision_delta', operator: '>' as const, threshold: 0.1, compared: {}, time: at(-50) };
    const ready = run(job2, { reports: [report({ phase: 'deploy', status: 'ready', round: 4, input: { models: [{ format: 'onnx', url: url(1) }, { format: 'onnx', url: url(3) }] }, decision })] });
    const job3 = { ...job, status: { ...ready.status } } as IncrementalLearningJob;
    const done = run(job3, { reports: [report({ phase: 'deploy', status: 'completed', round: 4 })] });
    expect(appended(job3, done)).toEqual(['Deploy/Completed/4']);
    expect(done.status.lastGoodModel?.url).toBe(url(1));
    expect(done.status.lastRollback).toMatchObject({ result: 'Done', round: 4 });
    expect(done.status.completionTime).toBeDefined();
  });

  test('a rollback round does not use up maxRounds: with 5 rounds and 3 done, rounds 5 and 6 still train', () => {
    const job = idleJob(`1@${at(-1)}`);
    job.spec.maxRounds = 5;
    const started = run(job);
    expect(started.status.rollbackRounds).toBe(1);
    const job2 = { ...job, status: { ...started.status, conditions: [...(started.status.conditions ?? []), cond('Deploy', 'Completed', 4), cond('Train', 'Waiting', 4)] } } as IncrementalLearningJob;
    job2.status!.conditions!.push(cond('Deploy', 'Ready', 5, { data: { input: { models: [{ format: 'onnx', url: url(5) }] } } }));
    job2.status!.round = 5;
    const d = run(job2, { reports: [report({ phase: 'deploy', status: 'completed', round: 5 })] });
    expect(d.status.completionTime).toBeUndefined();
    expect(appended(job2, d).slice(-2)).toEqual(['Deploy/Completed/5', 'Train/Waiting/5']);
  });

  test('a hand-written value of any length: the outcome and the event keep it cut, with its length', () => {
    const value = `${'A'.repeat(100_000)}`;
    const d = run(idleJob(value));
    expect(d.status.lastRollback?.requested).toBe(`${'A'.repeat(80)}... (100000 characters)`);
    const event = d.actions.find((a) => a.type === 'event');
    expect(JSON.stringify(event).length).toBeLessThan(1000);
    expect(d.actions).toContainEqual({ type: 'removeAnnotation', key: ROLLBACK_ANNOTATION });
  });
});
