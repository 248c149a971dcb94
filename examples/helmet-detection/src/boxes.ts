/**
 * Detections and the operations on them: intersection over union and non-maximum suppression.
 * A detection is `[x1, y1, x2, y2, score, cls]`, the box format Sedna's hard-example filters read.
 */

/** `[x1, y1, x2, y2, score, cls]`. */
export type Detection = [number, number, number, number, number, number];

/** Intersection over union of two boxes `[x1, y1, x2, y2, ...]`; 0 when either is empty. */
export function iou(a: readonly number[], b: readonly number[]): number {
  const [ax1, ay1, ax2, ay2] = a as [number, number, number, number];
  const [bx1, by1, bx2, by2] = b as [number, number, number, number];
  const iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
  const ih = Math.min(ay2, by2) - Math.max(ay1, by1);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  return union > 0 ? inter / union : 0;
}

/** Options of `nms`. */
export interface NmsOptions {
  /** A box overlapping a kept one by more than this is dropped (default 0.45). */
  iouThreshold?: number;
  /** Suppress across classes (default true: one head gets one box, helmet or head). */
  classAgnostic?: boolean;
  /** Keep at most this many (default unlimited). */
  maxDetections?: number;
}

/**
 * Greedy non-maximum suppression: highest score first, dropping every box that overlaps a kept box
 * (of the same class, unless class-agnostic) by more than `iouThreshold`. Ties keep input order.
 *
 * @example
 * nms([[0, 0, 10, 10, 0.9, 0], [1, 1, 10, 10, 0.8, 1]]); // [[0, 0, 10, 10, 0.9, 0]]
 */
export function nms(detections: readonly Detection[], options: NmsOptions = {}): Detection[] {
  const threshold = options.iouThreshold ?? 0.45;
  const agnostic = options.classAgnostic ?? true;
  const max = options.maxDetections ?? Number.POSITIVE_INFINITY;
  const order = detections.map((d, i) => ({ d, i })).sort((a, b) => b.d[4] - a.d[4] || a.i - b.i);
  const kept: Detection[] = [];
  for (const { d } of order) {
    if (kept.length >= max) break;
    if (kept.some((k) => (agnostic || k[5] === d[5]) && iou(k, d) > threshold)) continue;
    kept.push(d);
  }
  return kept;
}
