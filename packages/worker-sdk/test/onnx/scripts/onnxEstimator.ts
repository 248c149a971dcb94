// Child script: image preprocessing and OnnxEstimator on real images and a real ONNX model. The model is
// exported from tfjs: it takes a 16x16 RGB image (NCHW) and returns its pixels flattened channels-last,
// so what comes out is exactly what the preprocessing fed in. Prints what it observed as JSON.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { DataSource } from '../../../src/estimator.js';
import { preprocessImage, unletterboxBox } from '../../../src/onnx/imagePreprocess.js';
import { OnnxEstimator, type OnnxPrediction, toOrtTensor } from '../../../src/onnx/onnxEstimator.js';
import { initTfjs } from '../../../src/tfjs/initTfjs.js';
import { saveOnnx } from '../../../src/tfjs/onnxExport.js';
import { errorOf } from '../../tfjs/scripts/errorOf.js';

const dir = await mkdtemp(join(tmpdir(), 'sedna-onnx-estimator-'));

/** A w x h PNG: left half red, right half blue. */
function halves(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (x < width / 2) raw[o] = 255;
      else raw[o + 2] = 255;
    }
  return sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** Value of pixel (x, y), channel c of a [1, 3, H, W] or [1, H, W, 3] tensor. */
function at(data: Float32Array, dims: number[], x: number, y: number, c: number): number {
  const nchw = dims[1] === 3;
  const [h, w] = nchw ? [dims[2] as number, dims[3] as number] : [dims[1] as number, dims[2] as number];
  return (nchw ? data[(c * h + y) * w + x] : data[(y * w + x) * 3 + c]) as number;
}
const round = (v: number) => Math.round(v * 1000) / 1000;

