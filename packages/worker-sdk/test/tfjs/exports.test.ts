import { runChild } from './runChild.js';

// Runs against the built package (dist), as users import it.
describe('subpath exports', () => {
  let o: { tfjs: string[]; onnx: string[]; mainLoads: string[]; resolvedCount: number };

  beforeAll(async () => {
    o = (await runChild<typeof o>('test/tfjs/scripts/exports.mjs')).result;
  }, 60_000);

  it('@sedna-ts/worker-sdk/tfjs exports exactly these names', () => {
    expect(o.tfjs).toEqual([
      'ONNX_EXPORTABLE_ACTIVATIONS',
      'ONNX_EXPORTABLE_LAYERS',
      'ONNX_MODEL_FILE',
      'ONNX_OPSET',
      'TABULAR_META_FILE',
      'TFJS_MODEL_JSON',
      'TfjsEstimator',
      'TfjsTabularEstimator',
      'WASM_TRAINING_KERNELS',
      'exportToOnnx',
      'initTfjs',
      'loadLayersModel',
      'saveLayersModel',
      'saveOnnx',
    ]);
  });

  it('@sedna-ts/worker-sdk/onnx exports exactly these names', () => {
    expect(o.onnx).toEqual(['ONNX_MODEL_FILE', 'OnnxEstimator', 'createSession', 'ort', 'preprocessImage', 'toOrtTensor', 'unletterboxBox']);
  });

  it('the main entry loads neither tfjs, onnxruntime, sharp nor onnx-proto', () => {
    expect(o.resolvedCount).toBeGreaterThan(0);
    expect(o.mainLoads).toEqual([]);
  });
});
