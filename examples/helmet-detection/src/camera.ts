/**
 * The camera standing in for the real one: generated frames written into a folder as PNG (each stamped
 * with its frame id and its site), by temp file + rename so a reader never sees half a frame.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SITE_KEYWORD, withPngText } from './pngText.js';
import { renderFrame } from './render.js';
import { frameId } from './scene.js';
import { type ScenarioName } from './scenarios.js';

/** Options of `writeCameraFrames`. */
export interface CameraOptions {
  dir: string;
  scenario: ScenarioName;
  seed: number;
  /** First frame index. */
  start: number;
  count: number;
  /** Frames per second (default 0: as fast as they render). */
  fps?: number;
}

/**
 * Writes frames `start` to `start + count - 1` of a scenario into `dir`, paced at `fps` when given.
 * Returns the frame ids written.
 *
 * @example
 * await writeCameraFrames({ dir: '/tmp/helmet/frames', scenario: 'B', seed: 100, start: 0, count: 120 });
 */
export async function writeCameraFrames(options: CameraOptions): Promise<string[]> {
  await mkdir(options.dir, { recursive: true });
  const began = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < options.count; i++) {
    const id = frameId(options.scenario, options.seed, options.start + i);
    // The site as a camera's metadata (the lifelong job's task attribute); the pixels are the render's.
    const bytes = withPngText((await renderFrame(id, 'png')).bytes, SITE_KEYWORD, options.scenario);
    const target = join(options.dir, `${id}.png`);
    await writeFile(`${target}.tmp`, bytes);
    await rename(`${target}.tmp`, target);
    ids.push(id);
    if (options.fps) {
      const wait = began + ((i + 1) * 1000) / options.fps - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
  return ids;
}