try {
  const png = await halves(20, 10);
  const pngPath = join(dir, 'halves.png');
  await writeFile(pngPath, png);
  // Stored as 20x10 with EXIF orientation 6 (turn 90 degrees clockwise to display): 10x20 upright.
  const rotatedPath = join(dir, 'rotated.jpg');
  await sharp(png).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toFile(rotatedPath);
  const greyPath = join(dir, 'grey.png');
  await sharp(Buffer.alloc(64, 51), { raw: { width: 8, height: 8, channels: 1 } }).png().toFile(greyPath);

  const letterboxed = await preprocessImage(pngPath, { width: 16, height: 16 });
  const nhwcBgr = await preprocessImage(png, { width: 16, height: 16, layout: 'NHWC', channelOrder: 'BGR', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
  const stretched = await preprocessImage(png, { width: 16, height: 16, resize: 'stretch' });
  const rotated = await preprocessImage(rotatedPath, { width: 16, height: 16 });
  const grey = await preprocessImage(greyPath, { width: 4, height: 4 });

  const preprocessing = {
    letterbox: letterboxed.letterbox,
    dims: letterboxed.dims,
    // Pad rows above and below, red on the left, blue on the right, in RGB NCHW scaled to [0, 1].
    padPixel: [0, 1, 2].map((c) => round(at(letterboxed.data, letterboxed.dims, 8, 1, c))),
    leftPixel: [0, 1, 2].map((c) => round(at(letterboxed.data, letterboxed.dims, 2, 8, c))),
    rightPixel: [0, 1, 2].map((c) => round(at(letterboxed.data, letterboxed.dims, 13, 8, c))),
    // BGR, NHWC, (v / 255 - 0.5) / 0.25: red is (-2, -2, 2).
    nhwcDims: nhwcBgr.dims,
    nhwcLeftPixel: [0, 1, 2].map((c) => round(at(nhwcBgr.data, nhwcBgr.dims, 2, 8, c))),
    stretched: stretched.letterbox,
    stretchedTopLeft: [0, 1, 2].map((c) => round(at(stretched.data, stretched.dims, 1, 0, c))),
    rotated: rotated.letterbox,
    // Upright, the red half is on top: pixel (8, 3) is red, (8, 12) is blue; columns 0-3 are padding.
    rotatedTop: [0, 1, 2].map((c) => round(at(rotated.data, rotated.dims, 8, 3, c))),
    rotatedBottom: [0, 1, 2].map((c) => round(at(rotated.data, rotated.dims, 8, 12, c))),
    rotatedPad: [0, 1, 2].map((c) => round(at(rotated.data, rotated.dims, 1, 8, c))),
    greyPixel: [0, 1, 2].map((c) => round(at(grey.data, grey.dims, 1, 1, c))),
    unletterboxed: unletterboxBox([0, 4, 16, 12, 0.9, 2], letterboxed.letterbox),
    clamped: unletterboxBox([-5, 0, 20, 16], letterboxed.letterbox),
    errors: {
      notAnImage: await errorOf(() => preprocessImage(Buffer.from('not an image'), { width: 16, height: 16 })),
      missingFile: await errorOf(() => preprocessImage(join(dir, 'nowhere.png'), { width: 16, height: 16 })),
      badWidth: await errorOf(() => preprocessImage(png, { width: 0, height: 16 })),
      badStd: await errorOf(() => preprocessImage(png, { width: 16, height: 16, std: [1, 0, 1] })),
    },
  };

  // The identity-like model: NCHW input in, pixels flattened channels-last out.
  const { tf } = await initTfjs({ backend: 'cpu' });
  const input = tf.input({ shape: [16, 16, 3], name: 'pixels' });
  const flat = tf.layers.reshape({ targetShape: [768], name: 'flat' }).apply(input) as ReturnType<typeof tf.input>;
  const modelPath = join(dir, 'model', 'model.onnx');
  await saveOnnx(tf.model({ inputs: input, outputs: flat }), modelPath, { inputLayout: 'NCHW' });

  const estimator = new OnnxEstimator({ image: { width: 16, height: 16 } });
  await estimator.load(join(dir, 'model'));
  const names = { inputs: estimator.inputNames, outputs: estimator.outputNames };
  const fromPath = await estimator.predict(pngPath);
  const fromBuffer = await estimator.predict(png);
  const out = (p: OnnxPrediction) => Array.from(p.outputs.flat?.data as Float32Array);
  const expected = Array.from({ length: 768 }, (_, i) => at(letterboxed.data, letterboxed.dims, Math.floor(i / 3) % 16, Math.floor(i / 48), i % 3));
  const fromRaw = await estimator.predict({ data: letterboxed.data, dims: letterboxed.dims });
  const fromOrt = await estimator.predict(new ort.Tensor('float32', letterboxed.data, letterboxed.dims));
  const fromRecord = await estimator.predict({ pixels: { data: letterboxed.data, dims: letterboxed.dims } });

  const withPost = new OnnxEstimator<number>({ image: { width: 16, height: 16 }, postprocess: (p) => (p.outputs.flat?.data as Float32Array).reduce((a, b) => a + b, 0) });
  await withPost.load(modelPath);
  const postprocessed = await withPost.predict(png);
  await withPost.dispose();

  const data: DataSource = { dataType: 'eval', x: [pngPath, png], y: [1, 2], numExamples: () => 2 };
  const scorer = new OnnxEstimator({ image: { width: 16, height: 16 }, metrics: ({ predictions, data: d }) => ({ count: predictions.length, labels: d.y.length, withLetterbox: predictions.filter((p) => p.letterbox !== undefined).length }) });
  const scored = await scorer.evaluate(data, { modelPath });

  const savedDir = join(dir, 'saved');
  const saved = await estimator.save(savedDir);
  const sameBytes = Buffer.compare(await readFile(join(savedDir, 'model.onnx')), await readFile(modelPath)) === 0;

  await writeFile(join(dir, 'garbage.onnx'), 'not a model');
  const bare = new OnnxEstimator();
  await bare.load(modelPath);
  const errors = {
    imageWithoutOptions: await errorOf(() => bare.predict(png)),
    unknownInput: await errorOf(() => estimator.predict({ image: { data: letterboxed.data, dims: letterboxed.dims } })),
    dimsMismatch: await errorOf(() => estimator.predict({ data: letterboxed.data, dims: [1, 3, 16, 15] })),
    wrongShapeForModel: await errorOf(() => estimator.predict({ data: new Float32Array(3 * 8 * 8), dims: [1, 3, 8, 8] })),
    notATensor: await errorOf(() => toOrtTensor({ data: [1, 2] as unknown as Float32Array, dims: [2] })),
    train: await errorOf(() => estimator.train()),
    evaluateWithoutMetrics: await errorOf(() => bare.evaluate(data, { modelPath })),
    loadMissing: await errorOf(() => bare.load(join(dir, 'nowhere.onnx'))),
    loadGarbage: await errorOf(() => bare.load(join(dir, 'garbage.onnx'))),
  };
  await bare.dispose();
  await scorer.dispose();
  await estimator.dispose();
  const afterDispose = await errorOf(() => estimator.predict(png));

  console.log(
    JSON.stringify({
      preprocessing,
      names,
      letterboxFromPath: fromPath.letterbox,
      pathMatchesPreprocessing: out(fromPath).every((v, i) => v === expected[i]),
      bufferMatchesPath: JSON.stringify(out(fromBuffer)) === JSON.stringify(out(fromPath)),
      rawMatchesPath: JSON.stringify(out(fromRaw)) === JSON.stringify(out(fromPath)) && fromRaw.letterbox === undefined,
      ortMatchesPath: JSON.stringify(out(fromOrt)) === JSON.stringify(out(fromPath)),
      recordMatchesPath: JSON.stringify(out(fromRecord)) === JSON.stringify(out(fromPath)),
      postprocessed: round(postprocessed),
      expectedSum: round(expected.reduce((a, b) => a + b, 0)),
      scored,
      saved: saved.map((f) => ({ path: f.path === join(savedDir, 'model.onnx'), format: f.format })),
      sameBytes,
      errors,
      afterDispose,
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
