/**
 * The dashboard's requests about a job's hard examples, answered by the LC of the node where they are
 * (the GM relays them over the LC's own WebSocket: edge nodes are usually not reachable from the cloud).
 *
 * - list: the examples waiting for a label (the hard-example store's index) or skipped, with the line
 *   count of the job's dataset index;
 * - sample: the bytes of an example's sample file;
 * - label: the sample is copied into `labelled/` beside the dataset index (temp file, fsync, rename),
 *   then its line (`path x1,y1,x2,y2,cls ...` or `path label`) is appended to the index with one
 *   O_APPEND write, so the dataset monitor counts it for the next round's trigger; then the example
 *   leaves the queue (its files are removed from the hard-example folder). A label of the other shape
 *   than the job's (boxes for a classifier, a class for a detector: see {@link decideLabelShape}) is
 *   refused and nothing is written;
 * - skip / restore: the example's files move to `skipped/` in its folder and back (never deleted);
 * - coco: the COCO JSON of every labelled sample of the dataset index.
 */
import { constants } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { CLASS_NAMES_ANNOTATION, jobFolder, LABELS_ANNOTATION, labelShapeAnnotation, type LabelShape } from '@sedna-ts/api-types/contract';
import type { Dataset, FrameHeader, LcRequest, LcResponse } from '@sedna-ts/api-types';
import type { LcContext } from '../context.js';
import { hostPath, inCheckedFolder, isUrl } from '../datasets/dataRoots.js';
import { indexFormatOf } from '../datasets/indexReader.js';
import type { JobRegistry } from '../jobs/jobRegistry.js';
import type { StoredObject } from '../storage/objectStore.js';
import { BARE_IMAGE, DEFAULT_SETTLE_MS, HardExampleBudgetError, type HardExample } from './hardExampleStore.js';
import { isNotFound } from '../storage/files.js';
import { imageSize, ImageSizeCache, readImageSize, type ImageSize } from './imageSize.js';

/** The folder of skipped examples inside a job's hard-example folder. */
export const SKIPPED_DIR = 'skipped';
/** The folder beside the dataset index where labelled samples are copied. */
export const LABELLED_DIR = 'labelled';

