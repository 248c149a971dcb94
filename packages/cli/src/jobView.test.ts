import { conditionData, currentState, decisions, formatMetric, metricsPerRound, timeline } from './jobView.js';

const c = (stage: string, type: string, data?: object, extra: object = {}) => ({ stage, type, status: 'True', ...(data ? { data: JSON.stringify(data) } : {}), ...extra }) as never;

test('condition data that is missing or not JSON reads as empty', () => {
  expect(conditionData({ data: undefined })).toEqual({});
  expect(conditionData({ data: '{oops' })).toEqual({});
  expect(conditionData({ data: '"text"' })).toEqual({});
});

test('the round of a condition comes from the condition, else from its data', () => {
  const entries = timeline({ conditions: [c('Train', 'Ready', { round: 3 }), c('Train', 'Starting', { round: 3 }, { round: 4 }), c('Train', 'Waiting')] });
  expect(entries.map((e) => e.round)).toEqual([3, 4, undefined]);
});

test('a retried eval replaces the metrics of the earlier attempt of the same round; train metrics show as trained', () => {
  const metrics = metricsPerRound({
    conditions: [
      c('Train', 'Completed', { round: 1, output: { models: [{ format: 'tfjs', url: '/m', metrics: { loss: 0.2 } }] } }),
      c('Eval', 'Completed', { round: 1, output: { models: [{ format: 'onnx', url: '/a', metrics: { precision: 0.1 } }] } }),
      c('Eval', 'Completed', { round: 1, output: { models: [{ format: 'onnx', url: '/b', metrics: { precision: 0.2 } }] } }),
    ],
  });
  expect(metrics).toEqual([
    { round: 1, model: 'trained', url: '/m', metrics: { loss: 0.2 } },
    { round: 1, model: 'new', url: '/b', metrics: { precision: 0.2 } },
  ]);
});

test('lastDecision is listed when no condition carries it', () => {
  const d = { round: 4, decision: 'Keep', reason: 'no metric', metric: 'f1_delta', operator: '>', threshold: 0.1, compared: {}, time: 't' } as const;
  expect(decisions({ conditions: [], lastDecision: d })).toEqual([{ round: 4, decision: 'Keep', metric: 'f1_delta', operator: '>', threshold: 0.1, value: undefined, reason: 'no metric', time: 't' }]);
});

test('metrics print with at most 4 significant digits; lists with their mean', () => {
  expect([formatMetric(0.123456), formatMetric(3), formatMetric([0.5, 0.25]), formatMetric(undefined), formatMetric([])]).toEqual(['0.1235', '3', '[0.5, 0.25] (mean 0.375)', '', '[]']);
});

test('the current state names the round, stage, type, attempt and reason', () => {
  expect(currentState({})).toBe('not started (no condition yet: is the global manager running?)');
  expect(currentState({ round: 2, conditions: [c('Train', 'Ready', { attempt: 2 }, { round: 2, reason: 'Retry' })] })).toBe('round 2: Train Ready, attempt 2 (Retry)');
  expect(currentState({ round: 5, completionTime: 'x', conditions: [c('Deploy', 'Completed', undefined, { round: 5 })] })).toBe('round 5: Deploy Completed, job completed');
});

test('a job without a condition says why, as far as the GM Lease tells', () => {
  const handled = { running: true, kinds: ['IncrementalLearningJob'] } as const;
  expect(currentState({}, 'IncrementalLearningJob', handled)).toBe('not started yet (no condition)');
  expect(currentState({}, 'LifelongLearningJob', handled)).toBe('not started: no controller acts on it (the global manager handles: IncrementalLearningJob)');
  expect(currentState({}, 'LifelongLearningJob', { running: false })).toBe('not started: no global manager is running');
  expect(currentState({}, 'LifelongLearningJob', undefined)).toBe('not started (no condition yet: is the global manager running?)');
  expect(currentState({ conditions: [c('Train', 'Waiting')] }, 'LifelongLearningJob', { running: false })).toBe('round 0: Train Waiting');
});
