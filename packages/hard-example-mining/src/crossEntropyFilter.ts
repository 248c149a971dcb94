import { BaseFilter } from './baseFilter.js';
import { numberParam, type HemParameters } from './params.js';

/**
 * Cross-entropy filter (alias `CrossEntropy`): for a vector of class probabilities, the confidence is
 * `1 + sum(p * ln p) / ln K` (one minus the normalised entropy, K = number of classes); the result is
 * hard when the confidence is below `threshold_cross_entropy` (default 0.5).
 *
 * Exactly the original, plus documented answers where it crashes:
 * - empty input, or any value that is not a number in [0, 1]: not hard (as the original);
 * - a probability of 0 contributes 0 (the limit of p ln p; the original raises a math domain error);
 * - one class (K = 1): there is no uncertainty to normalise, the confidence is 1 (the original divides
 *   by ln 1 = 0), so the result is hard only when the threshold is above 1.
 *
 * @example
 * new CrossEntropyFilter({ threshold_cross_entropy: 0.5 }).filter([0.4, 0.35, 0.25]); // true
 */
export class CrossEntropyFilter extends BaseFilter<ArrayLike<number> | null | undefined> {
  /** The name this filter is registered under in ClassFactory (`ClassType.HEM`). */
  static readonly alias = 'CrossEntropy';
  readonly thresholdCrossEntropy: number;

  constructor(params: HemParameters = {}) {
    super();
    this.thresholdCrossEntropy = numberParam('CrossEntropy', params, 'threshold_cross_entropy', 0.5);
  }

  filter(result: ArrayLike<number> | null | undefined): boolean {
    if (result === null || typeof result !== 'object') return false;
    const k = result.length;
    if (!(k > 0)) return false;
    for (let i = 0; i < k; i++) {
      if (!BaseFilter.dataCheck(result[i])) return false;
    }
    let confidenceScore = 1;
    if (k > 1) {
      let logSum = 0.0;
      for (let i = 0; i < k; i++) {
        const p = result[i] as number;
        if (p > 0) logSum += p * Math.log(p);
      }
      confidenceScore = 1 + (1.0 * logSum) / Math.log(k);
    }
    return confidenceScore < this.thresholdCrossEntropy;
  }
}