const META_SUFFIX = '.meta.json';
const SAMPLE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'bmp', 'json', 'bin'];
/** Samples of the original library's way: an image alone, no meta file (the hard-example store indexes them too). */
const BARE_EXTENSIONS = ['jpeg', 'jpg', 'png', 'webp', 'bmp'];
const IMAGE_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', bmp: 'image/bmp', json: 'application/json', bin: 'application/octet-stream' };
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Example {
  id: string;
  path: string;
  time: string;
  modelVersion: string | null;
  result: unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The round a model version names (`"3"`), if it is one. */
function roundOf(version: string | null): number | undefined {
  return version !== null && /^\d+$/.test(version) ? Number(version) : undefined;
}

/** The most boxes one label may have. */
export const MAX_BOXES = 256;

type LabelBox = { x1: number; y1: number; x2: number; y2: number; cls: number };

/**
 * The class id a label or a box class names, or undefined: an integer id 0..N-1 when the job names its
 * N classes (`sedna.io/class-names`; a name is given as its id), else any integer id >= 0.
 */
function classIdOf(value: unknown, classNames: readonly string[] | undefined): number | undefined {
  let id: number | undefined;
  if (typeof value === 'number') id = value;
  else if (typeof value === 'string' && /^\d{1,9}$/.test(value)) id = Number(value);
  else if (typeof value === 'string' && classNames?.includes(value)) return classNames.indexOf(value);
  if (id === undefined || !Number.isInteger(id) || id < 0) return undefined;
  if (classNames && id >= classNames.length) return undefined;
  return id;
}

/**
 * Checks a label request's body against the job's classes: a class label or each box class must be a
 * class of the job (see {@link classIdOf}); a label is written as its class id. At most
 * {@link MAX_BOXES} boxes, never none (an example without an object is skipped, not labelled). Errors
 * name the field and the value; `job` names the job (`IncrementalLearningJob default/dash`).
 */
export function checkLabel(subject: string, request: Record<string, unknown>, job = subject, classNames?: readonly string[]): { boxes?: LabelBox[]; label?: string } {
  const { boxes, label } = request;
  const notAClass = (field: string, value: unknown) =>
    new RequestError(
      400,
      `${subject}: ${field} ${JSON.stringify(value)} is not a class of ${job} (${classNames ? `classes: ${classNames.map((n, i) => `${i} ${n}`).join(', ')}` : 'a class id: an integer >= 0; the job has no sedna.io/class-names annotation'})`,
    );
  if ((boxes === undefined) === (label === undefined)) throw new RequestError(400, `${subject}: give either boxes or label`);
  if (label !== undefined) {
    const id = classIdOf(label, classNames);
    if (id === undefined) throw notAClass('label', label);
    return { label: String(id) };
  }
  if (!Array.isArray(boxes)) throw new RequestError(400, `${subject}: boxes ${JSON.stringify(boxes)} is not a list`);
  if (boxes.length === 0) throw new RequestError(400, `${subject}: boxes [] is empty: a label needs at least one box (skip an example that shows no object)`);
  if (boxes.length > MAX_BOXES) throw new RequestError(400, `${subject}: boxes has ${boxes.length} boxes, more than ${MAX_BOXES}`);
  const checked = boxes.map((b, i) => {
    const field = `boxes[${i}]`;
    if (!isRecord(b)) throw new RequestError(400, `${subject}: ${field} ${JSON.stringify(b)} is not {x1, y1, x2, y2, cls}`);
    for (const k of ['x1', 'y1', 'x2', 'y2'] as const) {
      if (typeof b[k] !== 'number' || !Number.isFinite(b[k]) || (b[k] as number) < 0) throw new RequestError(400, `${subject}: ${field}.${k} ${JSON.stringify(b[k])} is not a number >= 0`);
    }
    const cls = classIdOf(b.cls, classNames);
    if (cls === undefined) throw notAClass(`${field}.cls`, b.cls);
    const box = { x1: Math.round(b.x1 as number), y1: Math.round(b.y1 as number), x2: Math.round(b.x2 as number), y2: Math.round(b.y2 as number), cls };
    if (box.x2 <= box.x1 || box.y2 <= box.y1) throw new RequestError(400, `${subject}: ${field} [${box.x1}, ${box.y1}, ${box.x2}, ${box.y2}] is empty (x2 must be > x1 and y2 > y1)`);
    return box;
  });
  return { boxes: checked };
}

/**
 * Refuses a box reaching outside the image, naming the field and the value; and boxes on an example
 * whose size its header does not tell (not a PNG, JPEG, WebP or BMP image): nothing would bound them.
 */
export function checkInside(subject: string, boxes: readonly LabelBox[] | undefined, size: { width: number; height: number } | undefined): void {
  if (!boxes) return;
  if (!size) throw new RequestError(400, `${subject}: boxes need an image whose size its header tells (PNG, JPEG, WebP or BMP), and this example is not one: label it with a class, or skip it`);
  boxes.forEach((b, i) => {
    if (b.x2 > size.width) throw new RequestError(400, `${subject}: boxes[${i}].x2 ${b.x2} is outside the image (${size.width}x${size.height})`);
    if (b.y2 > size.height) throw new RequestError(400, `${subject}: boxes[${i}].y2 ${b.y2} is outside the image (${size.width}x${size.height})`);
  });
}

/** The index line of a labelled sample at `path` (relative to the index). */
export function labelLine(path: string, label: { boxes?: LabelBox[]; label?: string }): string {
  if (label.label !== undefined) return `${path} ${label.label}`;
  return [path, ...(label.boxes ?? []).map((b) => `${b.x1},${b.y1},${b.x2},${b.y2},${b.cls}`)].join(' ');
}

const BOX = /^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?),(\d+)$/;

/** Most bytes of a dataset index read to find its first labelled line. */
export const SHAPE_SCAN_BYTES = 1024 * 1024;

/**
 * The shape of the labels of an index line (`path label ...`): `boxes` when every token after the path
 * is `x1,y1,x2,y2,cls`, `class` when one token that is not a box follows the path; undefined for a line
 * without a label (a path alone, a blank line) or with labels of neither shape.
 */
export function lineShape(line: string): LabelShape | undefined {
  const [, ...labels] = line.trim().split(/\s+/);
  if (labels.length === 0) return undefined;
  if (labels.every((t) => BOX.test(t))) return 'boxes';
  return labels.length === 1 ? 'class' : undefined;
}

