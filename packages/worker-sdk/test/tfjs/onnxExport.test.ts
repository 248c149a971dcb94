import { runChild } from './runChild.js';

interface Run {
  model: string;
  output: string;
  dims: number[];
  tfjsShape: number[];
  error: number;
}
interface Parity {
  layers: string[];
  missingLayers: string[];
  runs: Run[];
  errors: Record<string, { code?: string; message: string } | undefined>;
}

describe('exportToOnnx', () => {
  let parity: Parity;

  beforeAll(async () => {
    parity = (await runChild<Parity>('test/tfjs/scripts/onnxParity.ts')).result;
  }, 120_000);

  it('is exercised on a trained model that uses every supported layer and activation', () => {
    expect(parity.missingLayers).toEqual([]);
    expect(parity.layers).toEqual(expect.arrayContaining(['Conv2D', 'BatchNormalization', 'ReLU', 'LeakyReLU', 'MaxPooling2D', 'Dense', 'Concatenate', 'UpSampling2D', 'Reshape', 'Activation', 'Flatten', 'InputLayer']));
  });

  it('gives onnxruntime outputs equal to tfjs predict within 1e-4 on random inputs, with the tfjs output shapes', () => {
    expect(parity.runs.map((r) => r.model)).toEqual(expect.arrayContaining(['every layer, NHWC input', 'every layer, NCHW input', 'any image size (SAME_UPPER padding)', 'sequential dense']));
    expect(parity.runs.filter((r) => r.model.startsWith('every layer'))).toHaveLength(8);
    for (const run of parity.runs) {
      expect({ model: run.model, output: run.output, dims: run.dims, ok: run.error <= 1e-4 }).toEqual({ model: run.model, output: run.output, dims: run.tfjsShape, ok: true });
    }
  });

  it('rejects what it cannot convert with EXPORT_UNSUPPORTED naming the layer', () => {
    expect(parity.errors.conv2dTranspose).toEqual({ code: 'EXPORT_UNSUPPORTED', message: expect.stringMatching(/^exportToOnnx: layer "deconv_head" \(Conv2DTranspose\): layer type not supported by the ONNX export/) });
    expect(parity.errors.mish).toEqual({ code: 'EXPORT_UNSUPPORTED', message: expect.stringMatching(/^exportToOnnx: layer "mish_dense" \(Dense\): activation "mish" is not supported/) });
    expect(parity.errors.int32Input).toEqual({ code: 'EXPORT_UNSUPPORTED', message: 'exportToOnnx: layer "ids" (InputLayer): input dtype "int32" is not supported (float32)' });
    expect(parity.errors.channelsFirst).toEqual({ code: 'EXPORT_UNSUPPORTED', message: 'exportToOnnx: layer "up_cf" (UpSampling2D): dataFormat "channelsFirst" is not supported (channelsLast)' });
  });
});
