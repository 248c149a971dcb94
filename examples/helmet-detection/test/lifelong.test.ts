// The lifelong-learning demo, small, end to end on `sedna up` (API server, GM, LC, node agent, KB
// service): the LifelongLearningJob's real worker processes learn sites A and B, the inference worker
// meets a new site C whose frames are all unseen (by the `site` attribute of their PNG), saves them, the
// labeller labels them, round 2 learns C without touching A's model, and after the redeploy C's frames
// go to C's model. The IncrementalLearningJob runs beside it on the same labelled frames.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runJson } from './runChild.js';

type Site = 'A' | 'B' | 'C';
interface SiteStats {
  frames: number;
  unseen: number;
  served: Record<string, number>;
}
interface Summary {
  ok: boolean;
  error?: string;
  rounds: Array<{ round: number; tasks: string[]; served: Partial<Record<Site, SiteStats>>; lifelong: Record<Site, number>; servedBy: Record<Site, string>; incremental: Record<Site, number>; ilDecision: string }>;
}

describe('demo-lifelong.ts --fast', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'helmet-lifelong-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('learns A and B, flags every C frame unseen, learns C in round 2 and then serves C with its own model, A kept', async () => {
    const summary = await runJson<Summary>('demo-lifelong.ts', ['--fast', '--json', '--root', root], {}, 290_000);
    expect(summary.error).toBeUndefined();
    expect(summary.ok).toBe(true);
    const [base, first, second] = summary.rounds;
    expect(base?.tasks).toEqual([]);
    // Round 1: a task per site in the labels.
    expect([...(first?.tasks ?? [])].sort()).toEqual(['A', 'B']);
    // Round 2: C added, A and B carried over.
    expect([...(second?.tasks ?? [])].sort()).toEqual(['A', 'B', 'C']);

    // With the attribute detector, every C frame is unseen before round 2 (served by a fallback) ...
    const cBefore = first?.served.C as SiteStats;
    expect(cBefore.frames).toBeGreaterThan(0);
    expect(cBefore.unseen).toBe(cBefore.frames);
    expect(first?.servedBy.C).toMatch(/^fallback /);
    // ... and none after the redeploy: C's frames go to C's model.
    const cAfter = second?.served.C as SiteStats;
    expect(cAfter.frames).toBeGreaterThan(0);
    expect(cAfter.unseen).toBe(0);
    expect(cAfter.served).toEqual({ 'C@r2': cAfter.frames });
    // A and B frames were never unseen, and went to their own models.
    for (const round of [first, second]) {
      for (const site of ['A', 'B'] as const) {
        expect(round?.served[site]?.unseen).toBe(0);
        expect(Object.keys(round?.served[site]?.served ?? {})).toEqual([`${site}@r1`]);
      }
    }

    // mAP@0.5 on 100 seeded scenario-A frames after round 2: at least round 1's A model's minus 0.05.
    expect(second?.lifelong.A).toBeGreaterThanOrEqual((first?.lifelong.A ?? 1) - 0.05);
    // The incremental job ran its two rounds beside it.
    expect(first?.ilDecision).toBe('Deploy');
    expect(second?.ilDecision).toBe('Deploy');
  }, 300_000);
});
