// The inference worker, as a user writes it: frames from a folder, run through the deployed ONNX model
// by several concurrent callers, boxes judged by the hard-example filter of the job (HEM_NAME,
// HEM_PARAMETERS), hard frames saved into HE_SAVED_URL; with MODEL_HOT_UPDATE=true the SDK swaps in the
// model the LC publishes while the calls go on.
//
// Instrumented for the end-to-end test: it prints `{"event":"serving"}` once `ready_after` calls have
// succeeded (the test then publishes a new model), stops `calls_after_update` calls after the update, and
// writes every call (frame, raw output, boxes, hard or not, whether it started after the swap) to
// `records_file`. Its last stdout line is a JSON summary. Without hot update (run by hand:
// `MODEL_URL=/tmp/model/model.onnx frames_dir=/tmp/scenes/images npx tsx inference.ts`) each frame is
// run once.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BaseConfig, Context, IncrementalLearning, writeFileAtomic, type ModelUpdateEvent } from '@sedna-ts/worker-sdk';
import { OnnxEstimator, type OnnxPrediction } from '@sedna-ts/worker-sdk/onnx';
import { boxesOf, SIZE, type Box } from './detector.js';

const framesDir = Context.getParameters('frames_dir', '/frames');
const concurrency = Context.getInt('concurrency', 4);
const readyAfter = Context.getInt('ready_after', 16);
const callsAfterUpdate = Context.getInt('calls_after_update', 32);
const boxThreshold = Context.getFloat('box_threshold', 0.2);
const deadlineMs = Context.getInt('deadline_ms', 60_000);
const recordsFile = Context.getParameters('records_file', join(framesDir, 'records.json'));

const names = (await readdir(framesDir)).filter((n) => n.endsWith('.png')).sort();
const frames = await Promise.all(names.map((n) => readFile(join(framesDir, n))));

const il = new IncrementalLearning<Uint8Array, OnnxPrediction, Box[]>(
  () => new OnnxEstimator({ image: { width: SIZE, height: SIZE, resize: 'stretch', layout: 'NHWC' } }),
  IncrementalLearning.getHemAlgorithmFromConfig(),
);

/** One call, as written to `records_file`. */
export interface CallRecord {
  frame: number;
  output: number[];
  boxes: Box[];
  isHard: boolean;
  afterUpdate: boolean;
}
const records: CallRecord[] = [];
const failures: string[] = [];
const updates: Array<Pick<ModelUpdateEvent, 'status' | 'version' | 'modelPath'> & { error?: string; callsInFlight: number }> = [];
let started = 0;
let finished = 0;
let updated = false;
let callsSinceUpdate = 0;
let savedHardExamples = 0;

il.onModelUpdate((event) => {
  // Calls in flight right at the swap: they finish on the old model.
  updates.push({ status: event.status, version: event.version, modelPath: event.modelPath, callsInFlight: started - finished, ...(event.error ? { error: event.error.message } : {}) });
  if (event.status === 'completed') updated = true;
});

const hotUpdate = BaseConfig.modelHotUpdate;
/** Whether the callers are done: `calls_after_update` calls after the swap, or (without hot update) every frame once. */
const done = (k: number) => (hotUpdate ? updated && callsSinceUpdate >= callsAfterUpdate : k >= frames.length);
const deadline = Date.now() + deadlineMs;
let announced = false;
async function caller(offset: number): Promise<void> {
  for (let k = offset; !done(k) && Date.now() < deadline; k += concurrency) {
    const frame = k % frames.length;
    const afterUpdate = updated;
    started++;
    try {
      const [raw, boxes, isHard] = await il.inference(frames[frame] as Uint8Array, { postProcess: (p) => boxesOf(p, boxThreshold) });
      const output = Object.values(raw.outputs)[0];
      records.push({ frame, output: Array.from(output?.data as Float32Array), boxes, isHard, afterUpdate });
      if (afterUpdate) callsSinceUpdate++;
      if (isHard && BaseConfig.heSavedUrl) {
        await il.saveHardExample(frames[frame], boxes);
        savedHardExamples++;
      }
    } catch (error) {
      failures.push((error as Error).message);
    } finally {
      finished++;
    }
    if (!announced && records.length >= readyAfter) {
      announced = true;
      console.log(JSON.stringify({ event: 'serving', modelVersion: il.modelVersion }));
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, (_, i) => caller(i)));
const stats = il.stats();
// Waits for a hot update in progress, including its deploy report.
await il.close();
await writeFileAtomic(recordsFile, JSON.stringify(records));
const timedOut = hotUpdate ? !updated : started < frames.length;
console.log(JSON.stringify({ calls: started, failed: failures.length, failures: failures.slice(0, 5), updates, savedHardExamples, stats, timedOut }));
process.exitCode = timedOut || failures.length > 0 ? 1 : 0;
