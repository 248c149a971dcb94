import type * as tfjs from '@tensorflow/tfjs';

/** The TensorFlow.js namespace `initTfjs` hands back (@tensorflow/tfjs, or @tensorflow/tfjs-node's re-export of it). */
export type Tf = typeof tfjs;
