/**
 * `@sedna-ts/worker-sdk/onnx`: inference on onnxruntime-node for inference and eval workers. An
 * `OnnxEstimator` holds one session; images (paths or encoded bytes) are decoded, letterboxed and
 * normalised with sharp (loaded only for images).
 *
 * @packageDocumentation
 */

// Estimator and session.
export { OnnxEstimator, createSession, toOrtTensor } from './onnxEstimator.js';
export { ONNX_MODEL_FILE } from './modelFile.js';

// The onnxruntime-node namespace the estimator uses (ort.Tensor, ort.InferenceSession).
export * as ort from 'onnxruntime-node';

// Image preprocessing.
export { preprocessImage, unletterboxBox } from './imagePreprocess.js';

// Types.
export type { OnnxInput, OnnxPrediction, OnnxEstimatorOptions, TensorData } from './onnxEstimator.js';
export type { ImagePreprocessOptions, Letterbox, PreprocessedImage } from './imagePreprocess.js';
