import { type Box } from './scene.js';
import {
  decodeDetections,
  encodeTargets,
  flipTargets,
  GRID_HEIGHT,
  GRID_WIDTH,
  INPUT_WIDTH,
  NUM_CLASSES,
  OUTPUT_CHANNELS,
  TARGET_CHANNELS,
} from './detector.js';

/** A raw model output that says exactly what a target grid says (logit +8 at peaks, -8 elsewhere). */
function outputFromTargets(target: Float32Array): Float32Array {
  const out = new Float32Array(GRID_HEIGHT * GRID_WIDTH * OUTPUT_CHANNELS);
  const logit = (p: number) => Math.log(p / (1 - p));
  for (let cell = 0; cell < GRID_HEIGHT * GRID_WIDTH; cell++) {
    const t = cell * TARGET_CHANNELS;
    const o = cell * OUTPUT_CHANNELS;
    for (let k = 0; k < NUM_CLASSES; k++) out[o + k] = (target[t + k] as number) >= 0.999 ? 8 : -8;
    out[o + NUM_CLASSES] = logit(Math.min(0.999, Math.max(0.001, target[t + NUM_CLASSES] as number)));
    out[o + NUM_CLASSES + 1] = logit(Math.min(0.999, Math.max(0.001, target[t + NUM_CLASSES + 1] as number)));
    out[o + NUM_CLASSES + 2] = target[t + NUM_CLASSES + 2] as number;
    out[o + NUM_CLASSES + 3] = target[t + NUM_CLASSES + 3] as number;
  }
  return out;
}

const boxes: Box[] = [
  { x1: 10, y1: 12, x2: 26, y2: 30, cls: 0 },
  { x1: 70, y1: 40, x2: 82, y2: 53, cls: 1 },
  { x1: 100, y1: 5, x2: 121, y2: 28, cls: 0 },
];

describe('encodeTargets and decodeDetections', () => {
  it('round-trip boxes: decoding a perfect output gives the boxes back within a hundredth of a pixel', () => {
    const decoded = decodeDetections(outputFromTargets(encodeTargets(boxes)), { scoreThreshold: 0.5 });
    expect(decoded).toHaveLength(3);
    const byX = [...decoded].sort((a, b) => a[0] - b[0]);
    byX.forEach((d, i) => {
      const b = boxes[i] as Box;
      expect(d[5]).toBe(b.cls);
      expect(d[4]).toBeGreaterThan(0.99);
      [b.x1, b.y1, b.x2, b.y2].forEach((v, j) => expect(Math.abs((d[j] as number) - v)).toBeLessThan(0.01));
    });
  });

  it('puts a Gaussian of peak 1 on the class map and the mask only at the centre cell', () => {
    const t = encodeTargets([{ x1: 16, y1: 16, x2: 32, y2: 32, cls: 1 }]);
    const at = (gx: number, gy: number, c: number) => t[(gy * GRID_WIDTH + gx) * TARGET_CHANNELS + c] as number;
    expect(at(3, 3, 1)).toBe(1);
    expect(at(3, 3, 0)).toBe(0);
    expect(at(4, 3, 1)).toBeGreaterThan(0);
    expect(at(4, 3, 1)).toBeLessThan(1);
    let mask = 0;
    for (let i = 0; i < GRID_WIDTH * GRID_HEIGHT; i++) mask += t[i * TARGET_CHANNELS + NUM_CLASSES + 4] as number;
    expect(mask).toBe(1);
    expect(at(3, 3, NUM_CLASSES + 2)).toBeCloseTo(Math.log(2), 6);
  });

  it('flipTargets mirrors the boxes: decoding the flipped grid gives the mirrored boxes, and flipping twice is the identity', () => {
    const target = encodeTargets(boxes);
    const flipped = flipTargets(target);
    const decoded = decodeDetections(outputFromTargets(flipped), { scoreThreshold: 0.5 }).sort((a, b) => a[0] - b[0]);
    const mirrored = boxes.map((b) => ({ ...b, x1: INPUT_WIDTH - b.x2, x2: INPUT_WIDTH - b.x1 })).sort((a, b) => a.x1 - b.x1);
    decoded.forEach((d, i) => {
      const b = mirrored[i] as Box;
      expect(d[5]).toBe(b.cls);
      [b.x1, b.y1, b.x2, b.y2].forEach((v, j) => expect(Math.abs((d[j] as number) - v)).toBeLessThan(0.02));
    });
    const twice = flipTargets(flipped);
    twice.forEach((v, i) => expect(v).toBeCloseTo(target[i] as number, 6));
  });

  it('keeps only 3x3 peaks above the score threshold, then suppresses overlaps', () => {
    const out = new Float32Array(GRID_HEIGHT * GRID_WIDTH * OUTPUT_CHANNELS).fill(-8);
    const set = (gx: number, gy: number, c: number, v: number) => (out[(gy * GRID_WIDTH + gx) * OUTPUT_CHANNELS + c] = v);
    for (let cell = 0; cell < GRID_WIDTH * GRID_HEIGHT; cell++) {
      for (const c of [NUM_CLASSES + 2, NUM_CLASSES + 3]) out[cell * OUTPUT_CHANNELS + c] = Math.log(2);
      for (const c of [NUM_CLASSES, NUM_CLASSES + 1]) out[cell * OUTPUT_CHANNELS + c] = 0;
    }
    set(5, 5, 0, 3); // peak
    set(6, 5, 0, 2); // neighbour, not a peak
    set(10, 8, 1, -1); // a peak of score 0.27
    set(5, 5, 1, 1); // the same place, the other class: suppressed by class-agnostic NMS
    const kept = decodeDetections(out, { scoreThreshold: 0.2 });
    expect(kept.map((d) => [d[5], Number(d[4].toFixed(2))])).toEqual([
      [0, 0.95],
      [1, 0.27],
    ]);
    expect(decodeDetections(out, { scoreThreshold: 0.5 })).toHaveLength(1);
    expect(decodeDetections(out, { scoreThreshold: 0.2, classAgnostic: false })).toHaveLength(3);
  });

  it('refuses an output of the wrong size', () => {
    expect(() => decodeDetections(new Float32Array(10))).toThrow(expect.objectContaining({ code: 'MODEL_OUTPUT_INVALID' }));
  });
});
