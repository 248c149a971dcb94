/**
 * The serving side of the detector: an `OnnxEstimator` (onnxruntime-node, sharp preprocessing) whose
 * predictions are decoded, suppressed (NMS) and mapped back to the image's own pixels, and whose
 * `evaluate` gives the example's metrics. Inference and eval workers use it.
 */
import { HelmetError } from './errors.js';
import { type DataSource, type EstimatorOptions, type Metrics } from '@sedna-ts/worker-sdk';
import { OnnxEstimator, unletterboxBox, type OnnxPrediction } from '@sedna-ts/worker-sdk/onnx';
import { type Detection } from './boxes.js';
import { IMAGE_OPTIONS } from './dataset.js';
import { samplesOf } from './indexFile.js';
import { decodeDetections, type DecodeOptions } from './detector.js';
import { detectionMetrics } from './metrics.js';

/** Options of `HelmetDetector`. */
export interface HelmetDetectorOptions {
  /** Decoding and NMS (default: score 0.05, IoU 0.45, class-agnostic). */
  decode?: DecodeOptions;
  /** onnxruntime threads (default 1: the edge node's cores are shared with the camera and the LC). */
  threads?: number;
}

/** The first output of a prediction, checked. */
function outputOf(prediction: OnnxPrediction): Float32Array {
  const [first] = Object.values(prediction.outputs);
  if (first === undefined || !(first.data instanceof Float32Array)) throw new HelmetError('MODEL_OUTPUT_INVALID', 'HelmetDetector: the model has no float32 output');
  return first.data;
}

/**
 * The detector on onnxruntime: `predict(imagePathOrBytes)` gives `[x1, y1, x2, y2, score, cls][]` in
 * the image's pixels; `evaluate` scores a model file on a `TxtDataParse` source.
 *
 * @example
 * const detector = new HelmetDetector({ decode: { scoreThreshold: 0.3 } });
 * await detector.load('models/base/model.onnx');
 * const boxes = await detector.predict('frame.png'); // [[x1, y1, x2, y2, score, cls], ...]
 */
export class HelmetDetector extends OnnxEstimator<Detection[]> {
  constructor(options: HelmetDetectorOptions = {}) {
    const threads = options.threads ?? 1;
    super({
      image: IMAGE_OPTIONS,
      sessionOptions: { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' },
      postprocess: (prediction) => {
        const detections = decodeDetections(outputOf(prediction), options.decode);
        const letterbox = prediction.letterbox;
        if (letterbox === undefined) return detections;
        return detections.map((d) => unletterboxBox(d, letterbox) as Detection);
      },
    });
  }

  /**
   * Scores the model at `modelPath` on labelled data (train sources, or test sources parsed with
   * `useRaw`): `precision` and `recall` per class at `obj_threshold` (default 0.5), `ap` per class and
   * `map50`, the numbers of images and ground-truth boxes.
   */
  override async evaluate(data: DataSource, options: EstimatorOptions & { modelPath: string }): Promise<Metrics> {
    if (options.modelPath && options.modelPath !== this.modelPath) await this.load(options.modelPath);
    const samples = samplesOf(data);
    const detections: Detection[][] = [];
    for (const sample of samples) detections.push(await this.predict(sample.path));
    const threshold = Number(options.obj_threshold ?? 0.5);
    if (!Number.isFinite(threshold)) throw new HelmetError('INVALID_ARGUMENT', `HelmetDetector.evaluate: options.obj_threshold: ${JSON.stringify(options.obj_threshold)} is not a number`);
    const m = detectionMetrics(
      detections,
      samples.map((s) => s.boxes),
      { scoreThreshold: threshold },
    );
    return { precision: m.precision, recall: m.recall, ap: m.ap, map50: m.map50, images: m.images, ground_truth: m.groundTruth };
  }
}
