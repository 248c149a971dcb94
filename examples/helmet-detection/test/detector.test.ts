import { runJson } from './runChild.js';

interface Report {
  render: { sameId: boolean; otherId: boolean; width: number; height: number; pngFrameId: string };
  parameters: number;
  losses: number[];
  saved: Array<{ file: string; format: string }>;
  onnxBytes: number;
  maxDiff: number;
  sameDetections: boolean;
  served: boolean;
  evaluation: Record<string, number | number[]>;
}

describe('the detector, end to end in a child process (tfjs wasm, onnxruntime, sharp)', () => {
  let report: Report;

  beforeAll(async () => {
    report = await runJson<Report>('test/scripts/detector.ts');
  }, 170_000);

  it('renders the same pixels for the same frame id and other pixels for another, and stamps PNG frames with their id', () => {
    expect(report.render).toEqual({ sameId: true, otherId: true, width: 192, height: 144, pngFrameId: 'A-4-000005' });
  });

  it('is small: tens of thousands of parameters, an ONNX file well under 1 MB', () => {
    expect(report.parameters).toBeGreaterThan(10_000);
    expect(report.parameters).toBeLessThan(100_000);
    expect(report.onnxBytes).toBeLessThan(1_000_000);
  });

  it('learns: a few training steps on the same images lower the loss', () => {
    const first = report.losses[0] as number;
    const last = report.losses[report.losses.length - 1] as number;
    expect(report.losses).toHaveLength(12);
    expect(last).toBeLessThan(first * 0.8);
  });

  it('saves the tfjs model and its ONNX export', () => {
    expect(report.saved).toEqual([
      { file: 'model.json', format: 'tfjs' },
      { file: 'weights-HASH.bin', format: 'tfjs' },
      { file: 'model.onnx', format: 'onnx' },
    ]);
  });

  it('gives the same outputs on onnxruntime as on tfjs (within 1e-4) and so the same detections', () => {
    expect(report.maxDiff).toBeLessThan(1e-4);
    expect(report.sameDetections).toBe(true);
  });

  it('serves image files with boxes in the image\'s own pixels, and evaluates with the example\'s metrics', () => {
    expect(report.served).toBe(true);
    expect(Object.keys(report.evaluation).sort()).toEqual(['ap', 'ground_truth', 'images', 'map50', 'precision', 'recall']);
    expect(report.evaluation.images).toBe(8);
    expect(report.evaluation.precision).toHaveLength(2);
  });
});
