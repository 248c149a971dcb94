// The inference worker of the IncrementalLearningJob: watches a folder standing in for a camera (frames
// written there by temp file + rename), detects hard hats and bare heads in every frame with the
// deployed model on onnxruntime, asks the hard-example filter (HEM_NAME / HEM_PARAMETERS, IBT by
// default) and saves the hard frames into HE_SAVED_URL for labelling. With MODEL_HOT_UPDATE=true the
// SDK swaps in each model the LC publishes, without dropping a frame.
//
// Parameters (env, as the job template sets them): frames_dir (default /frames), box_threshold (0.3:
// boxes below it are not reported), poll_ms (200), keep_frames (false: processed frames are deleted),
// max_frames (0: run until stopped), stats_file (a JSON file rewritten with the counters and the time
// of the last hot swap), concurrency (2: frames in flight at once, so sharp's decoding of one frame
// overlaps onnxruntime's run of another; onnxruntime itself runs on one thread, see the README's
// "Edge pipeline").
import { BaseConfig, Context, IncrementalLearning, writeFileAtomic } from '@sedna-ts/worker-sdk';
import { type Detection } from './src/boxes.js';
import { consumeFrames } from './src/frameFolder.js';
import { HelmetDetector } from './src/onnxDetector.js';

const framesDir = Context.getParameters('frames_dir', '/frames');
const boxThreshold = Context.getFloat('box_threshold', 0.3);
const pollMs = Context.getInt('poll_ms', 200);
const keepFrames = Context.getBool('keep_frames', false);
const maxFrames = Context.getInt('max_frames', 0);
const concurrency = Context.getInt('concurrency', 2);
if (!(concurrency >= 1)) throw new Error(`inference: env concurrency: ${concurrency} is not a number of frames (at least 1)`);
const statsFile = Context.getParameters('stats_file');

// The CRD's HEM wins; without one, the original example's IBT thresholds.
const hem = IncrementalLearning.getHemAlgorithmFromConfig() ?? { method: 'IBT', param: { threshold_img: 0.9, threshold_box: 0.9 } };
const il = new IncrementalLearning<Uint8Array, Detection[]>(() => new HelmetDetector({ decode: { scoreThreshold: boxThreshold } }), hem);
let lastSwap: { version: string; time: string } | null = null;
il.onModelUpdate((event) => {
  if (event.status === 'completed') {
    lastSwap = { version: event.version, time: new Date().toISOString() };
    console.log(`inference: model ${event.version} now serving (hot update from ${event.modelPath})`);
  }
  else console.log(`inference: model ${event.version} rejected, the previous model keeps serving: ${event.error?.message ?? ''}`);
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    stopping = true;
  });
}

let frames = 0;
let hard = 0;
let lastStatsWrite = 0;

async function writeStats(force = false): Promise<void> {
  if (!statsFile || (!force && Date.now() - lastStatsWrite < 1000)) return;
  lastStatsWrite = Date.now();
  const stats = il.stats();
  await writeFileAtomic(
    statsFile,
    JSON.stringify({ frames, hardExamples: hard, savedHardExamples: stats.savedHardExamples, modelVersion: stats.modelVersion ?? null, modelUpdates: stats.modelUpdates, lastSwap, time: new Date().toISOString() }),
  );
}

console.log(`inference: watching ${framesDir}; model ${BaseConfig.modelUrl}; HEM ${hem.method} ${JSON.stringify(hem.param)}; hard examples to ${BaseConfig.heSavedUrl ?? '(HE_SAVED_URL not set: not saved)'}`);
await consumeFrames({
  dir: framesDir,
  accept: (n) => /\.(png|jpe?g)$/i.test(n) && !n.startsWith('.'),
  pollMs,
  keepFrames,
  concurrency,
  limit: maxFrames,
  stopped: () => stopping,
  onIdle: () => writeStats(true),
  onFrame: async (bytes, _name, inTurn) => {
    const [, detections, isHard] = await il.inference(bytes);
    frames++;
    if (isHard) {
      hard++;
      // Saved in the frames' order whatever order they finish in: the labeller takes the oldest first.
      if (BaseConfig.heSavedUrl) await inTurn(() => il.saveHardExample(bytes, detections));
    }
  },
  afterFrame: async () => {
    if (frames % 100 === 0) console.log(`inference: ${frames} frames, ${hard} hard examples, model ${il.modelVersion}`);
    await writeStats();
  },
});
await writeStats(true);
console.log(`inference: stopped after ${frames} frames, ${hard} hard examples`);
await il.close();
