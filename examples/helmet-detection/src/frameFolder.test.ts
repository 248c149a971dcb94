import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumeFrames } from './frameFolder.js';

describe('consumeFrames', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'helmet-frames-'));
    for (let i = 0; i < 6; i++) await writeFile(join(dir, `f${i}.png`), `frame ${i}`);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** A frame handler that waits for the test to release it, recording how many run at once. */
  function gated() {
    const releases: Array<() => void> = [];
    const state = { running: 0, most: 0, seen: [] as string[] };
    const onFrame = async (bytes: Buffer, name: string) => {
      state.seen.push(`${name}:${bytes.toString()}`);
      state.running++;
      state.most = Math.max(state.most, state.running);
      await new Promise<void>((resolve) => releases.push(resolve));
      state.running--;
    };
    const releaseAll = setInterval(() => releases.splice(0).forEach((release) => release()), 5);
    return { state, onFrame, stop: () => clearInterval(releaseAll) };
  }

  test('takes up to `concurrency` frames at once, each once, and removes each', async () => {
    const g = gated();
    await consumeFrames({ dir, accept: (n) => n.endsWith('.png'), pollMs: 5, keepFrames: false, concurrency: 3, limit: 6, stopped: () => false, onFrame: g.onFrame });
    g.stop();
    expect(g.state.most).toBe(3);
    // Started in name order; their reads may finish in another.
    expect([...g.state.seen].sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `f${i}.png:frame ${i}`));
    expect(await readdir(dir)).toEqual([]);
  });

  test('one at a time by default; `limit` stops taking frames, the rest stay', async () => {
    const g = gated();
    await consumeFrames({ dir, accept: (n) => n.endsWith('.png'), pollMs: 5, keepFrames: false, limit: 2, stopped: () => false, onFrame: g.onFrame });
    g.stop();
    expect(g.state.most).toBe(1);
    expect(g.state.seen).toEqual(['f0.png:frame 0', 'f1.png:frame 1']);
    expect((await readdir(dir)).sort()).toEqual(['f2.png', 'f3.png', 'f4.png', 'f5.png']);
  });

  test('inTurn runs in the frames\' order, whatever order they finish in; a frame without a turn passes it on', async () => {
    const turns: string[] = [];
    await consumeFrames({
      dir,
      accept: (n) => n.endsWith('.png'),
      pollMs: 5,
      keepFrames: false,
      concurrency: 3,
      limit: 6,
      stopped: () => false,
      onFrame: async (_bytes, name, inTurn) => {
        const i = Number(name.slice(1, 2));
        // Earlier frames take longer, so later ones finish first; f1 and f4 take no turn.
        await new Promise((resolve) => setTimeout(resolve, (6 - i) * 15));
        if (i !== 1 && i !== 4) await inTurn(async () => void turns.push(name));
      },
    });
    expect(turns).toEqual(['f0.png', 'f2.png', 'f3.png', 'f5.png']);
  });

  test('keepFrames: each frame once, none removed; the first error ends the loop after the frames in flight', async () => {
    const seen: string[] = [];
    let finishedAfterError = false;
    const run = consumeFrames({
      dir,
      accept: (n) => n.endsWith('.png'),
      pollMs: 5,
      keepFrames: true,
      concurrency: 2,
      stopped: () => false,
      onFrame: async (_bytes, name) => {
        seen.push(name);
        if (name === 'f2.png') throw new Error('frame f2 is broken');
        if (name === 'f3.png') {
          await new Promise((resolve) => setTimeout(resolve, 30));
          finishedAfterError = true;
        }
      },
    });
    await expect(run).rejects.toThrow('frame f2 is broken');
    expect(finishedAfterError).toBe(true);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain('f5.png');
    expect((await readdir(dir)).length).toBe(6);
  });
});
