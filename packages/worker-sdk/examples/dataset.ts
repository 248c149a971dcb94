// A dataset for the detector of these examples, in the original's txt index format: `count` 32x32 PNG
// scenes (a noisy dark background with one or two bright squares of 8 to 12 pixels) under
// `<root>/images`, and `<root>/index.txt` with one line per image: `images/NNNN.png x1,y1,x2,y2,0 ...`.
//
//   npx tsx dataset.ts /tmp/helmet-data 120      # then TRAIN_DATASET_URL=/tmp/helmet-data/index.txt
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { SIZE } from './detector.js';

/** A small seeded generator of numbers in [0, 1) (mulberry32), so a dataset can be made again. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes the images and `index.txt` under `root`; returns the index lines. */
export async function writeDataset(root: string, count: number, random: () => number = mulberry32(7)): Promise<string[]> {
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  await mkdir(join(root, 'images'), { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const pixels = new Uint8Array(SIZE * SIZE * 3);
    const background = int(40, 90);
    for (let p = 0; p < pixels.length; p++) pixels[p] = background + int(-15, 15);
    const boxes: number[][] = [];
    const objects = random() < 0.3 ? 2 : 1;
    for (let attempt = 0; boxes.length < objects && attempt < 50; attempt++) {
      const side = int(8, 12);
      const x1 = int(0, SIZE - side);
      const y1 = int(0, SIZE - side);
      const box = [x1, y1, x1 + side, y1 + side];
      // Apart enough that their centres fall in different cells.
      if (boxes.some((b) => Math.abs(b[0]! - box[0]!) < side + 2 && Math.abs(b[1]! - box[1]!) < side + 2)) continue;
      boxes.push(box);
      const [r, g, b] = [int(180, 255), int(180, 255), int(120, 255)];
      for (let y = box[1]!; y < box[3]!; y++) {
        for (let x = box[0]!; x < box[2]!; x++) {
          const o = (y * SIZE + x) * 3;
          pixels[o] = r;
          pixels[o + 1] = g;
          pixels[o + 2] = b;
        }
      }
    }
    const name = `images/${String(i).padStart(4, '0')}.png`;
    await sharp(pixels, { raw: { width: SIZE, height: SIZE, channels: 3 } }).png().toFile(join(root, name));
    lines.push(`${name} ${boxes.map((b) => `${b.join(',')},0`).join(' ')}`);
  }
  await writeFile(join(root, 'index.txt'), `${lines.join('\n')}\n`);
  return lines;
}

// Run as a script: `dataset.ts ROOT [COUNT]`.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [root, count = '120'] = process.argv.slice(2);
  if (!root || !/^\d+$/.test(count)) {
    console.error('usage: dataset.ts ROOT [COUNT]   (COUNT images, default 120)');
    process.exit(2);
  }
  await writeDataset(resolve(root), Number(count));
  console.log(`dataset: ${count} images and ${join(resolve(root), 'index.txt')}`);
}
