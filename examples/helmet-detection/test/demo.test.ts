// The demo's loop, fast, end to end: `sedna up` (API server, GM, LC, node agent), the job applied with
// the CLI, the camera, the inference worker, hard examples, the labeller, a round of train, eval,
// deploy gate and hot swap, with real worker processes and real files. Few frames, few steps.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJson } from './runChild.js';

interface Summary {
  ok: boolean;
  baseMap: number;
  finalMap: number;
  error?: string;
  rounds: Array<{ round: number; frames: number; hardExamples: number; labels: number; trainedOn: number; decision: string; reason: string; hotSwapSeconds: number | null }>;
}

describe('demo.ts --fast', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'helmet-demo-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('runs one round on sedna up: hard examples found, labelled, trained on, the gate passed and the new model hot-swapped in', async () => {
    const summary = await runJson<Summary>('demo.ts', ['--fast', '--json', '--root', root]);
    expect(summary.error).toBeUndefined();
    expect(summary.ok).toBe(true);
    expect(summary.rounds).toHaveLength(1);
    const [round] = summary.rounds;
    expect(round).toMatchObject({ round: 1, labels: 8, decision: 'Deploy' });
    expect(round?.frames).toBeGreaterThanOrEqual(16);
    expect(round?.hardExamples).toBeGreaterThanOrEqual(8);
    // 8 labels with trainProb 0.8: 6 to train, 2 to evaluate.
    expect(round?.trainedOn).toBe(6);
    expect(round?.reason).toMatch(/^mean of precision_delta -?[\d.]+ > -2$/);
    expect(round?.hotSwapSeconds).not.toBeNull();
    expect(summary.baseMap).toBeGreaterThanOrEqual(0);
  }, 170_000);
});
