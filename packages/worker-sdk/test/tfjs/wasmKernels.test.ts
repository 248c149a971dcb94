import { runChild } from './runChild.js';

interface ParityCase {
  name: string;
  kernel: string;
  error: number;
}

// Relative error: max |wasm - cpu| / max(1, max |cpu|) over every output element.
const TOLERANCE = 1e-5;

describe('wasm training kernels', () => {
  let parity: { cases: ParityCase[]; kernels: string[] };

  beforeAll(async () => {
    parity = (await runChild<typeof parity>('test/tfjs/scripts/kernelParity.ts')).result;
  }, 120_000);

  it('match the cpu backend within 1e-5 across strides 1 and 2, same and valid, kernels 1, 3 and 5, batch 1 and 8, odd sizes', () => {
    const failing = parity.cases.filter((c) => !(c.error <= TOLERANCE));
    expect(failing).toEqual([]);
    // 2 strides x 2 paddings x 3 kernel sizes x 2 batches = 24 shapes; depthwise twice (multiplier 1 and 2).
    const count = (kernel: string) => parity.cases.filter((c) => c.kernel === kernel && / (same|valid) batch (1|8) input 11x9$/.test(c.name)).length;
    expect(count('Conv2DBackpropFilter')).toBe(24);
    expect(count('Conv2DBackpropInput')).toBe(24);
    expect(count('Conv2D gradient')).toBe(24);
    expect(count('DepthwiseConv2dNativeBackpropFilter')).toBe(48);
    expect(count('DepthwiseConv2dNativeBackpropInput')).toBe(48);
    expect(count('DepthwiseConv2dNative gradient')).toBe(48);
  });

  it('match it with explicit and numeric paddings and unequal strides too, including padding wider than the filter', () => {
    const padded = parity.cases.filter((c) => c.name.includes(' pad '));
    // 6 cases x 2 kernels x (conv, depthwise).
    expect(padded).toHaveLength(24);
    expect(padded.filter((c) => !(c.error <= TOLERANCE))).toEqual([]);
  });

  it('cover every kernel registered for wasm, Tile both on its broadcast path and its stock fallback', () => {
    const covered = new Set(parity.cases.map((c) => c.kernel));
    for (const kernel of parity.kernels) expect(covered).toContain(kernel);
    const tiles = parity.cases.filter((c) => c.kernel === 'Tile').map((c) => c.name);
    expect(tiles).toEqual(expect.arrayContaining(['Tile float32 [1,1,1,5] by [8,11,9,1]', 'Tile float32 [2,3] by [2,2]', 'Tile bool [1,2] by [3,1]', 'tf.grads of batchNorm [8,11,9,5]']));
  });

  it('keep the wasm heap flat over 100 training steps, and the measurement catches a leaked reshape', async () => {
    type Sample = { step: number; numTensors: number; numBytes: number; dataIds: number; heapBytes: number };
    const [clean, leaky] = await Promise.all([
      runChild<{ backend: string; samples: Sample[]; losses: number[] }>('test/tfjs/scripts/heapFlat.ts'),
      runChild<{ backend: string; samples: Sample[]; losses: number[] }>('test/tfjs/scripts/heapFlat.ts', ['leak']),
    ]);
    const { backend, samples, losses } = clean.result;
    expect(backend).toBe('wasm');
    expect(samples).toHaveLength(10);
    const first = samples[0] as Sample;
    for (const s of samples) {
      expect({ numTensors: s.numTensors, numBytes: s.numBytes, dataIds: s.dataIds, heapBytes: s.heapBytes }).toEqual({
        numTensors: first.numTensors,
        numBytes: first.numBytes,
        dataIds: first.dataIds,
        heapBytes: first.heapBytes,
      });
    }
    // It did train.
    expect(losses[1]).toBeLessThan(losses[0] as number);
    const leaked = leaky.result.samples;
    expect((leaked[9] as Sample).dataIds).toBeGreaterThan((leaked[0] as Sample).dataIds);
  }, 120_000);
});
