import { describe, expect, test } from '@jest/globals';
import { comparedMetrics, decideDeploy } from './deployGate.js';

const now = new Date('2025-06-01T10:00:00Z');
const trigger = { condition: { operator: '>' as const, threshold: 0.1, metric: 'precision_delta' } };
const models = (next: Record<string, unknown>, old: Record<string, unknown>) => [
  { format: 'onnx', url: '/new.onnx', metrics: next as Record<string, number> },
  { format: 'onnx', url: '/old.onnx', metrics: old as Record<string, number> },
];

describe('comparedMetrics', () => {
  test('k is the new value and k_delta new minus old, elementwise for lists of one length', () => {
    const compared = comparedMetrics({ precision: [0.9, 0.5], recall: 0.7 }, { precision: [0.6, 0.5], recall: 0.8 });
    expect(compared.precision).toEqual([0.9, 0.5]);
    expect((compared.precision_delta as number[]).map((v) => Number(v.toFixed(6)))).toEqual([0.3, 0]);
    expect(Number((compared.recall_delta as number).toFixed(6))).toBe(-0.1);
  });

  test('lists of different lengths or a list against a number compare by their means; strings that are numbers count', () => {
    // Workers of the original send whatever their estimator returned: strings too.
    const fromWorker = { a: [1, 3], b: [2, 4], c: '0.5', d: 'high' } as unknown as Record<string, number>;
    const compared = comparedMetrics(fromWorker, { a: [1], b: 1, c: 0.25 });
    expect(compared.a_delta).toBe(1);
    expect(compared.b_delta).toBe(2);
    expect(compared.c).toBe(0.5);
    expect(compared.c_delta).toBe(0.25);
    expect(compared).not.toHaveProperty('d');
  });

  test('a metric the old model lacks has no delta', () => {
    expect(comparedMetrics({ f1: 0.5 }, {})).toEqual({ f1: 0.5 });
    expect(comparedMetrics(undefined, undefined)).toEqual({});
  });
});

describe('decideDeploy', () => {
  test('deploys when the condition holds, keeps when not, with the reason and what was compared', () => {
    const pass = decideDeploy({ trigger, evalModels: models({ precision: 0.9 }, { precision: 0.7 }), round: 3, now });
    expect(pass).toEqual({
      status: 'decided',
      decision: { round: 3, decision: 'Deploy', reason: 'precision_delta 0.2 > 0.1', metric: 'precision_delta', operator: '>', threshold: 0.1, compared: { precision: 0.9, precision_delta: expect.any(Number) }, time: now.toISOString() },
    });
    const keep = decideDeploy({ trigger, evalModels: models({ precision: 0.75 }, { precision: 0.7 }), round: 3, now });
    expect(keep.status === 'decided' && keep.decision.decision).toBe('Keep');
    expect(keep.status === 'decided' && keep.decision.reason).toBe('precision_delta 0.05 not > 0.1');
  });

  test('a metric the eval did not report keeps the model and says so', () => {
    const keep = decideDeploy({ trigger, evalModels: models({ recall: 0.9 }, { recall: 0.7 }), round: 1, now });
    expect(keep.status === 'decided' && [keep.decision.decision, keep.decision.reason]).toEqual(['Keep', 'metric precision_delta is not reported']);
    const none = decideDeploy({ trigger, evalModels: [], round: 1, now });
    expect(none.status === 'decided' && none.decision.reason).toBe('the eval reported no models');
  });

  test('a timer outside its window makes the gate wait instead of keeping', () => {
    const outcome = decideDeploy({ trigger: { ...trigger, timer: { start: '22:00', end: '23:00' } }, evalModels: models({ precision: 0.9 }, { precision: 0.1 }), round: 1, now, timeZone: 'UTC' });
    expect(outcome).toEqual({ status: 'wait', reason: '10:00 is outside 22:00-23:00; precision_delta 0.8 > 0.1' });
  });

  test('a manual deploy bypasses the gate and records what the gate would have said', () => {
    const outcome = decideDeploy({ trigger, evalModels: models({ precision: 0.7 }, { precision: 0.7 }), round: 2, now, manual: true });
    expect(outcome.status === 'decided' && [outcome.decision.decision, outcome.decision.reason]).toEqual(['ManualDeploy', 'manual deploy (the gate would say: precision_delta 0 not > 0.1)']);
  });
});
