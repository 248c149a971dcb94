/**
 * `@sedna-ts/worker-sdk/tfjs`: TensorFlow.js for train and eval workers. `initTfjs()` picks tfjs-node
 * when installed, else the wasm backend with our training kernels (checked by a start-up self-test),
 * else the cpu backend; `TfjsEstimator` wraps a LayersModel as a Sedna estimator; `exportToOnnx`
 * converts a trained model for onnxruntime.
 *
 * @packageDocumentation
 */

// Runtime.
export { initTfjs } from './initTfjs.js';

// Estimator.
export { TfjsEstimator } from './tfjsEstimator.js';
export { TfjsTabularEstimator, TABULAR_META_FILE } from './tabularEstimator.js';
export { ONNX_MODEL_FILE } from '../onnx/modelFile.js';

// Model files.
export { saveLayersModel, loadLayersModel, TFJS_MODEL_JSON } from './layersModelFiles.js';

// ONNX export.
export { exportToOnnx, saveOnnx, ONNX_OPSET, ONNX_EXPORTABLE_LAYERS, ONNX_EXPORTABLE_ACTIVATIONS } from './onnxExport.js';

// Wasm training kernels.
export { WASM_TRAINING_KERNELS } from './wasmKernels.js';

// Types.
export type { Tf } from './tfTypes.js';
export type { TfjsBackendName, InitTfjsOptions, TfjsRuntime } from './initTfjs.js';
export type { TfjsSelfTest, TfjsSelfTestCheck } from './selfTest.js';
export type { TfjsEstimatorOptions, TensorPair, TfjsMetricsInput, TfjsWeight } from './tfjsEstimator.js';
export type { TfjsTabularEstimatorOptions, TabularPrediction } from './tabularEstimator.js';
export type { OnnxExportOptions } from './onnxExport.js';
export type { WasmTrainingKernel } from './wasmKernels.js';
