import { type Detection } from './boxes.js';
import { averagePrecision, detectionMetrics } from './metrics.js';

describe('detectionMetrics', () => {
  // Image 1: two helmets, one head. Image 2: one head.
  const truths = [
    [
      { x1: 0, y1: 0, x2: 10, y2: 10, cls: 0 },
      { x1: 20, y1: 0, x2: 30, y2: 10, cls: 0 },
      { x1: 40, y1: 0, x2: 50, y2: 10, cls: 1 },
    ],
    [{ x1: 0, y1: 0, x2: 10, y2: 10, cls: 1 }],
  ];
  const detections: Detection[][] = [
    [
      [0, 0, 10, 10, 0.9, 0], // helmet TP
      [60, 0, 70, 10, 0.8, 0], // helmet FP
      [20, 0, 30, 10, 0.3, 0], // helmet TP, below the 0.5 precision/recall threshold
      [40, 0, 50, 10, 0.7, 0], // a head called helmet: FP for helmet
    ],
    [
      [0, 0, 10, 10, 0.6, 1], // head TP
      [1, 1, 10, 10, 0.55, 1], // duplicate of a matched truth: FP
    ],
  ];

  it('computes the original precision and recall per class at the score threshold', () => {
    const m = detectionMetrics(detections, truths);
    // helmet: confident detections 0.9 (TP), 0.8 (FP), 0.7 (FP) -> 1/3; recall 1 of 2.
    // head: 0.6 (TP), 0.55 (FP duplicate) -> 1/2; recall 1 of 2.
    expect(m.precision).toEqual([1 / 3, 1 / 2]);
    expect(m.recall).toEqual([1 / 2, 1 / 2]);
    expect(m.groundTruth).toEqual([2, 2]);
    expect(m.images).toBe(2);
  });

  it('computes all-point interpolated AP per class and mAP@0.5 over all detections', () => {
    const m = detectionMetrics(detections, truths);
    // helmet by score: TP(0.9) FP(0.8) FP(0.7) TP(0.3): precision 1, 1/2, 1/3, 1/2 at recall 1/2, 1/2, 1/2, 1.
    // envelope: 1 up to recall 1/2, then 1/2 -> AP = 0.5 * 1 + 0.5 * 0.5 = 0.75.
    // head: TP(0.6) FP(0.55); recall reaches 1/2 at precision 1 -> AP = 0.5.
    expect(m.ap[0]).toBeCloseTo(0.75, 12);
    expect(m.ap[1]).toBeCloseTo(0.5, 12);
    expect(m.map50).toBeCloseTo(0.625, 12);
  });

  it('treats silence as precision 0 where there is something to find, and counts only classes with truths in mAP', () => {
    const m = detectionMetrics([[]], [[{ x1: 0, y1: 0, x2: 10, y2: 10, cls: 0 }]]);
    expect(m.precision).toEqual([0, 1]);
    expect(m.recall).toEqual([0, 1]);
    expect(m.ap).toEqual([0, 0]);
    expect(m.map50).toBe(0);
    const perfect = detectionMetrics([[[0, 0, 10, 10, 0.99, 0]]], [[{ x1: 0, y1: 0, x2: 10, y2: 10, cls: 0 }]]);
    expect(perfect.map50).toBe(1);
  });

  it('refuses lists of different lengths', () => {
    expect(() => detectionMetrics([[]], [])).toThrow('detectionMetrics: 1 detection lists for 0 images');
  });

  it('averagePrecision is 0 without truths and 1 for a perfect ranking', () => {
    expect(averagePrecision([{ score: 1, tp: false }], 0)).toBe(0);
    expect(averagePrecision([{ score: 0.2, tp: true }, { score: 0.9, tp: true }, { score: 0.1, tp: false }], 2)).toBe(1);
  });
});
