// The inference worker of bench/hot-swap: IncrementalLearning.inference() on the helmet detector at a
// fixed rate (calls started on a schedule, not one after the other), with hot update on. It tells its
// parent (IPC) when it serves, the first result of each new model version, and at the end every call's
// outcome. Env: as an inference pod gets it (MODEL_URL, MODEL_HOT_UPDATE, MODEL_HOT_UPDATE_CONFIG...)
// plus BENCH_RATE (calls per second).
import { IncrementalLearning } from '@sedna-ts/worker-sdk';
import { OnnxEstimator, ort } from '@sedna-ts/worker-sdk/onnx';

const RATE = Number(process.env.BENCH_RATE ?? 100);
const now = () => performance.timeOrigin + performance.now();
const il = new IncrementalLearning(() => new OnnxEstimator({ sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 } }));
// The detector's input: one letterboxed 128x96 RGB frame, values in [0, 1].
const input = new ort.Tensor('float32', Float32Array.from({ length: 96 * 128 * 3 }, (_, i) => ((i * 7919) % 255) / 255), [1, 96, 128, 3]);

const calls = { started: 0, ok: 0, failed: 0, errors: [] };
const latencies = [];
const firstResult = new Map();
let stopping = false;
let inFlight = 0;

async function call() {
  const version = il.modelVersion;
  const t0 = now();
  calls.started++;
  inFlight++;
  try {
    await il.inference(input);
    const t1 = now();
    calls.ok++;
    latencies.push(t1 - t0);
    if (version !== undefined && !firstResult.has(version)) {
      firstResult.set(version, t1);
      process.send?.({ type: 'first', version, at: t1 });
    }
  } catch (error) {
    calls.failed++;
    if (calls.errors.length < 5) calls.errors.push(error.message);
  } finally {
    inFlight--;
  }
}

await il.inference(input); // the initial model loaded
process.send?.({ type: 'ready', version: il.modelVersion });
process.on('message', (m) => {
  if (m?.type === 'stop') stopping = true;
});
const began = now();
let n = 0;
while (!stopping) {
  void call();
  n++;
  const wait = began + (n * 1000) / RATE - now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
const seconds = (now() - began) / 1000;
// The deploy reports are spooled (no LC here); close() would retry them, so the counts go first.
process.send?.({ type: 'done', calls, rate: calls.started / seconds, latencies }, () => process.exit(0));
