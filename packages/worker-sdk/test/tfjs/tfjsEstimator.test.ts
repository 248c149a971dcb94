import { runChild } from './runChild.js';

interface Observed {
  backend: string;
  metrics: Record<string, number>;
  epochsRun: number;
  files: Array<{ name: string; format: string; absolute: boolean }>;
  weightsFirst: string[];
  weightsSecond: string[];
  prediction: number;
  reloadedPrediction: number;
  copiedPrediction: number;
  hotUpdatedPrediction: number;
  evaluated: Record<string, number>;
  scored: Record<string, number>;
  onnxValue: number;
  tfjsValue: number;
  errors: Record<string, { code?: string; message: string } | undefined>;
  tensorsLeft: number;
}

describe('TfjsEstimator', () => {
  let o: Observed;

  beforeAll(async () => {
    o = (await runChild<Observed>('test/tfjs/scripts/tfjsEstimator.ts')).result;
  }, 120_000);

  it('trains with fit on wasm, the train options epochs and batch_size overriding the fit defaults, and returns the last epoch logs', () => {
    expect(o.backend).toBe('wasm');
    // 6 epochs from options.epochs ("6", as hyperparameters arrive from env), then 1 more in the second train.
    expect(o.epochsRun).toBe(7);
    expect(Object.keys(o.metrics).sort()).toEqual(['acc', 'loss', 'val_acc', 'val_loss']);
    expect(o.metrics.val_acc).toBeGreaterThan(0.8);
  });

  it('saves the tfjs format and the ONNX export, listing every file with its format', () => {
    expect(o.files.map((f) => [f.name.replace(/[0-9a-f]{16}/, 'HASH'), f.format, f.absolute])).toEqual([
      ['model.json', 'tfjs', true],
      ['weights-HASH.bin', 'tfjs', true],
      ['model.onnx', 'onnx', true],
    ]);
    // Saving again into the same folder leaves one weights file, the new one.
    expect(o.weightsFirst).toHaveLength(1);
    expect(o.weightsSecond).toHaveLength(1);
    expect(o.weightsSecond).not.toEqual(o.weightsFirst);
  });

  it('loads what it saved and predicts the same; setWeights(getWeights()) copies the model', () => {
    expect(o.reloadedPrediction).toBe(o.prediction);
    expect(o.copiedPrediction).toBe(o.prediction);
  });

  it('loads a model.json announced for hot update from the private copy staged with its weights', () => {
    expect(o.hotUpdatedPrediction).toBe(o.prediction);
  });

  it('evaluates a saved model with the compiled metrics, or with a metrics callback', () => {
    expect(Object.keys(o.evaluated).sort()).toEqual(['acc', 'loss']);
    expect(o.evaluated.loss).toBeCloseTo(o.metrics.val_loss as number, 4);
    expect(o.scored).toEqual({ accuracy: expect.any(Number) });
    expect(o.scored.accuracy).toBeGreaterThan(0.8);
  });

  it('writes an ONNX file that OnnxEstimator serves with the tfjs prediction', () => {
    expect(Math.abs(o.onnxValue - o.tfjsValue)).toBeLessThanOrEqual(1e-4);
  });

  it('fails with coded errors naming what is wrong, and leaks no tensors', () => {
    expect(o.errors).toEqual({
      trainWithoutModel: { code: 'ESTIMATOR_FAILED', message: 'TfjsEstimator.train: no model; call load(modelUrl) first or give createModel' },
      badBatchSize: { code: 'PARAMETER_INVALID', message: 'TfjsEstimator.train: options.batch_size: "abc" is not a positive integer' },
      loadOnnx: { code: 'MODEL_INVALID', message: expect.stringMatching(/model\.onnx is an ONNX model; load it with OnnxEstimator/) },
      loadMissing: { code: 'MODEL_INVALID', message: expect.stringMatching(/^tfjs model \/.*\/nowhere: no such file or folder$/) },
      predictNotTensor: { code: 'INPUT_INVALID', message: 'TfjsEstimator.predict: the input is not a Tensor; give a toInput option that converts it' },
      predictWithoutModel: { code: 'ESTIMATOR_FAILED', message: 'TfjsEstimator.predict: no model; call load(modelUrl) first' },
      saveUnsupported: {
        code: 'EXPORT_UNSUPPORTED',
        message: expect.stringMatching(/^TfjsEstimator\.save\(\/.*\/deconv\): exportToOnnx: layer "up" \(Conv2DTranspose\): layer type not supported .*; the tfjs format was saved, give the option exportOnnx: false to save only that$/),
      },
    });
    expect(o.tensorsLeft).toBe(0);
  });
});
