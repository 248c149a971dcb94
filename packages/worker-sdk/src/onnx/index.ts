/**
 * `@sedna-ts/worker-sdk/onnx`: inference on onnxruntime-node for inference and eval workers. An
 * `OnnxEstimator` holds one session; images (paths or encoded bytes) are decoded, letterboxed and
 * normalised with sharp (loaded only for images). onnxruntime-node and sharp are optional peer
 * dependencies of the SDK: importing this subpath without onnxruntime-node installed throws a
 * `RUNTIME_UNAVAILABLE` WorkerSdkError naming it and the command that installs it.
 *
 * @packageDocumentation
 */

// Estimator and session.
export { OnnxEstimator, createSession, toOrtTensor } from './onnxEstimator.js';
export { ONNX_MODEL_FILE } from './modelFile.js';

// The onnxruntime-node module the estimator uses (ort.Tensor, ort.InferenceSession), an optional peer
// dependency loaded when this subpath is imported.
export { ort } from './ortRuntime.js';

// Image preprocessing.
export { preprocessImage, unletterboxBox } from './imagePreprocess.js';

// Types.
export type { OnnxInput, OnnxPrediction, OnnxEstimatorOptions, TensorData } from './onnxEstimator.js';
export type { ImagePreprocessOptions, Letterbox, PreprocessedImage } from './imagePreprocess.js';
export type { OrtModule } from './ortRuntime.js';
