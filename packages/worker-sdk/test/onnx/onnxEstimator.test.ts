import type { Letterbox } from '../../src/onnx/imagePreprocess.js';
import { runChild } from '../tfjs/runChild.js';

type Err = { code?: string; message: string } | undefined;
interface Observed {
  preprocessing: {
    letterbox: Letterbox;
    dims: number[];
    padPixel: number[];
    leftPixel: number[];
    rightPixel: number[];
    nhwcDims: number[];
    nhwcLeftPixel: number[];
    stretched: Letterbox;
    stretchedTopLeft: number[];
    rotated: Letterbox;
    rotatedTop: number[];
    rotatedBottom: number[];
    rotatedPad: number[];
    greyPixel: number[];
    unletterboxed: number[];
    clamped: number[];
    errors: Record<string, Err>;
  };
  names: { inputs: string[]; outputs: string[] };
  letterboxFromPath: Letterbox;
  pathMatchesPreprocessing: boolean;
  bufferMatchesPath: boolean;
  rawMatchesPath: boolean;
  ortMatchesPath: boolean;
  recordMatchesPath: boolean;
  postprocessed: number;
  expectedSum: number;
  scored: Record<string, number>;
  saved: Array<{ path: boolean; format: string }>;
  sameBytes: boolean;
  errors: Record<string, Err>;
  afterDispose: Err;
}

const PAD = 0.447; // 114 / 255, rounded as the script rounds

describe('image preprocessing and OnnxEstimator', () => {
  let o: Observed;

  beforeAll(async () => {
    o = (await runChild<Observed>('test/onnx/scripts/onnxEstimator.ts')).result;
  }, 120_000);

  it('letterboxes keeping the aspect ratio, pads with grey and scales RGB to [0, 1] in NCHW by default', () => {
    const p = o.preprocessing;
    expect(p.dims).toEqual([1, 3, 16, 16]);
    expect(p.letterbox).toEqual({ originalWidth: 20, originalHeight: 10, scaleX: 0.8, scaleY: 0.8, padLeft: 0, padTop: 4 });
    expect(p.padPixel).toEqual([PAD, PAD, PAD]);
    expect(p.leftPixel).toEqual([1, 0, 0]);
    expect(p.rightPixel).toEqual([0, 0, 1]);
  });

  it('honours NHWC, BGR, mean and std, stretch resizing, EXIF orientation and greyscale input', () => {
    const p = o.preprocessing;
    expect(p.nhwcDims).toEqual([1, 16, 16, 3]);
    expect(p.nhwcLeftPixel).toEqual([-2, -2, 2]);
    expect(p.stretched).toEqual({ originalWidth: 20, originalHeight: 10, scaleX: 0.8, scaleY: 1.6, padLeft: 0, padTop: 0 });
    expect(p.stretchedTopLeft).toEqual([1, 0, 0]);
    expect(p.rotated).toEqual({ originalWidth: 10, originalHeight: 20, scaleX: 0.8, scaleY: 0.8, padLeft: 4, padTop: 0 });
    expect(p.rotatedTop[0]).toBeGreaterThan(0.95);
    expect(p.rotatedBottom[2]).toBeGreaterThan(0.95);
    expect(p.rotatedPad).toEqual([PAD, PAD, PAD]);
    expect(p.greyPixel).toEqual([0.2, 0.2, 0.2]);
  });

  it('maps boxes back to the original image, keeping score and label, clamped to the image', () => {
    expect(o.preprocessing.unletterboxed).toEqual([0, 0, 20, 10, 0.9, 2]);
    expect(o.preprocessing.clamped).toEqual([0, 0, 20, 10]);
  });

  it('rejects undecodable images and bad options with coded errors', () => {
    const e = o.preprocessing.errors;
    expect(e.notAnImage).toEqual({ code: 'INPUT_INVALID', message: expect.stringMatching(/^image \(12 bytes\): cannot be decoded/) });
    expect(e.missingFile).toEqual({ code: 'INPUT_INVALID', message: expect.stringMatching(/nowhere\.png: cannot be decoded/) });
    expect(e.badWidth).toEqual({ code: 'CONFIG_INVALID', message: 'image preprocessing: options.width: 0 is not a positive integer' });
    expect(e.badStd).toEqual({ code: 'CONFIG_INVALID', message: 'image preprocessing: options.std: [1,0,1] has a zero' });
  });

  it('predicts from a file path, a Buffer, raw {data, dims}, an ort.Tensor or tensors by input name, identically', () => {
    expect(o.names).toEqual({ inputs: ['pixels'], outputs: ['flat'] });
    expect(o.pathMatchesPreprocessing).toBe(true);
    expect(o.letterboxFromPath).toEqual(o.preprocessing.letterbox);
    expect(o.bufferMatchesPath).toBe(true);
    expect(o.rawMatchesPath).toBe(true);
    expect(o.ortMatchesPath).toBe(true);
    expect(o.recordMatchesPath).toBe(true);
  });

  it('applies postprocess, evaluates with a metrics callback and saves a copy of its model', () => {
    expect(o.postprocessed).toBe(o.expectedSum);
    expect(o.scored).toEqual({ count: 2, labels: 2, withLetterbox: 2 });
    expect(o.saved).toEqual([{ path: true, format: 'onnx' }]);
    expect(o.sameBytes).toBe(true);
  });

  it('fails with coded errors naming the input, the model or the missing option', () => {
    const e = o.errors;
    expect(e.imageWithoutOptions?.code).toBe('CONFIG_INVALID');
    expect(e.unknownInput).toEqual({ code: 'INPUT_INVALID', message: 'OnnxEstimator.predict: input "image" is not an input of the model (inputs: pixels)' });
    expect(e.dimsMismatch).toEqual({ code: 'INPUT_INVALID', message: 'OnnxEstimator.predict: input pixels: dims [1, 3, 16, 15] hold 720 elements but data has 768' });
    expect(e.wrongShapeForModel).toEqual({ code: 'INPUT_INVALID', message: expect.stringMatching(/^OnnxEstimator\.predict on .*model\.onnx: Got invalid dimensions for input: pixels/) });
    expect(e.notATensor?.code).toBe('INPUT_INVALID');
    expect(e.train).toEqual({ code: 'ESTIMATOR_FAILED', message: expect.stringMatching(/cannot train; train with TfjsEstimator/) });
    expect(e.evaluateWithoutMetrics?.code).toBe('CONFIG_INVALID');
    expect(e.loadMissing).toEqual({ code: 'MODEL_INVALID', message: expect.stringMatching(/nowhere\.onnx: no such file or folder$/) });
    expect(e.loadGarbage?.code).toBe('MODEL_INVALID');
    expect(o.afterDispose).toEqual({ code: 'ESTIMATOR_FAILED', message: 'OnnxEstimator.predict: no model; call load(modelUrl) first' });
  });
});
