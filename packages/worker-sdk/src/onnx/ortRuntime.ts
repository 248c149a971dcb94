/**
 * onnxruntime-node, an optional peer dependency of the SDK, loaded when `@sedna-ts/worker-sdk/onnx` is
 * imported: without it that import fails with a `RUNTIME_UNAVAILABLE` error naming the package and the
 * command that installs it (the SDK's main entry never loads it).
 */
import type * as Ort from 'onnxruntime-node';
import { requirePeer } from '../optionalPeers.js';

/** The onnxruntime-node module. */
export type OrtModule = typeof Ort;

/**
 * The onnxruntime-node module the estimator uses (`ort.Tensor`, `ort.InferenceSession`): the same
 * instance as a script's own `import * as ort from 'onnxruntime-node'`, so its tensors pass
 * `instanceof`. For the types, `import type { Tensor, InferenceSession } from 'onnxruntime-node'`.
 */
export const ort: OrtModule = requirePeer<OrtModule>('onnxruntime-node', '@sedna-ts/worker-sdk/onnx');
