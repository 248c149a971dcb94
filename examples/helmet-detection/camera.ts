// A camera standing in for the real one: writes generated frames into a folder (PNG, each stamped with
// its frame id, by temp file + rename so a reader never sees half a frame), at a given rate.
//   npx tsx camera.ts --out work/frames --scenario B --seed 100 --start 0 --count 300 [--fps 20]
import { parseArgs } from 'node:util';
import { writeCameraFrames } from './src/camera.js';
import { HelmetError } from './src/errors.js';
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
  if (!Number.isFinite(n) || n < 0) throw new HelmetError('INVALID_ARGUMENT', `camera: --${name}: ${JSON.stringify(text)} is not a non-negative number`);
  return n;
}

if (values.out === undefined) throw new HelmetError('INVALID_ARGUMENT', 'camera: --out <folder> is required');
const spec = scenarioOf(values.scenario as string);
const ids = await writeCameraFrames({
  dir: values.out,
  scenario: spec.name,
  seed: number('seed', values.seed),
  start: number('start', values.start),
  count: number('count', values.count),
  fps: number('fps', values.fps),
});
console.log(`camera: ${ids.length} scenario-${spec.name} frames written to ${values.out}`);
