/**
 * Which worker image runs a script of a given framework, for the older job form (`workerSpec.frameworkType`).
 *
 * Scripts for TensorFlow/Keras, TensorFlow.js and ONNX run on the Node.js worker image (the worker SDK's
 * tfjs and onnxruntime estimators); PyTorch, MindSpore, PaddlePaddle and scikit-learn scripts on the Python
 * worker image. On one machine the node agent pulls no image: it runs `args[0]` in `workingDir` by its
 * extension (`.js`/`.mjs`/`.cjs` with node, `.ts` with tsx, `.py` with python3), so the image only
 * matters on a cluster.
 */

/** Image of the Node.js worker (Node 20 with @sedna-ts/worker-sdk). */
export const NODE_WORKER_IMAGE = 'sedna-ts/worker-node:0.1';
/** Image of the Python worker (Python 3 with the original sedna library). */
export const PYTHON_WORKER_IMAGE = 'sedna-ts/worker-python:0.1';

/** frameworkType (lower case) -> worker image. */
export const FRAMEWORK_IMAGES = {
  tensorflow: NODE_WORKER_IMAGE,
  keras: NODE_WORKER_IMAGE,
  tfjs: NODE_WORKER_IMAGE,
  onnx: NODE_WORKER_IMAGE,
  onnxruntime: NODE_WORKER_IMAGE,
  nodejs: NODE_WORKER_IMAGE,
  pytorch: PYTHON_WORKER_IMAGE,
  mindspore: PYTHON_WORKER_IMAGE,
  paddlepaddle: PYTHON_WORKER_IMAGE,
  sklearn: PYTHON_WORKER_IMAGE,
  python: PYTHON_WORKER_IMAGE,
} as const;

/** A frameworkType the older form accepts. */
export type FrameworkType = keyof typeof FRAMEWORK_IMAGES;
