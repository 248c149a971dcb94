import { BaseFilter, type Detections } from './baseFilter.js';
import { numberParam, type HemParameters } from './params.js';

/**
 * Image-Box-Threshold filter (alias `IBT`): an image is hard when the share of its boxes whose score is
 * at most `threshold_box` reaches `1 - threshold_img`.
 *
 * Exactly the original: empty or invalid input (a box with 4 entries or fewer) is not hard; a score
 * outside [0, 1] makes the whole result invalid (not hard). Ours also treats a non-numeric score as
 * invalid. Parameters: `threshold_img` (default 0.5), `threshold_box` (default 0.5), strings or numbers.
 *
 * @example
 * const ibt = new IBTFilter({ threshold_img: '0.9', threshold_box: '0.9' });
 * ibt.filter([[10, 10, 50, 50, 0.95, 1], [60, 10, 90, 40, 0.4, 2]]); // true: 50% of boxes <= 0.9
 */
export class IBTFilter extends BaseFilter<Detections | null | undefined> {
  /** The name this filter is registered under in ClassFactory (`ClassType.HEM`). */
  static readonly alias = 'IBT';
  readonly thresholdImg: number;
  readonly thresholdBox: number;

  constructor(params: HemParameters = {}) {
    super();
    this.thresholdImg = numberParam('IBT', params, 'threshold_img', 0.5);
    this.thresholdBox = numberParam('IBT', params, 'threshold_box', 0.5);
  }

  filter(result: Detections | null | undefined): boolean {
    // One pass: validity, range check and counting together; same answers as the original's three passes.
    if (!Array.isArray(result)) return false;
    const n = result.length;
    if (n === 0) return false;
    let low = 0;
    for (let i = 0; i < n; i++) {
      const box: unknown = result[i];
      if (box === null || typeof box !== 'object') return false;
      const arr = box as ArrayLike<unknown>;
      if (!(arr.length > 4)) return false;
      const score = arr[4];
      if (typeof score !== 'number' || !(score >= 0 && score <= 1)) return false;
      if (score <= this.thresholdBox) low++;
    }
    return low / n >= 1 - this.thresholdImg;
  }
}
