// A mosaic of generated frames with their true boxes (green: helmet, magenta: head), one row per
// scenario: what docs/scenarios.jpg shows.
//   npx tsx preview.ts [--out docs/scenarios.jpg] [--per-row 4] [--seed 1]
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import sharp, { type OverlayOptions } from 'sharp';
import { renderScene } from './src/render.js';
import { frameId, generateScene } from './src/scene.js';
import { FRAME_HEIGHT, FRAME_WIDTH, HELMET } from './src/scenarios.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'docs/scenarios.jpg' },
    'per-row': { type: 'string', default: '4' },
    seed: { type: 'string', default: '1' },
  },
});
const perRow = Number(values['per-row']);
const seed = Number(values.seed);
const gap = 4;
const tiles: OverlayOptions[] = [];
for (const [row, scenario] of (['A', 'B'] as const).entries()) {
  for (let i = 0; i < perRow; i++) {
    const scene = generateScene(frameId(scenario, seed, i));
    const raw = await renderScene(scene);
    const boxes = scene.boxes
      .map((b) => `<rect x="${b.x1}" y="${b.y1}" width="${b.x2 - b.x1}" height="${b.y2 - b.y1}" fill="none" stroke="${b.cls === HELMET ? '#00ff00' : '#ff00ff'}" stroke-width="1"/>`)
      .join('');
    const overlay = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${FRAME_WIDTH}" height="${FRAME_HEIGHT}">${boxes}</svg>`);
    const tile = await sharp(raw.data, { raw: raw.info }).composite([{ input: overlay }]).png().toBuffer();
    tiles.push({ input: tile, left: i * (FRAME_WIDTH + gap), top: row * (FRAME_HEIGHT + gap) });
  }
}
await mkdir(dirname(values.out as string), { recursive: true });
await sharp({ create: { width: perRow * (FRAME_WIDTH + gap) - gap, height: 2 * FRAME_HEIGHT + gap, channels: 3, background: '#ffffff' } })
  .composite(tiles)
  .jpeg({ quality: 85 })
  .toFile(values.out as string);
console.log(`preview: ${values.out}`);
