// Fixtures of the end-to-end test: a dataset of real PNG files written with sharp and its index in the
// original txt format, the LC's round files, and hot-update publishing as the LC does it.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { seededRandom } from '@sedna-ts/internal';


const SIZE = 32;

/**
 * Writes `count` 32x32 scenes (a noisy dark background with one or two bright squares of 8 to 12 pixels)
 * as `images/NNNN.png` under `root`, and `index.txt` with one line per image:
 * `images/NNNN.png x1,y1,x2,y2,0 ...`. Returns the index lines.
 */
export async function writeDataset(root: string, count: number, seed = 7): Promise<string[]> {
  const random = seededRandom(seed);
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

/** Writes a round's index file as the LC does (`<outputDir>/data/<stage>/<round>/data.txt`, the original's relative paths). */
export async function writeRoundIndex(path: string, lines: readonly string[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, `${lines.join('\n')}\n`);
  await rename(`${path}.tmp`, path);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Publishes `model` as version `round` the way the LC does: copy to `<hotDir>/<round>/<name>`, then
 * write `model_config.json` by temp file + rename with `model_path: /model-hot-update/<round>/<name>`,
 * the update time, the version, the size and the sha256.
 */
export async function publishHotUpdate(hotDir: string, model: string, round: number, name = 'model.onnx'): Promise<{ size: number; sha256: string; modelPath: string }> {
  const target = join(hotDir, String(round), name);
  await mkdir(dirname(target), { recursive: true });
  await copyFile(model, `${target}.tmp`);
  await rename(`${target}.tmp`, target);
  const bytes = await readFile(target);
  const modelPath = `/model-hot-update/${round}/${name}`;
  const config = { model_config: { model_path: modelPath, model_update_time: new Date().toISOString(), model_version: String(round), model_size: bytes.length, model_sha256: sha256(bytes) } };
  const configPath = join(hotDir, 'model_config.json');
  await writeFile(`${configPath}.tmp`, JSON.stringify(config, null, 2));
  await rename(`${configPath}.tmp`, configPath);
  return { size: bytes.length, sha256: sha256(bytes), modelPath };
}
