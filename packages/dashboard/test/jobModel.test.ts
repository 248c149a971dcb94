import { decisionsOf, lineageOf, metricPoints, roundsOf, type Condition, type Job } from '../web/src/jobModel.js';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const cond = (round: number, stage: string, type: string, s: number, extra: Partial<Condition> & { dataExtra?: object } = {}): Condition => {
  const { dataExtra, ...rest } = extra;
  return { stage, type, status: 'True', round, lastTransitionTime: t(s), data: JSON.stringify({ round, ...dataExtra }), ...rest };
};
const decision = (round: number, d: string, value: number[]) => ({ decision: { round, decision: d, metric: 'precision_delta', operator: '>', threshold: 0, compared: { precision_delta: value }, reason: `r${round}` } });

const job: Job = {
  kind: 'IncrementalLearningJob',
  metadata: { name: 'tray', namespace: 'default' },
  status: {
    round: 3,
    conditions: [
      cond(0, 'Train', 'Waiting', 0),
      cond(1, 'Train', 'Ready', 10),
      cond(1, 'Train', 'Starting', 11, { dataExtra: { worker: 'tray-train-1' } }),
      cond(1, 'Train', 'Completed', 20, { dataExtra: { output: { models: [{ format: 'onnx', url: '/o/1/model.onnx' }] } } }),
      cond(1, 'Eval', 'Ready', 21),
      cond(1, 'Eval', 'Completed', 25),
      cond(1, 'Deploy', 'Ready', 26, { dataExtra: decision(1, 'Deploy', [0.8, 1]) }),
      cond(1, 'Deploy', 'Completed', 30, { dataExtra: decision(1, 'Deploy', [0.8, 1]) }),
      cond(2, 'Train', 'Ready', 40),
      cond(2, 'Train', 'Failed', 45, { reason: 'WorkerFailed', message: 'exit 1', dataExtra: { worker: 'tray-train-2' } }),
      cond(2, 'Train', 'Completed', 50, { dataExtra: { output: { models: [{ format: 'onnx', url: '/o/2/model.onnx' }] } } }),
      cond(2, 'Eval', 'Completed', 55),
      cond(2, 'Deploy', 'Completed', 56, { dataExtra: decision(2, 'Keep', [-0.5, -0.7]) }),
      cond(3, 'Train', 'Ready', 60),
    ],
    deployments: [
      { round: 0, trainedIn: 0, decision: 'Initial', model: { url: '/base.onnx' } },
      { round: 1, trainedIn: 1, decision: 'Deploy', model: { url: '/o/1/model.onnx' } },
    ],
  },
};

test('the rounds list each stage with its steps, reasons, duration and workers; round 0 (the job start) is left out', () => {
  const rounds = roundsOf(job);
  expect(rounds.map((r) => [r.round, r.finished, r.decision?.decision])).toEqual([
    [1, true, 'Deploy'],
    [2, true, 'Keep'],
    [3, false, undefined],
  ]);
  expect(rounds[0]?.stages.map((s) => [s.stage, s.last, s.durationMs])).toEqual([
    ['Train', 'Completed', 10_000],
    ['Eval', 'Completed', 4_000],
    ['Deploy', 'Completed', 4_000],
  ]);
  const train2 = rounds[1]?.stages[0];
  expect(train2).toMatchObject({ stage: 'Train', failed: true, workers: ['tray-train-2'] });
  expect(train2?.steps.find((s) => s.type === 'Failed')).toMatchObject({ reason: 'WorkerFailed', message: 'exit 1' });
});

test('a round that failed past its retries (Train Waiting: RoundFailed) is finished and failed, not in progress', () => {
  const failing: Job = {
    ...job,
    status: {
      conditions: [
        cond(1, 'Train', 'Running', 0),
        cond(1, 'Train', 'Completed', 10),
        cond(1, 'Eval', 'Failed', 12, { reason: 'WorkerFailed' }),
        cond(1, 'Train', 'Waiting', 13, { reason: 'RoundFailed', message: 'round 1 failed: Eval failed 3 times' }),
      ],
    },
  };
  expect(roundsOf(failing).map((r) => [r.round, r.finished, r.failed])).toEqual([[1, true, true]]);
  expect(roundsOf(job).map((r) => r.failed)).toEqual([false, false, false]);
});

test('the metrics chart has one point per finished round: the gate metric (mean of the per-class list) and its threshold', () => {
  expect(metricPoints(job)).toEqual([
    { round: 1, metric: 'precision_delta', value: 0.9, threshold: 0, decision: 'Deploy' },
    { round: 2, metric: 'precision_delta', value: -0.6, threshold: 0, decision: 'Keep' },
  ]);
  expect(decisionsOf(job).map((d) => d.round)).toEqual([1, 2]);
});

test('the lineage names the serving model and the rounds whose model was kept out', () => {
  expect(lineageOf(job)).toMatchObject({ serving: { round: 1, trainedIn: 1, url: '/o/1/model.onnx' }, keptOut: [{ round: 2, url: '/o/2/model.onnx', reason: 'r2' }] });
});
