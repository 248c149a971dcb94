// Inference throughput of the worker SDK against raw onnxruntime on the same ONNX model, in one run:
// `IncrementalLearning.inference()` with an `OnnxEstimator` (what an inference worker calls) against
// `session.run` on the same onnxruntime session, both fed the same preprocessed input tensors. The model
// is a realistic detector written by our tfjs exporter: six 3x3 convs (16-32-32-64-64-64, strides
// 2-2-1-2-1-1) with BatchNormalization and LeakyReLU and a 1x1 sigmoid head, on 128x128 RGB, the network
// bench/train trains. A second model, one 1x1 conv on 8x8, makes session.run nearly free, so what is left
// is the SDK's own cost per call, in microseconds. Needs the package built:
//   npx nx run @sedna-ts/worker-sdk:build && node bench/inference/run.mjs [--rounds 30] [--calls 40] [--concurrency 1,4]
// Raw and SDK calls alternate call by call, so a change of load on the shared machine hits both alike;
// the spread of the per-round ratios is printed with the totals.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { IncrementalLearning, SednaConfig } from '@sedna-ts/worker-sdk';
import { OnnxEstimator, ort, preprocessImage } from '@sedna-ts/worker-sdk/onnx';
import { initTfjs, saveOnnx } from '@sedna-ts/worker-sdk/tfjs';
import sharp from 'sharp';
import { figure } from '../lib/figures.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '30' },
    calls: { type: 'string', default: '40' },
    concurrency: { type: 'string', default: '1,4' },
    inputs: { type: 'string', default: '16' },
  },
});
const ROUNDS = Number(values.rounds);
const CALLS = Number(values.calls);
const CONCURRENCY = values.concurrency.split(',').map(Number);
const INPUTS = Number(values.inputs);
const SIZE = 128;

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const { tf } = await initTfjs({ logger: quiet });
tf.enableProdMode();

/** The detector, exported by the SDK as TfjsEstimator.save writes model.onnx. */
function detector() {
  const input = tf.input({ shape: [SIZE, SIZE, 3], name: 'image' });
  let h = input;
  [16, 32, 32, 64, 64, 64].forEach((filters, i) => {
    h = tf.layers.conv2d({ filters, kernelSize: 3, strides: [2, 2, 1, 2, 1, 1][i], padding: 'same', useBias: false }).apply(h);
    h = tf.layers.batchNormalization().apply(h);
    h = tf.layers.leakyReLU({ alpha: 0.1 }).apply(h);
  });
  const head = tf.layers.conv2d({ filters: 5, kernelSize: 1, activation: 'sigmoid', name: 'heads' }).apply(h);
  return tf.model({ inputs: input, outputs: head });
}

/** One 1x1 conv on 8x8x3: session.run costs next to nothing. */
function tiny() {
  const input = tf.input({ shape: [8, 8, 3], name: 'image' });
  return tf.model({ inputs: input, outputs: tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(input) });
}

/** Mean of the middle 80%: a call the shared machine descheduled for 50 ms says nothing about the SDK. */
function trimmedMean(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const cut = Math.floor(sorted.length / 10);
  const kept = sorted.slice(cut, sorted.length - cut);
  return kept.reduce((sum, v) => sum + v, 0) / kept.length;
}

/**
 * Serves `model` (saved to `dir`) through the SDK as an inference worker does (MODEL_URL, no HEM, no hot
 * update) and opens raw access to the very session its estimator opened: two sessions of one model differ
 * by up to 15% here (each has its own thread pool and memory arena), which would swamp the SDK's cost.
 */
async function sides(model, dir, name) {
  const modelPath = join(dir, `${name}.onnx`);
  await saveOnnx(model, modelPath);
  const config = new SednaConfig({ env: { MODEL_URL: modelPath, JOB_NAME: 'bench', WORKER_NAME: `bench-${name}`, SEDNA_REPORT_SPOOL_DIR: join(dir, 'spool'), LOG_LEVEL: 'WARN' } });
  let estimator;
  const il = new IncrementalLearning(() => (estimator = new OnnxEstimator()), undefined, { config });
  const [height, width] = model.inputs[0].shape.slice(1, 3);
  await il.inference(new ort.Tensor('float32', new Float32Array(height * width * 3), [1, height, width, 3]));
  const session = estimator.session;
  const inputName = session.inputNames[0];
  return { il, raw: (t) => session.run({ [inputName]: t }), sdk: (t) => il.inference(t) };
}

/**
 * `calls` pairs of calls with `concurrency` callers in flight, every caller making a raw call and an SDK
 * call on the same input back to back (which one goes first flips each time), so both sides run under
 * the same load and with the same number of calls in flight. Returns each call's wall time in ms by side
 * and, for each pair, raw time / SDK time.
 */
async function interleaved({ raw, sdk }, tensors, calls, concurrency) {
  const ms = { raw: [], sdk: [], pairs: [] };
  let next = 0;
  const timed = async (call, t) => {
    const t0 = performance.now();
    await call(t);
    return performance.now() - t0;
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        const i = next++;
        const t = tensors[i % tensors.length];
        let rawMs;
        let sdkMs;
        if (i % 2 === 0) {
          rawMs = await timed(raw, t);
          sdkMs = await timed(sdk, t);
        } else {
          sdkMs = await timed(sdk, t);
          rawMs = await timed(raw, t);
        }
        ms.raw.push(rawMs);
        ms.sdk.push(sdkMs);
        ms.pairs.push(rawMs / sdkMs);
      }
    }),
  );
  return ms;
}

