import { runChild } from './runChild.js';

interface Observed {
  trainMetrics: Record<string, number>;
  files: Array<[string, string]>;
  saved: string[];
  features: string[];
  sameMean: boolean;
  evaluated: Record<string, number>;
  prediction: { label: number; sum: number; classes: number; truth: number };
  badRow: { code?: string; message: string };
  untrained: { code?: string; message: string };
}

describe('TfjsTabularEstimator', () => {
  let o: Observed;

  beforeAll(async () => {
    o = (await runChild<Observed>('test/tfjs/scripts/tabularEstimator.ts')).result;
  }, 120_000);

  it('learns the numeric columns of rows (the string one left out) and saves the model with its standardisation', () => {
    expect(o.features).toEqual(['a', 'b', 'c']);
    expect(o.files).toEqual([
      ['model.json', 'tfjs'],
      [expect.stringMatching(/^weights.*\.bin$/), 'tfjs'],
      ['tabular.json', 'json'],
    ]);
    expect(o.saved).toEqual(['model.json', 'tabular.json', expect.stringMatching(/^weights.*\.bin$/)]);
    expect(o.trainMetrics.acc).toBeGreaterThan(0.85);
  });

  it('a loaded copy scores rows it has not seen (accuracy = micro precision) and predicts probabilities of every class', () => {
    expect(o.evaluated.accuracy).toBeGreaterThan(0.85);
    expect(o.evaluated.precision_score).toBe(o.evaluated.accuracy);
    expect(o.prediction.classes).toBe(3);
    expect(o.prediction.sum).toBeCloseTo(1, 5);
  });

  it('fine-tuning keeps the standardisation of the first training', () => {
    expect(o.sameMean).toBe(true);
  });

  it('errors name the row, the column and the value', () => {
    expect(o.badRow).toMatchObject({ code: 'INPUT_INVALID', message: 'TfjsTabularEstimator: row 0: a: "warm" is not a number' });
    expect(o.untrained).toMatchObject({ code: 'ESTIMATOR_FAILED', message: 'TfjsEstimator.predict: no model; call load(modelUrl) first' });
  });
});
