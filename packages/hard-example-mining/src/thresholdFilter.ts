import { BaseFilter, isValidDetections, type Detections } from './baseFilter.js';
import { numberParam, type HemParameters } from './params.js';

/**
 * Threshold filter (alias `Threshold`): an image is hard when the mean score of its boxes is below
 * `threshold` (default 0.5).
 *
 * Exactly the original: empty or invalid input is not hard, and scores are averaged as they are, even
 * outside [0, 1] (the original does not range-check here, unlike IBT). A non-numeric score is invalid
 * (the original crashes on it).
 *
 * @example
 * new ThresholdFilter({ threshold: '0.6' }).filter([[0, 0, 9, 9, 0.5, 0]]); // true
 */
export class ThresholdFilter extends BaseFilter<Detections | null | undefined> {
  /** The name this filter is registered under in ClassFactory (`ClassType.HEM`). */
  static readonly alias = 'Threshold';
  readonly threshold: number;

  constructor(params: HemParameters = {}) {
    super();
    this.threshold = numberParam('Threshold', params, 'threshold', 0.5);
  }

  filter(result: Detections | null | undefined): boolean {
    if (!isValidDetections(result)) return false;
    let imageScore = 0;
    for (const box of result) imageScore += box[4] as number;
    const averageScore = imageScore / (result.length || 1);
    return averageScore < this.threshold;
  }
}
