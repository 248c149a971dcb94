import { type HemParameters } from './params.js';

/** One detected box: `[x1, y1, x2, y2, score, label]`. Only the score (index 4) is read. */
export type DetectionBox = ArrayLike<number>;

/** The result of an object detector for one image: a list of boxes. */
export type Detections = readonly DetectionBox[];

/**
 * What every hard example filter does: look at one (post-processed) inference result and say whether
 * it is hard. Synchronous and free of I/O, so it can run on every inference call.
 */
export interface HardExampleFilter<R = unknown> {
  /** `true` when the result is a hard example. */
  filter(result: R): boolean;
}

/**
 * A filter class, constructed with the CRD's parameters (`hardExampleMining.parameters`, snake_case
 * keys, values as strings or numbers). A user's own filter has this shape too.
 */
export interface HardExampleFilterClass<R = unknown> {
  new (params?: HemParameters): HardExampleFilter<R>;
}

/** Base class of the built-in filters (the original's `BaseFilter`). */
export abstract class BaseFilter<R = unknown> implements HardExampleFilter<R> {
  abstract filter(result: R): boolean;

  /** The original's `data_check`: a number in [0, 1]. Anything else (NaN, a string) fails. */
  static dataCheck(value: unknown): boolean {
    return typeof value === 'number' && value >= 0 && value <= 1;
  }
}

/**
 * The original's validity check for detections: a non-empty list whose every element has more than 4
 * entries, plus ours: every score (index 4) is a number. `false` means "invalid input", which every
 * detection filter answers with "not hard".
 */
export function isValidDetections(result: unknown): result is Detections {
  if (!Array.isArray(result) || result.length === 0) return false;
  for (let i = 0; i < result.length; i++) {
    const box: unknown = result[i];
    if (box === null || typeof box !== 'object' || !((box as ArrayLike<unknown>).length > 4)) return false;
    if (typeof (box as ArrayLike<unknown>)[4] !== 'number') return false;
  }
  return true;
}
