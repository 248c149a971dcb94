/**
 * The dataset side: index lines in the original helmet example's format (`images/x.jpg
 * x1,y1,x2,y2,cls ...`), generated datasets written to disk, and images loaded into model-input pixels
 * through the SDK's sharp preprocessing (the same path inference takes).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@sedna-ts/worker-sdk';
import { preprocessImage, type Letterbox } from '@sedna-ts/worker-sdk/onnx';
import { INPUT_HEIGHT, INPUT_WIDTH } from './detector.js';
import { appendLines, formatIndexLine, type Sample } from './indexFile.js';
import { renderFrame, type ImageFormat } from './render.js';
import { frameId, type Box } from './scene.js';
import { type ScenarioName } from './scenarios.js';

/** The preprocessing of every image: letterbox to 128x96, RGB scaled to 0-1, channels last. */
export const IMAGE_OPTIONS = { width: INPUT_WIDTH, height: INPUT_HEIGHT, layout: 'NHWC', resize: 'letterbox' } as const;

/** Maps a box from image pixels to model input pixels. */
export function toInputBox(box: Box, letterbox: Letterbox): Box {
  return {
    x1: box.x1 * letterbox.scaleX + letterbox.padLeft,
    y1: box.y1 * letterbox.scaleY + letterbox.padTop,
    x2: box.x2 * letterbox.scaleX + letterbox.padLeft,
    y2: box.y2 * letterbox.scaleY + letterbox.padTop,
    cls: box.cls,
  };
}

/** Images in model input pixels, 8 bits per channel (a quarter of the memory of floats). */
export interface LoadedImages {
  /** `count * INPUT_HEIGHT * INPUT_WIDTH * 3` bytes, channels last. */
  pixels: Uint8Array;
  /** Boxes of each image, in model input pixels. */
  boxes: Box[][];
  count: number;
}

/** Decodes and preprocesses images (as inference does) and maps their boxes to model input pixels. */
export async function loadSamples(samples: readonly Sample[]): Promise<LoadedImages> {
  const size = INPUT_HEIGHT * INPUT_WIDTH * 3;
  const pixels = new Uint8Array(samples.length * size);
  const boxes: Box[][] = [];
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i] as Sample;
    const image = await preprocessImage(sample.path, IMAGE_OPTIONS);
    const offset = i * size;
    for (let j = 0; j < size; j++) pixels[offset + j] = Math.round((image.data[j] as number) * 255);
    boxes.push(sample.boxes.map((b) => toInputBox(b, image.letterbox)));
  }
  return { pixels, boxes, count: samples.length };
}

/** Options of `writeGeneratedDataset`. */
export interface GenerateOptions {
  scenario: ScenarioName;
  seed: number;
  /** First frame index (default 0). */
  start?: number;
  count: number;
  /** Dataset folder: images go to `<dir>/images/`, the index to `<dir>/<indexName>`. */
  dir: string;
  indexName?: string;
  format?: ImageFormat;
  /** Append to an existing index instead of replacing it. */
  append?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Renders `count` frames of a scenario into a dataset folder, with their true boxes in the index.
 * Returns the index path.
 */
export async function writeGeneratedDataset(options: GenerateOptions): Promise<string> {
  const { scenario, seed, count, dir } = options;
  const start = options.start ?? 0;
  const format = options.format ?? 'jpg';
  const indexPath = join(dir, options.indexName ?? 'index.txt');
  await mkdir(join(dir, 'images'), { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = frameId(scenario, seed, start + i);
    const { scene, bytes } = await renderFrame(id, format);
    const relative = `images/${id}.${format}`;
    await writeFile(join(dir, relative), bytes);
    lines.push(formatIndexLine(relative, scene.boxes));
    options.onProgress?.(i + 1, count);
  }
  const text = lines.length > 0 ? `${lines.join('\n')}\n` : '';
  if (options.append) await appendLines(indexPath, text);
  else await writeFileAtomic(indexPath, text);
  return indexPath;
}
