/**
 * Detection metrics: the original helmet example's precision and recall per class (IoU-matched boxes
 * above a score threshold), plus average precision per class and mAP@0.5 (all-point interpolation, as
 * PASCAL VOC since 2010).
 */
import { HelmetError } from './errors.js';
import { iou, type Detection } from './boxes.js';
import { type Box } from './scene.js';

/** Options of `detectionMetrics`. */
export interface MetricsOptions {
  /** Number of classes (default 2: helmet, head). */
  numClasses?: number;
  /** A detection matches a ground truth of its class when their IoU is at least this (default 0.5). */
  iouThreshold?: number;
  /** Detections scoring below this do not count for precision and recall (default 0.5). AP uses them all. */
  scoreThreshold?: number;
}

/** Metrics of a detector on a labelled set. Lists are per class, in class id order. */
export interface DetectionMetrics {
  /** correct_c / predicted_c at `scoreThreshold` (0 when nothing is predicted but something exists, 1 when neither). */
  precision: number[];
  /** correct_c / ground_truth_c at `scoreThreshold` (1 when the class has no ground truth). */
  recall: number[];
  /** Average precision at `iouThreshold` per class (all-point interpolated). */
  ap: number[];
  /** Mean of `ap` over the classes that have ground truth. */
  map50: number;
  /** Ground-truth boxes per class. */
  groundTruth: number[];
  /** Images scored. */
  images: number;
}

interface Scored {
  score: number;
  tp: boolean;
}

/** Matches one image's detections of class `cls` to its ground truths, best score first. */
function matchImage(detections: readonly Detection[], truths: readonly Box[], cls: number, iouThreshold: number): Scored[] {
  const gts = truths.filter((t) => t.cls === cls).map((t) => [t.x1, t.y1, t.x2, t.y2]);
  const used = new Array<boolean>(gts.length).fill(false);
  const mine = detections.filter((d) => d[5] === cls).sort((a, b) => b[4] - a[4]);
  return mine.map((d) => {
    let best = -1;
    let bestIou = iouThreshold;
    gts.forEach((g, j) => {
      if (used[j]) return;
      const v = iou(d, g);
      if (v >= bestIou) {
        bestIou = v;
        best = j;
      }
    });
    if (best >= 0) used[best] = true;
    return { score: d[4], tp: best >= 0 };
  });
}

/** All-point interpolated average precision from scored matches and the number of ground truths. */
export function averagePrecision(scored: readonly Scored[], numTruths: number): number {
  if (numTruths === 0) return 0;
  const sorted = [...scored].sort((a, b) => b.score - a.score);
  const recalls: number[] = [];
  const precisions: number[] = [];
  let tp = 0;
  sorted.forEach((s, i) => {
    if (s.tp) tp++;
    recalls.push(tp / numTruths);
    precisions.push(tp / (i + 1));
  });
  // Precision envelope, right to left, then the area under the step curve.
  for (let i = precisions.length - 2; i >= 0; i--) precisions[i] = Math.max(precisions[i] as number, precisions[i + 1] as number);
  let ap = 0;
  let previousRecall = 0;
  recalls.forEach((r, i) => {
    ap += (r - previousRecall) * (precisions[i] as number);
    previousRecall = r;
  });
  return ap;
}

/**
 * Scores detections against ground truth over a set of images (`detections[i]` and `truths[i]` belong
 * to image i, in the same coordinates).
 *
 * @example
 * const m = detectionMetrics([[[10, 10, 30, 30, 0.9, 0]]], [[{ x1: 10, y1: 10, x2: 30, y2: 30, cls: 0 }]]);
 * m.precision; // [1, 1]; m.map50 === 1
 */
export function detectionMetrics(detections: readonly (readonly Detection[])[], truths: readonly (readonly Box[])[], options: MetricsOptions = {}): DetectionMetrics {
  if (detections.length !== truths.length) throw new HelmetError('INVALID_ARGUMENT', `detectionMetrics: ${detections.length} detection lists for ${truths.length} images`);
  const numClasses = options.numClasses ?? 2;
  const iouThreshold = options.iouThreshold ?? 0.5;
  const scoreThreshold = options.scoreThreshold ?? 0.5;
  const precision: number[] = [];
  const recall: number[] = [];
  const ap: number[] = [];
  const groundTruth: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const all: Scored[] = [];
    let correct = 0;
    let predicted = 0;
    let gt = 0;
    detections.forEach((dets, i) => {
      const t = truths[i] as readonly Box[];
      gt += t.filter((b) => b.cls === c).length;
      all.push(...matchImage(dets, t, c, iouThreshold));
      // Precision and recall count only confident detections, matched among themselves.
      const confident = matchImage(
        dets.filter((d) => d[4] >= scoreThreshold),
        t,
        c,
        iouThreshold,
      );
      predicted += confident.length;
      correct += confident.filter((s) => s.tp).length;
    });
    precision.push(predicted > 0 ? correct / predicted : gt > 0 ? 0 : 1);
    recall.push(gt > 0 ? correct / gt : 1);
    ap.push(averagePrecision(all, gt));
    groundTruth.push(gt);
  }
  const withTruth = ap.filter((_, c) => (groundTruth[c] as number) > 0);
  const map50 = withTruth.length > 0 ? withTruth.reduce((a, b) => a + b, 0) / withTruth.length : 0;
  return { precision, recall, ap, map50, groundTruth, images: truths.length };
}
