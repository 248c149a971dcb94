/**
 * The labeller, standing in for the person who labels hard examples: it reads what the inference worker
 * saved (`<id>.png` + `<id>.meta.json`), recovers each frame's id from the PNG (the camera stamps it),
 * takes the frame's true boxes from the generator, and appends image + index line to the dataset. The
 * LC sees the index grow and the train trigger counts the new samples.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@sedna-ts/worker-sdk';
import { appendLines, formatIndexLine } from './indexFile.js';
import { FRAME_ID_KEYWORD, readPngText, SITE_KEYWORD } from './pngText.js';
import { parseFrameId, trueBoxes, type Box } from './scene.js';

/** Options of `labelHardExamples`. */
export interface LabelOptions {
  /** The hard-example folder (HE_SAVED_URL of the inference worker, on the host). */
  hardExamplesDir: string;
  /** The dataset folder: images go to `<datasetDir>/images/`, lines to `<datasetDir>/<indexName>`. */
  datasetDir: string;
  indexName?: string;
  /** Label at most this many this time (default: all pending), oldest first. */
  max?: number;
  /**
   * Remove each labelled example (image and meta file) from the hard-example folder once its line is
   * in the index, as a labelling tool consumes its queue; the LC's hard-example index drops it too.
   * Default false: the folder is left as it is and frames already labelled are recognised by the index.
   */
  remove?: boolean;
  /**
   * Write the frame's site into its index line as `site=<A|B|C>` (the lifelong-learning job's task
   * attribute): from the PNG's `site` text chunk, else the frame id's scenario. Default false.
   */
  site?: boolean;
}

/** One labelled hard example. */
export interface Labelled {
  hardExample: string;
  frame: string;
  boxes: Box[];
  line: string;
}

/** What one labelling pass did. */
export interface LabelResult {
  labelled: Labelled[];
  /** Hard examples that cannot be labelled (not a PNG, no frame id), with the reason. */
  skipped: Array<{ hardExample: string; reason: string }>;
  /** Hard examples of frames already in the index. */
  duplicates: number;
  /** Hard examples left for a later pass (beyond `max`). */
  pending: number;
}

/** The image paths an index already holds (first token of each line). */
async function indexedPaths(indexPath: string): Promise<Set<string>> {
  try {
    const text = await readFile(indexPath, 'utf8');
    return new Set(
      text
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[0])
        .filter((p): p is string => p !== undefined && p !== ''),
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw error;
  }
}

/**
 * Labels pending hard examples (oldest first, up to `max`): each image is copied to
 * `images/<frame id>.png` (temp file + rename), then all new index lines are appended in one write.
 * Idempotent: a frame already in the index is not labelled again, so a pass interrupted between the
 * images and the index, or run twice, adds every frame once.
 *
 * @example
 * const { labelled } = await labelHardExamples({ hardExamplesDir: '/var/lib/sedna/he/default/helmet', datasetDir: 'work/dataset', max: 40 });
 */
export async function labelHardExamples(options: LabelOptions): Promise<LabelResult> {
  const indexPath = join(options.datasetDir, options.indexName ?? 'index.txt');
  const known = await indexedPaths(indexPath);
  let names: string[];
  try {
    names = (await readdir(options.hardExamplesDir)).filter((n) => n.endsWith('.meta.json')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') names = [];
    else throw error;
  }
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const result: LabelResult = { labelled: [], skipped: [], duplicates: 0, pending: 0 };
  for (const metaName of names) {
    const stem = metaName.slice(0, -'.meta.json'.length);
    const imagePath = join(options.hardExamplesDir, `${stem}.png`);
    let bytes: Buffer;
    try {
      bytes = await readFile(imagePath);
    } catch (error) {
      // Removed by the LC's budget meanwhile, or not an image example.
      result.skipped.push({ hardExample: stem, reason: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no PNG image' : (error as Error).message });
      continue;
    }
    const frame = readPngText(bytes, FRAME_ID_KEYWORD);
    if (frame === undefined) {
      result.skipped.push({ hardExample: stem, reason: `no ${FRAME_ID_KEYWORD} text chunk (not a frame of the example's camera)` });
      continue;
    }
    try {
      parseFrameId(frame);
    } catch (error) {
      result.skipped.push({ hardExample: stem, reason: (error as Error).message });
      continue;
    }
    const relative = `images/${frame}.png`;
    if (known.has(relative)) {
      result.duplicates++;
      continue;
    }
    if (result.labelled.length >= max) {
      result.pending++;
      continue;
    }
    const boxes = trueBoxes(frame);
    await writeFileAtomic(join(options.datasetDir, relative), bytes);
    const line = options.site ? formatIndexLine(relative, boxes, { site: readPngText(bytes, SITE_KEYWORD) ?? parseFrameId(frame).scenario }) : formatIndexLine(relative, boxes);
    known.add(relative);
    result.labelled.push({ hardExample: stem, frame, boxes, line });
  }
  if (result.labelled.length > 0) await appendLines(indexPath, `${result.labelled.map((l) => l.line).join('\n')}\n`);
  if (options.remove) {
    // Only now: the lines are durable, so a crash before this leaves duplicates the next pass skips.
    for (const l of result.labelled) {
      await rm(join(options.hardExamplesDir, `${l.hardExample}.meta.json`), { force: true });
      await rm(join(options.hardExamplesDir, `${l.hardExample}.png`), { force: true });
    }
  }
  return result;
}
