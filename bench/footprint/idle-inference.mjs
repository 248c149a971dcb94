// An inference worker that has loaded its model and waits (bench/footprint): IncrementalLearning with
// the helmet detector on onnxruntime (one thread), hot update on, one call made so the model is in
// memory. Tells its parent (IPC) when it is ready, then idles until killed.
import { IncrementalLearning } from '@sedna-ts/worker-sdk';
import { OnnxEstimator, ort } from '@sedna-ts/worker-sdk/onnx';

const il = new IncrementalLearning(() => new OnnxEstimator({ sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 } }));
await il.inference(new ort.Tensor('float32', new Float32Array(96 * 128 * 3).fill(0.5), [1, 96, 128, 3]));
process.send?.({ type: 'ready', version: il.modelVersion });
setInterval(() => undefined, 60_000);
