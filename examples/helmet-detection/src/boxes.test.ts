import { iou, nms, type Detection } from './boxes.js';

describe('iou', () => {
  it('is 1 for equal boxes, 0 for disjoint or touching ones, and the exact ratio otherwise', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
    // 5x10 overlap of two 10x10 boxes: 50 / 150.
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(1 / 3, 12);
    expect(iou([0, 0, 0, 10], [0, 0, 0, 10])).toBe(0);
  });
});

describe('nms', () => {
  const a: Detection = [0, 0, 10, 10, 0.9, 0];
  const overlapsA: Detection = [1, 1, 11, 11, 0.8, 1];
  const apart: Detection = [50, 50, 60, 60, 0.7, 0];

  it('keeps the best of overlapping boxes, across classes by default', () => {
    expect(nms([overlapsA, apart, a])).toEqual([a, apart]);
  });

  it('keeps overlapping boxes of different classes when not class-agnostic', () => {
    expect(nms([overlapsA, apart, a], { classAgnostic: false })).toEqual([a, overlapsA, apart]);
  });

  it('keeps boxes overlapping at or below the threshold and caps the count', () => {
    const half: Detection = [5, 0, 15, 10, 0.5, 0]; // IoU 1/3 with a
    expect(nms([a, half], { iouThreshold: 0.34 })).toEqual([a, half]);
    expect(nms([a, half], { iouThreshold: 0.3 })).toEqual([a]);
    expect(nms([a, apart, half], { iouThreshold: 0.9, maxDetections: 2 })).toEqual([a, apart]);
  });

  it('breaks score ties by input order', () => {
    const b: Detection = [0, 0, 10, 10, 0.9, 1];
    expect(nms([b, a])).toEqual([b]);
  });
});
