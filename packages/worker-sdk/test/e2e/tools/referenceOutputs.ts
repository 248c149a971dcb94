// Test tool (not a worker): the raw onnxruntime outputs of each model for each frame, preprocessed as the
// inference worker's OnnxEstimator does. Args: <frames dir> <model.onnx>... Prints {models: [[per frame
// output]]} in argument order.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ort, preprocessImage } from '@sedna-ts/worker-sdk/onnx';

const [framesDir, ...models] = process.argv.slice(2) as [string, ...string[]];
const names = (await readdir(framesDir)).filter((n) => n.endsWith('.png')).sort();
const inputs = await Promise.all(names.map((n) => preprocessImage(join(framesDir, n), { width: 32, height: 32, resize: 'stretch', layout: 'NHWC' })));
const out: number[][][] = [];
for (const model of models) {
  const session = await ort.InferenceSession.create(model);
  const perFrame: number[][] = [];
  for (const input of inputs) {
    const result = await session.run({ [session.inputNames[0] as string]: new ort.Tensor('float32', input.data, input.dims) });
    perFrame.push(Array.from(result[session.outputNames[0] as string]?.data as Float32Array));
  }
  out.push(perFrame);
  await session.release();
}
console.log(JSON.stringify({ models: out }));
