// Child script: what initTfjs picks. Argument: `default`, or `fault <Kernel>` to break one of our kernels
// through the test hook before start-up. Prints the runtime summary, or {error: {name, code, message}}.
import { WorkerSdkError } from '../../../src/errors.js';
import { initTfjs } from '../../../src/tfjs/initTfjs.js';
import { faultInjection, WASM_TRAINING_KERNELS, type WasmTrainingKernel } from '../../../src/tfjs/wasmKernels.js';

const [mode, kernel] = process.argv.slice(2);
if (mode === 'fault') faultInjection.kernel = kernel as WasmTrainingKernel;

try {
  const runtime = await initTfjs();
  const again = await initTfjs();
  const { tf } = runtime;
  // One training step on whatever backend was chosen, to show it is usable.
  const model = tf.sequential({ layers: [tf.layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, inputShape: [9, 9, 1] }), tf.layers.flatten(), tf.layers.dense({ units: 1 })] });
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  const loss = (await model.trainOnBatch(tf.ones([2, 9, 9, 1]), tf.zeros([2, 1]))) as number;
  console.log(
    JSON.stringify({
      backend: runtime.backend,
      activeBackend: tf.getBackend(),
      memoised: again === runtime,
      selfTest: { passed: runtime.selfTest.passed, skipped: runtime.selfTest.skipped, checks: runtime.selfTest.checks.length, maxError: runtime.selfTest.maxError, error: runtime.selfTest.error, failed: runtime.selfTest.checks.filter((c) => !c.passed).map((c) => c.name) },
      kernels: runtime.kernels,
      wasmKernelsRegistered: WASM_TRAINING_KERNELS.filter((k) => tf.getKernel(k, 'wasm') !== undefined),
      fallbackReason: runtime.fallbackReason,
      lossIsFinite: Number.isFinite(loss),
    }),
  );
} catch (error) {
  const e = error as WorkerSdkError;
  console.log(JSON.stringify({ error: { name: e.name, code: e instanceof WorkerSdkError ? e.code : undefined, message: e.message } }));
}
