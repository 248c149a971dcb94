// A camera standing in for the real one: writes generated frames into a folder (PNG, each stamped with
// its frame id, by temp file + rename so a reader never sees half a frame), at a given rate.
//   npx tsx camera.ts --out work/frames --scenario B --seed 100 --start 0 --count 300 [--fps 20]
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderFrame } from './src/render.js';
import { frameId } from './src/scene.js';
import { scenarioOf } from './src/scenarios.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    scenario: { type: 'string', default: 'B' },
    seed: { type: 'string', default: '100' },
    start: { type: 'string', default: '0' },
    count: { type: 'string', default: '100' },
    fps: { type: 'string', default: '0' },
  },
});

function number(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`camera: --${name}: ${JSON.stringify(text)} is not a non-negative number`);
  return n;
}

if (values.out === undefined) throw new RangeError('camera: --out <folder> is required');
const spec = scenarioOf(values.scenario as string);
const seed = number('seed', values.seed);
const start = number('start', values.start);
const count = number('count', values.count);
const fps = number('fps', values.fps);
await mkdir(values.out, { recursive: true });
const began = performance.now();
for (let i = 0; i < count; i++) {
  const id = frameId(spec.name, seed, start + i);
  const { bytes } = await renderFrame(id, 'png');
  const target = join(values.out, `${id}.png`);
  await writeFile(`${target}.tmp`, bytes);
  await rename(`${target}.tmp`, target);
  if (fps > 0) {
    const due = began + ((i + 1) * 1000) / fps;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
console.log(`camera: ${count} scenario-${spec.name} frames written to ${values.out}`);