const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];

// With `concurrency` calls always in flight, throughput = concurrency / time per call.
const rate = (times, concurrency) => (concurrency * 1000) / trimmedMean(times);

const dir = await mkdtemp(join(tmpdir(), 'sedna-bench-inference-'));
try {
  // The inputs: random scenes, decoded and letterboxed once; both sides get these very tensors.
  const tensors = [];
  for (let i = 0; i < INPUTS; i++) {
    const pixels = new Uint8Array(160 * 120 * 3).map(() => Math.floor(Math.random() * 256));
    const png = await sharp(pixels, { raw: { width: 160, height: 120, channels: 3 } }).png().toBuffer();
    const image = await preprocessImage(png, { width: SIZE, height: SIZE, layout: 'NHWC' });
    tensors.push(new ort.Tensor('float32', image.data, image.dims));
  }
  const real = await sides(detector(), dir, 'detector');

  // Both sides give the same answer on the same input (the SDK adds no preprocessing of its own).
  const direct = Object.values(await real.raw(tensors[0]))[0].data;
  const viaSdk = Object.values((await real.sdk(tensors[0]))[0].outputs)[0].data;
  const maxDiff = direct.reduce((m, v, i) => Math.max(m, Math.abs(v - viaSdk[i])), 0);

  console.log(`onnxruntime-node ${ort.env.versions?.node ?? ''}, default session options; ${SIZE}x${SIZE}x3 detector from exportToOnnx; ${INPUTS} preprocessed inputs; SDK vs raw outputs max |diff| ${maxDiff}`);
  console.log(`${ROUNDS} rounds of ${CALLS} calls per side, raw and SDK calls alternating in every caller, after one warm-up round;`);
  console.log('calls/s from the mean time per call without the fastest and slowest 10%; median pair ratio: the median of raw time / SDK time');
  console.log('over the back-to-back pairs, which a change of load between rounds does not move\n');
  console.log('in flight   raw session.run/s   SDK inference()/s   ratio SDK/raw   median pair ratio   per-round ratio min..max');
  for (const concurrency of CONCURRENCY) {
    await interleaved(real, tensors, CALLS, concurrency);
    const all = { raw: [], sdk: [], pairs: [] };
    const ratios = [];
    for (let r = 0; r < ROUNDS; r++) {
      const ms = await interleaved(real, tensors, CALLS, concurrency);
      for (const key of ['raw', 'sdk', 'pairs']) all[key].push(...ms[key]);
      ratios.push(rate(ms.sdk, concurrency) / rate(ms.raw, concurrency));
    }
    ratios.sort((x, y) => x - y);
    const rawRate = rate(all.raw, concurrency);
    const sdkRate = rate(all.sdk, concurrency);
    console.log(
      `${String(concurrency).padStart(9)}   ${rawRate.toFixed(1).padStart(17)}   ${sdkRate.toFixed(1).padStart(17)}   ${(sdkRate / rawRate).toFixed(3).padStart(13)}   ${median(all.pairs).toFixed(3).padStart(17)}   ${ratios[0].toFixed(2)}..${ratios[ratios.length - 1].toFixed(2)}`,
    );
    figure({
      id: `inference.sdk-over-raw.c${concurrency}`,
      title: `SDK inference() calls/s over raw session.run, ${concurrency} in flight`,
      value: sdkRate / rawRate,
      unit: 'ratio',
      size: `${SIZE}x${SIZE} detector, ${ROUNDS} rounds of ${CALLS} calls per side, alternating`,
      goal: { op: '>=', value: 0.9 },
      note: concurrency === 1 ? `raw ${rawRate.toFixed(0)} calls/s, SDK ${sdkRate.toFixed(0)} calls/s` : undefined,
    });
  }
  console.log('goal: SDK/raw at least 0.9');

  // The SDK's own cost per call: the same comparison where session.run does almost nothing.
  const cheap = await sides(tiny(), dir, 'tiny');
  const small = [new ort.Tensor('float32', new Float32Array(8 * 8 * 3).fill(0.5), [1, 8, 8, 3])];
  await interleaved(cheap, small, 2000, 1);
  const ms = await interleaved(cheap, small, 20000, 1);
  const rawUs = trimmedMean(ms.raw) * 1000;
  const sdkUs = trimmedMean(ms.sdk) * 1000;
  figure({ id: 'inference.sdk-cost', title: 'SDK cost per inference() call beyond session.run', value: sdkUs - rawUs, unit: 'us', size: '1x1 conv on 8x8, 20000 calls per side, one in flight' });
  console.log(`\nSDK cost per call (1x1 conv on 8x8, 20000 calls per side, one in flight): raw ${rawUs.toFixed(1)} us, SDK ${sdkUs.toFixed(1)} us, difference ${(sdkUs - rawUs).toFixed(1)} us`);
  await real.il.close();
  await cheap.il.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
