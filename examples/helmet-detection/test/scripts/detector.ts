// Child process of test/detector.test.ts: renders frames (twice, for determinism), trains the detector a
// few steps, saves it (tfjs + ONNX), and compares tfjs with onnxruntime on the same images. Prints one
// JSON line with what it measured.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TxtDataParse } from '@sedna-ts/worker-sdk';
import { initTfjs } from '@sedna-ts/worker-sdk/tfjs';
import type { Tensor } from '@tensorflow/tfjs';
import { loadSamples, writeGeneratedDataset } from '../../src/dataset.js';
import { buildDetector, countParameters, decodeDetections } from '../../src/detector.js';
import { samplesOf } from '../../src/indexFile.js';
import { HelmetDetector } from '../../src/onnxDetector.js';
import { FRAME_ID_KEYWORD, readPngText } from '../../src/pngText.js';
import { renderFrame, renderScene } from '../../src/render.js';
import { generateScene } from '../../src/scene.js';
import { HelmetTrainer } from '../../src/trainer.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const dir = await mkdtemp(join(tmpdir(), 'helmet-detector-'));
try {
  // Rendering: the same id gives the same pixels; another id other pixels.
  const first = await renderScene(generateScene('B-3-000001'));
  const again = await renderScene(generateScene('B-3-000001'));
  const other = await renderScene(generateScene('B-3-000002'));
  const png = await renderFrame('A-4-000005', 'png');

  const runtime = await initTfjs();
  runtime.tf.enableProdMode();
  await writeGeneratedDataset({ scenario: 'A', seed: 21, count: 8, dir });
  const data = new TxtDataParse('train');
  await data.parse(join(dir, 'index.txt'));
  const images = await loadSamples(samplesOf(data));

  // A few steps on the same 8 images: the loss must fall.
  const trainer = new HelmetTrainer({ runtime, steps: 12, batchSize: 8, learningRate: 3e-3, flip: false, logEvery: 1 });
  trainer.model = buildDetector(runtime.tf, 7);
  await trainer.fit(images);
  const losses = trainer.losses.map((l) => l.loss);
  const modelDir = join(dir, 'model');
  const saved = await trainer.save(modelDir);

  // ONNX parity: raw outputs of tfjs and onnxruntime on the same preprocessed images.
  const tf = runtime.tf;
  const onnx = new HelmetDetector();
  await onnx.load(modelDir);
  let maxDiff = 0;
  let sameDetections = true;
  const size = 96 * 128 * 3;
  for (let i = 0; i < 3; i++) {
    const pixels = Float32Array.from(images.pixels.subarray(i * size, (i + 1) * size), (v) => v / 255);
    const tfOut = (trainer.model.predict(tf.tensor4d(pixels, [1, 96, 128, 3])) as Tensor).dataSync() as Float32Array;
    const session = onnx.session;
    if (!session) throw new Error('no session');
    const { ort } = await import('@sedna-ts/worker-sdk/onnx');
    const feeds = { [session.inputNames[0] as string]: new ort.Tensor('float32', pixels, [1, 96, 128, 3]) };
    const result = await session.run(feeds);
    const onnxOut = result[session.outputNames[0] as string]?.data as Float32Array;
    for (let j = 0; j < tfOut.length; j++) maxDiff = Math.max(maxDiff, Math.abs((tfOut[j] as number) - (onnxOut[j] as number)));
    const a = decodeDetections(tfOut, { scoreThreshold: 0.05 }).map((d) => d.map((v) => v.toFixed(2)).join(','));
    const b = decodeDetections(onnxOut, { scoreThreshold: 0.05 }).map((d) => d.map((v) => v.toFixed(2)).join(','));
    if (a.join(';') !== b.join(';')) sameDetections = false;
  }
  // The served path end to end: an image file in, boxes in the image's own pixels out.
  const served = await onnx.predict(join(dir, 'images', 'A-21-000000.jpg'));
  const evaluation = await onnx.evaluate(data, { modelPath: join(modelDir, 'model.onnx') });
  await onnx.dispose();
  const onnxBytes = (await readFile(join(modelDir, 'model.onnx'))).length;

  console.log(
    JSON.stringify({
      render: { sameId: sha(first.data) === sha(again.data), otherId: sha(first.data) !== sha(other.data), width: first.info.width, height: first.info.height, pngFrameId: readPngText(png.bytes, FRAME_ID_KEYWORD) },
      parameters: countParameters(trainer.model),
      losses,
      saved: saved.map((f) => ({ file: f.path.slice(modelDir.length + 1).replace(/[0-9a-f]{16}/, 'HASH'), format: f.format })),
      onnxBytes,
      maxDiff,
      sameDetections,
      served: served.every((d) => d.length === 6 && d[0] >= 0 && d[2] <= 192 && d[3] <= 144 && d[4] >= 0.05 && d[4] <= 1),
      evaluation,
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