/** A labelled line of an index: its number (1-based), its text and the shape of its labels. */
export interface LabelledLine {
  lineNumber: number;
  text: string;
  shape: LabelShape;
}

/** The first line of the index at `path` whose labels have a shape, within its first {@link SHAPE_SCAN_BYTES}; undefined when none (or no file). */
export async function firstLabelledLine(path: string): Promise<LabelledLine | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  try {
    const size = (await handle.stat()).size;
    const buffer = Buffer.alloc(Math.min(size, SHAPE_SCAN_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const lines = buffer.subarray(0, bytesRead).toString('utf8').split('\n');
    // A line cut by the end of the bytes read is not judged.
    if (bytesRead < size) lines.pop();
    for (const [i, text] of lines.entries()) {
      const shape = lineShape(text);
      if (shape) return { lineNumber: i + 1, text: text.trim(), shape };
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

/** What a job's labels are and what says so (`why`), or why no label may be written (`refused`). */
export type LabelShapeDecision = { shape?: LabelShape; why: string } | { refused: string };

const quoted = (value: unknown, max = 120): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
};

const SHAPE_LINES: Record<LabelShape, string> = { boxes: 'boxes ("path x1,y1,x2,y2,cls ...")', class: 'one class per sample ("path label")' };

/**
 * The shape of a job's labels, decided in this order:
 * 1. the Dataset's `spec.format`: only a txt index takes label lines (a csv index has columns of its
 *    own): anything else is refused;
 * 2. the job's annotation `sedna.io/labels` (`boxes` or `class`; another value is refused); when the
 *    index has a labelled line of the other shape, refused (the index would mix the two);
 * 3. the first labelled line of the index (see {@link lineShape});
 * 4. neither: no shape yet, a label of either shape is taken, and the first one written decides.
 * `job` names the job (`IncrementalLearningJob default/dash`), `dataset` the Dataset (`default/dash-data`).
 */
export function decideLabelShape(input: { job: string; dataset: string; format: string; annotations?: Readonly<Record<string, string>>; first?: LabelledLine }): LabelShapeDecision {
  const { job, dataset, format, first } = input;
  const indexFormat = indexFormatOf(format);
  if (indexFormat !== 'txt') {
    const what = indexFormat ? 'a csv index has columns of its own' : 'it is not txt or csv';
    return { refused: `Dataset ${dataset}: spec.format ${quoted(format)}: labels are written as lines of a txt index ("path x1,y1,x2,y2,cls ..." or "path label"); ${what}` };
  }
  const declared = labelShapeAnnotation(input.annotations);
  if (typeof declared === 'object') return { refused: `${job}: ${declared.error}` };
  const line = first ? `line ${first.lineNumber} of the index of Dataset ${dataset} (${quoted(first.text)})` : '';
  if (declared) {
    if (first && first.shape !== declared) {
      return { refused: `${job}: metadata.annotations["${LABELS_ANNOTATION}"] says ${quoted(declared)} but ${line} has ${SHAPE_LINES[first.shape]}: the index would mix the two (change the annotation or the index)` };
    }
    return { shape: declared, why: `as its annotation ${LABELS_ANNOTATION} says` };
  }
  if (first) return { shape: first.shape, why: `as ${line}` };
  return { why: `neither its annotation ${LABELS_ANNOTATION} nor a labelled line of the index of Dataset ${dataset} says which: the first label decides` };
}

/**
 * Refuses a label of the other shape than the job's (boxes for a classifier, a class for a detector),
 * naming the field and its value as sent; `job` names the job. Nothing is refused while the shape is open.
 */
export function checkShape(subject: string, request: Readonly<Record<string, unknown>>, decision: { shape?: LabelShape; why: string }, job: string): void {
  if (decision.shape === 'class' && request.boxes !== undefined) {
    throw new RequestError(400, `${subject}: boxes ${quoted(request.boxes)}: ${job} labels ${SHAPE_LINES.class}, ${decision.why}: send a label, not boxes`);
  }
  if (decision.shape === 'boxes' && request.label !== undefined) {
    throw new RequestError(400, `${subject}: label ${quoted(request.label)}: ${job} labels ${SHAPE_LINES.boxes}, ${decision.why}: send boxes, not a label`);
  }
}

/** Lines of an index whose image sizes are read at once by the COCO export. */
const COCO_BATCH = 32;

/** Options of {@link cocoOf}. */
export interface CocoOptions {
  /** The size of an image file (default: its header read each time; the LC passes its {@link ImageSizeCache}). */
  sizeOf?: (path: string) => Promise<ImageSize | undefined>;
  /** Stops the export (the GM or the browser gave up): it rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * COCO JSON of the lines of a dataset index: boxes as annotations; a class label as a box over the whole
 * image. `source` names it in `info.description` (the Dataset, never a path of this host). Image sizes
 * come from the images' headers (never read whole: an index of thousands of large images took longer
 * than the GM waits).
 */
export async function cocoOf(indexPath: string, text: string, classNames: string[] | undefined, source = 'the dataset index', options: CocoOptions = {}): Promise<Record<string, unknown>> {
  const sizeOf = options.sizeOf ?? readImageSize;
  const images: Array<Record<string, unknown>> = [];
  const annotations: Array<Record<string, unknown>> = [];
  const classes = new Set<number>();
  const dir = dirname(indexPath);
  // Labelled lines that are neither boxes nor one class id: counted and said, not dropped silently.
  let skipped = 0;
  const labelled = text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([path, ...rest]) => path && rest.length > 0) as Array<[string, ...string[]]>;
  for (let from = 0; from < labelled.length; from += COCO_BATCH) {
    options.signal?.throwIfAborted();
    const batch = labelled.slice(from, from + COCO_BATCH);
    const sizes = await Promise.all(batch.map(([path]) => sizeOf(join(dir, path)).catch(() => undefined)));
    for (const [i, [path, ...rest]] of batch.entries()) {
      const boxes = rest.map((t) => BOX.exec(t));
      const isBoxes = boxes.every((m) => m !== null);
      const isClass = !isBoxes && rest.length === 1 && /^\d+$/.test(rest[0] as string);
      if (!isBoxes && !isClass) {
        skipped++; // no image entry either: an image without its annotations would read as a negative
        continue;
      }
      const id = images.length + 1;
      const width = sizes[i]?.width ?? 0;
      const height = sizes[i]?.height ?? 0;
      images.push({ id, file_name: path, width, height });
      if (isBoxes) {
        for (const m of boxes as RegExpExecArray[]) {
          const [x1, y1, x2, y2, cls] = m.slice(1).map(Number) as [number, number, number, number, number];
          classes.add(cls);
          annotations.push({ id: annotations.length + 1, image_id: id, category_id: cls, bbox: [x1, y1, x2 - x1, y2 - y1], area: (x2 - x1) * (y2 - y1), iscrowd: 0 });
        }
      } else {
        const cls = Number(rest[0]);
        classes.add(cls);
        annotations.push({ id: annotations.length + 1, image_id: id, category_id: cls, bbox: [0, 0, width, height], area: width * height, iscrowd: 0 });
      }
    }
  }
  const categories = [...classes].sort((a, b) => a - b).map((c) => ({ id: c, name: classNames?.[c] ?? String(c) }));
  const description = skipped > 0 ? `labelled samples of ${source}; ${skipped} labelled line${skipped === 1 ? '' : 's'} neither boxes (x1,y1,x2,y2,cls) nor one class id, not exported` : `labelled samples of ${source}`;
  return { info: { description, date_created: new Date().toISOString(), ...(skipped > 0 ? { skipped_lines: skipped } : {}) }, images, annotations, categories };
}

/** A file of a folder, if it is one: its stat. */
const fileStat = (path: string) => stat(path).then((s) => (s.isFile() ? s : undefined), () => undefined);

/**
 * An example written the original library's way (`<n>.jpeg`, no meta file), once it has not changed
 * for {@link DEFAULT_SETTLE_MS} (as the hard-example store takes it): its mtime as its time, no model
 * version, no result.
 */
async function readBareExample(dir: string, id: string): Promise<Example | undefined> {
  for (const ext of BARE_EXTENSIONS) {
    const path = join(dir, `${id}.${ext}`);
    const info = await fileStat(path);
    if (info && Date.now() - info.mtimeMs >= DEFAULT_SETTLE_MS) return { id, path, time: info.mtime.toISOString(), modelVersion: null, result: null };
  }
  return undefined;
}

async function readExample(dir: string, id: string): Promise<Example | undefined> {
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(await readFile(join(dir, `${id}${META_SUFFIX}`), 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if (isNotFound(error)) return readBareExample(dir, id);
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  for (const ext of SAMPLE_EXTENSIONS) {
    const path = join(dir, `${id}.${ext}`);
    if (await stat(path).then((s) => s.isFile(), () => false)) {
      return { id, path, time: typeof meta.time === 'string' ? meta.time : '', modelVersion: typeof meta.modelVersion === 'string' ? meta.modelVersion : null, result: meta.result ?? null };
    }
  }
  return undefined;
}

export async function examplesIn(dir: string): Promise<Example[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
  const ids = new Set(names.filter((n) => n.endsWith(META_SUFFIX)).map((n) => n.slice(0, -META_SUFFIX.length)));
  // Images without a meta file: the original library's hard examples.
  for (const n of names) {
    const m = BARE_IMAGE.exec(n);
    if (m && !ids.has(m[1] as string) && ID.test(m[1] as string)) ids.add(m[1] as string);
  }
  const out = (await Promise.all([...ids].map((id) => readExample(dir, id)))).filter((e): e is Example => e !== undefined);
  return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1));
}

/** An example of the hard-example store's index as the dashboard requests read it. */
const exampleOf = (e: HardExample): Example => ({ id: e.id, path: e.path, time: e.time, modelVersion: e.modelVersion, result: e.result });

/** An example as the pages get it. */
const viewOf = (e: Example) => ({ id: e.id, time: e.time, modelVersion: e.modelVersion, result: e.result, image: /\.(png|jpe?g|webp|bmp)$/i.test(e.path), ...(roundOf(e.modelVersion) !== undefined ? { round: roundOf(e.modelVersion) } : {}) });

/** The page size of a hard-example list when none is asked, and the largest one. */
export const DEFAULT_PAGE = 60;
export const MAX_PAGE = 200;

/**
 * A page of `examples` (oldest first, as read): newest first unless `order` is `oldest`, of the model
 * versions in `versions` (`initial` for none), from `offset`, at most `limit` (see {@link MAX_PAGE}); with
 * the count of the whole filtered list (`total`) and the count of each model version in the whole list.
 */
export function pageOf(subject: string, examples: readonly Example[], query: { offset?: unknown; limit?: unknown; versions?: unknown; order?: unknown }): { examples: Example[]; total: number; offset: number; limit: number; versions: Record<string, number> } {
  const intOf = (field: string, value: unknown, fallback: number, min: number, max: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new RequestError(400, `${subject}: ${field} ${JSON.stringify(value)} is not an integer from ${min} to ${max}`);
    return value;
  };
  const offset = intOf('offset', query.offset, 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = intOf('limit', query.limit, DEFAULT_PAGE, 1, MAX_PAGE);
  if (query.order !== undefined && query.order !== 'newest' && query.order !== 'oldest') throw new RequestError(400, `${subject}: order ${JSON.stringify(query.order)} is not newest or oldest`);
  if (query.versions !== undefined && (!Array.isArray(query.versions) || !query.versions.every((v) => typeof v === 'string'))) throw new RequestError(400, `${subject}: versions ${quoted(query.versions)} is not a list of model versions`);
  const versionOf = (e: Example) => e.modelVersion ?? 'initial';
  const versions: Record<string, number> = {};
  for (const e of examples) versions[versionOf(e)] = (versions[versionOf(e)] ?? 0) + 1;
  const wanted = query.versions ? new Set(query.versions as string[]) : undefined;
  const filtered = wanted ? examples.filter((e) => wanted.has(versionOf(e))) : [...examples];
  const ordered = query.order === 'oldest' ? filtered : filtered.reverse();
  return { examples: ordered.slice(offset, offset + limit), total: filtered.length, offset, limit, versions };
}

/** Whether a labelled copy of example `id` is in `dir` (the `labelled/` folder beside the dataset index). */
async function labelledCopy(dir: string, id: string): Promise<boolean> {
  for (const ext of SAMPLE_EXTENSIONS) if (await fileStat(join(dir, `${id}.${ext}`))) return true;
  return false;
}

async function countLines(path: string): Promise<number> {
  try {
    const text = await readFile(path, 'utf8');
    return text.split('\n').filter((l) => l.trim()).length;
  } catch (error) {
    if (isNotFound(error)) return 0;
    throw error;
  }
}

/** The files of an example in a folder (its sample and meta file, or its image alone) and their bytes; 404 when it is not there. */
async function filesOf(from: string, id: string, list: string): Promise<{ names: string[]; bytes: number }> {
  const own = new Set([`${id}${META_SUFFIX}`, ...SAMPLE_EXTENSIONS.map((e) => `${id}.${e}`)]);
  const names = (await readdir(from).catch((error: unknown) => (isNotFound(error) ? [] : Promise.reject(error)))).filter((n) => own.has(n));
  if (!(await readExample(from, id))) throw new RequestError(404, `hard example ${id} is not in the ${list} list`);
  const sizes = await Promise.all(names.map((n) => stat(join(from, n)).then((s) => s.size)));
  return { names, bytes: sizes.reduce((a, b) => a + b, 0) };
}

/** Moves an example's files (its sample and meta) from one folder to another. */
async function moveExample(from: string, to: string, names: readonly string[]): Promise<void> {
  await mkdir(to, { recursive: true });
  // The sample first, the meta file last: the store indexes an example once its meta file is there.
  for (const n of [...names].sort((a, b) => Number(a.endsWith(META_SUFFIX)) - Number(b.endsWith(META_SUFFIX)))) await rename(join(from, n), join(to, n));
}

/**
 * Answers the GM's requests about jobs of this LC (see the module comment).
 *
 * @example
 * const answer = createLabellingHandler(ctx, jobs);
 * await answer({ namespace: 'default', resourceKind: 'incrementallearningjob', resourceName: 'helmet', operation: 'request' }, { action: 'hardExamples.list', list: 'queue' });
 */
export function createLabellingHandler(ctx: LcContext, jobs: JobRegistry): (header: FrameHeader, request: unknown, signal?: AbortSignal) => Promise<LcResponse> {
  // Image sizes of the COCO export, by (path, mtime, size): an export again reads only what changed.
  const sizes = new ImageSizeCache();
  // Label writes of a job one at a time: each appends one line and moves one example.
  const chains = new Map<string, Promise<unknown>>();
  const serial = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const run = (chains.get(key) ?? Promise.resolve()).then(work, work);
    chains.set(
      key,
      run.catch(() => undefined),
    );
    return run;
  };

  return async (header, request, signal) => {
    const namespace = header.namespace || 'default';
    const name = header.resourceName;
    const kind = jobs.kindOf(String(header.resourceKind).toLowerCase());
    const subject = `${kind?.kind ?? header.resourceKind} ${namespace}/${name}`;
    try {
      if (!kind) throw new RequestError(404, `${subject}: this local controller does not handle that kind`);
      const job = jobs.stored(kind, namespace, name);
      if (!job) throw new RequestError(404, `${subject}: not on node ${ctx.config.nodeName}`);
      if (!isRecord(request) || typeof request.action !== 'string') throw new RequestError(400, `${subject}: a request needs an action`);
      const r = request as LcRequest;
      const heDir = jobFolder(ctx.config.hardExampleRoot, namespace, kind.resourceKind, name);
      const skippedDir = join(heDir, SKIPPED_DIR);
      const datasetName = kind.datasetName(job);
      const dataset = ctx.store.get<Dataset & StoredObject>('dataset', namespace, datasetName);
      const indexUrl = dataset?.spec?.url;
      const indexPath = indexUrl && !isUrl(indexUrl) ? hostPath(ctx.config, indexUrl) : undefined;
      const needIndex = (): string => {
        if (!indexUrl) throw new RequestError(409, `${subject}: its Dataset ${namespace}/${datasetName} is not on this node`);
        if (!indexPath) throw new RequestError(409, `Dataset ${namespace}/${datasetName}: spec.url ${JSON.stringify(indexUrl)} is not a file of this node: labels can only be appended to a local index`);
        return indexPath;
      };
      const needId = (id: unknown): string => {
        if (typeof id !== 'string' || !ID.test(id)) throw new RequestError(400, `${subject}: id ${JSON.stringify(id)} is not a hard example id`);
        return id;
      };
      const named = job.metadata.annotations?.[CLASS_NAMES_ANNOTATION]?.split(',').map((c) => c.trim()).filter(Boolean);
      const classNames = named?.length ? named : undefined;
      const shapeOf = async (index: string): Promise<LabelShapeDecision> =>
        decideLabelShape({ job: subject, dataset: `${namespace}/${datasetName}`, format: dataset?.spec?.format ?? '', annotations: job.metadata.annotations, first: await firstLabelledLine(index) });

      switch (r.action) {
        case 'hardExamples.list': {
          const list = r.list === 'skipped' ? 'skipped' : 'queue';
          const store = jobs.hardExampleStore(kind, namespace, name);
          // The queue from the store's index in memory (reading 10,000 meta files took seconds), else the folder.
          const [queue, skipped] = await Promise.all([store ? store.list().map(exampleOf) : examplesIn(heDir), examplesIn(skippedDir)]);
          const page = pageOf(`${subject}: hard examples`, list === 'queue' ? queue : skipped, r);
          return {
            status: 200,
            body: {
              ...page,
              examples: page.examples.map(viewOf),
              counts: { queue: queue.length, skipped: skipped.length },
              // What the job's labels are (boxes or a class), so the labelling page offers those.
              ...(indexPath ? { dataset: { index: indexUrl, lines: await countLines(indexPath), labels: await shapeOf(indexPath) } } : {}),
            },
          };
        }
        case 'hardExamples.get': {
          const id = needId(r.id);
          const store = jobs.hardExampleStore(kind, namespace, name);
          const queued = await readExample(heDir, id);
          const found = queued ?? (await readExample(skippedDir, id));
          if (!found) {
            // Why it is not there: the budget evicted it, it was labelled (its copy beside the index), or nothing is known.
            const labelled = indexPath ? await labelledCopy(join(dirname(indexPath), LABELLED_DIR), id) : false;
            const state = store?.wasEvicted(id) ? 'evicted' : labelled ? 'labelled' : 'gone';
            const why = { evicted: 'the hard-example budget of the local controller evicted it (the oldest examples go first)', labelled: 'it was labelled (its line is in the dataset index)', gone: 'it is in neither the queue nor the skipped list (labelled, evicted before the local controller last started, or never there)' }[state];
            return { status: 404, error: `${subject}: hard example ${id}: ${why}`, body: { state } };
          }
          const [queue, skippedCount] = await Promise.all([store ? store.count : examplesIn(heDir).then((l) => l.length), examplesIn(skippedDir).then((l) => l.length)]);
          return {
            status: 200,
            body: {
              example: viewOf(found),
              list: queued ? 'queue' : 'skipped',
              counts: { queue, skipped: skippedCount },
              ...(indexPath ? { dataset: { index: indexUrl, lines: await countLines(indexPath), labels: await shapeOf(indexPath) } } : {}),
            },
          };
        }
        case 'hardExamples.sample': {
          const id = needId(r.id);
          const e = (await readExample(heDir, id)) ?? (await readExample(skippedDir, id));
          if (!e) throw new RequestError(404, `${subject}: no hard example ${id}`);
          const ext = extname(e.path).slice(1).toLowerCase();
          return { status: 200, data: (await readFile(e.path)).toString('base64'), contentType: IMAGE_TYPES[ext] ?? 'application/octet-stream' };
        }
        case 'hardExamples.skip':
        case 'hardExamples.restore': {
          const id = needId(r.id);
          const store = jobs.hardExampleStore(kind, namespace, name);
          await serial(`${namespace}/${name}`, async () => {
            if (r.action === 'hardExamples.skip') {
              const { names } = await filesOf(heDir, id, 'queue');
              // Held: the budget does not evict it while it moves.
              await (store ? store.holding(id, () => moveExample(heDir, skippedDir, names)) : moveExample(heDir, skippedDir, names));
              return;
            }
            const { names, bytes } = await filesOf(skippedDir, id, 'skipped');
            // Its time is old: without the keep, the budget of a full queue would evict it at once.
            await store?.keep(id, bytes).catch((error: unknown) => {
              throw error instanceof HardExampleBudgetError ? new RequestError(507, `${subject}: hard example ${id} stays in the skipped list: ${error.message}`) : error;
            });
            try {
              await moveExample(skippedDir, heDir, names);
            } catch (error) {
              await store?.release(id);
              throw error;
            }
          });
          await jobs.rescanHardExamples(kind, namespace, name);
          return { status: 200, body: { id, list: r.action === 'hardExamples.skip' ? 'skipped' : 'queue' } };
        }
        case 'hardExamples.label': {
          const id = needId(r.id);
          const index = needIndex();
          const store = jobs.hardExampleStore(kind, namespace, name);
          const write = async () => {
            // Decided with the writes of this job in line: two first labels of an empty index cannot disagree.
            const shape = await shapeOf(index);
            if ('refused' in shape) throw new RequestError(409, shape.refused);
            checkShape(`${subject}: hard example ${id}`, r as unknown as Record<string, unknown>, shape, subject);
            const label = checkLabel(`${subject}: hard example ${id}`, r as unknown as Record<string, unknown>, subject, classNames);
            const e = await readExample(heDir, id);
            if (!e) throw new RequestError(404, `${subject}: no hard example ${id} waiting for a label (labelled or skipped already?)`);
            const file = `${id}${extname(e.path).toLowerCase()}`;
            const relative = `${LABELLED_DIR}/${file}`;
            const bytes = await readFile(e.path);
            checkInside(`${subject}: hard example ${id}`, label.boxes, imageSize(bytes));
            const indexDir = dirname(index);
            await inCheckedFolder(ctx.config, join(indexDir, LABELLED_DIR), `${subject}: labelled folder`, true, async (dir) => {
              const temp = join(dir, `.${file}.tmp`);
              const handle = await open(temp, 'w', 0o644);
              try {
                await handle.writeFile(bytes);
                await handle.sync();
              } finally {
                await handle.close();
              }
              await rename(temp, join(dir, file));
            });
            const text = labelLine(relative, label);
            await inCheckedFolder(ctx.config, indexDir, `${subject}: dataset index folder`, false, async (dir) => {
              const path = join(dir, basename(index));
              const handle = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o644);
              try {
                const size = (await handle.stat()).size;
                let newline = '';
                if (size > 0) {
                  const last = Buffer.alloc(1);
                  const reader = await open(path, 'r');
                  try {
                    await reader.read(last, 0, 1, size - 1);
                  } finally {
                    await reader.close();
                  }
                  if (last[0] !== 0x0a) newline = '\n';
                }
                // One write: the dataset monitor reads whole appended lines.
                await handle.write(`${newline}${text}\n`);
                await handle.sync();
              } finally {
                await handle.close();
              }
            });
            // Out of the queue once its line is in the index.
            await rm(e.path, { force: true });
            await rm(join(heDir, `${id}${META_SUFFIX}`), { force: true });
            return text;
          };
          // Held: the budget does not evict it between reading its sample and removing it.
          const line = await serial(`${namespace}/${name}`, () => (store ? store.holding(id, write) : write()));
          await jobs.rescanHardExamples(kind, namespace, name);
          ctx.logger.info({ job: `${namespace}/${name}`, id, line }, 'hard example labelled');
          return { status: 200, body: { id, line, dataset: { index: indexUrl, lines: await countLines(index) } } };
        }
        case 'dataset.coco': {
          const index = needIndex();
          const text = await readFile(index, 'utf8').catch((error: unknown) => {
            if (isNotFound(error)) return '';
            throw error;
          });
          return { status: 200, body: await cocoOf(index, text, classNames, `Dataset ${namespace}/${datasetName}`, { sizeOf: (path) => sizes.sizeOf(path), signal }) };
        }
        default:
          throw new RequestError(400, `${subject}: unknown action ${JSON.stringify((r as { action: unknown }).action)}`);
      }
    } catch (error) {
      if (error instanceof RequestError) return { status: error.status, error: error.message };
      if (signal?.aborted) {
        // The GM gave up (its deadline, or the browser went away): nobody reads an answer.
        ctx.logger.info({ job: `${namespace}/${name}`, action: (request as { action?: unknown } | undefined)?.action }, 'dashboard request cancelled by the global manager');
        return { status: 499, error: `${subject}: the request was cancelled` };
      }
      ctx.logger.error({ job: `${namespace}/${name}`, error: (error as Error).message }, 'dashboard request failed');
      // The full message (it may hold paths of this host) goes to the LC's log, not to the browser.
      const code = (error as { code?: unknown }).code;
      return { status: 500, error: `${subject}: the request failed${typeof code === 'string' ? ` (${code})` : ''}: see the log of the local controller of node ${ctx.config.nodeName}` };
    }
  };
}
