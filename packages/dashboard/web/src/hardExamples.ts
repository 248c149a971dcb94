/** Hard examples as the GM serves them, and the shapes of their results the pages draw. */

/** One hard example in the GM's list. */
export interface HardExampleView {
  id: string;
  time: string;
  modelVersion: string | null;
  /** The inference result the worker recorded (null: none, as the original library's `{n}.jpeg`). */
  result: unknown;
  /** Whether the sample is an image the page can show. */
  image: boolean;
  /** The round that was serving, when the model version is a round number. */
  round?: number;
}

/**
 * What a job's labels are, as the LC decided it (see the dashboard's README): `boxes` or `class` and
 * what says so (`why`); no shape while nothing decides it (the first label does); `refused` when no
 * label can be written (a csv index, an annotation the index contradicts).
 */
export interface LabelShapeView {
  shape?: 'boxes' | 'class';
  why?: string;
  refused?: string;
}

/** The GM's answer for a page of a job's hard examples (newest first). */
export interface HardExampleList {
  examples: HardExampleView[];
  /** The examples of the whole filtered list, where this page starts, and the page size. */
  total: number;
  offset: number;
  limit: number;
  /** The examples of each model version (`initial` for the initial model) in the whole list. */
  versions: Record<string, number>;
  counts: { queue: number; skipped: number };
  /** The dataset index the labels go to, its line count and the shape of its labels. */
  dataset?: { index: string; lines: number; labels?: LabelShapeView };
}

/** The GM's answer for one hard example. */
export interface HardExampleOne {
  example: HardExampleView;
  list: 'queue' | 'skipped';
  counts: { queue: number; skipped: number };
  dataset?: { index: string; lines: number; labels?: LabelShapeView };
}

/** Why an example is not there (the GM's 404 for one example): evicted by the budget, labelled, or unknown. */
export type MissingState = 'evicted' | 'labelled' | 'gone';

/** The page size of the gallery (the GM's largest is 200). */
export const GALLERY_PAGE = 60;

/**
 * The query of a gallery page: the list, where it starts, and the model versions shown (the version
 * chosen, and those that served the model chosen; both: the versions in both; none: every version);
 * undefined when no version is in both (nothing to ask).
 */
export function galleryQuery(list: 'queue' | 'skipped', offset: number, version: string, modelVersions?: readonly string[]): string | undefined {
  const query = new URLSearchParams({ list, offset: String(offset), limit: String(GALLERY_PAGE) });
  const versions = version ? (modelVersions ? modelVersions.filter((v) => v === version) : [version]) : modelVersions;
  if (versions?.length === 0) return undefined;
  for (const v of versions ?? []) query.append('version', v);
  return query.toString();
}

/**
 * Which model found an example, in words: `initial` (or none recorded, as the LC files it) is the
 * job's initial model, a number the model of that round.
 */
export function servedBy(modelVersion: string | null): string {
  if (modelVersion === null || modelVersion === 'initial') return 'the initial model';
  return /^\d+$/.test(modelVersion) ? `served by round ${modelVersion}` : `model version ${modelVersion}`;
}

/** A box as the HEM filters read it: `[x1, y1, x2, y2, score, label]`. */
export type ResultBox = [number, number, number, number, number, number];

/** The boxes of a result shaped as the HEM filters read them, or undefined for any other result. */
export function resultBoxes(result: unknown): ResultBox[] | undefined {
  if (!Array.isArray(result) || result.length === 0) return undefined;
  if (!result.every((b) => Array.isArray(b) && b.length === 6 && b.every((v) => typeof v === 'number' && Number.isFinite(v)))) return undefined;
  return result as ResultBox[];
}

/**
 * Whether a result is a detector's: a list of lists, even when its boxes are not valid ones (a string
 * class, a missing score). Where nothing has decided a job's label shape yet, such an example is
 * labelled with boxes: one label as a class would make the whole job's labels classes.
 */
export function boxLike(result: unknown): boolean {
  return Array.isArray(result) && result.length > 0 && result.every((b) => Array.isArray(b));
}

/** A box being labelled: corners in image pixels and the class id. */
export interface LabelBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  cls: number;
}

/** Boxes of a result as editable label boxes (the model's boxes, accepted as they are). */
export function labelBoxesOf(boxes: readonly ResultBox[]): LabelBox[] {
  return boxes.map(([x1, y1, x2, y2, , cls]) => ({ x1, y1, x2, y2, cls: Math.round(cls) }));
}

/** A box with x1 <= x2 and y1 <= y2, clamped to the image, corners rounded to whole pixels. */
export function normalizeBox(b: LabelBox, width: number, height: number): LabelBox {
  const clampX = (v: number) => Math.round(Math.min(Math.max(v, 0), width));
  const clampY = (v: number) => Math.round(Math.min(Math.max(v, 0), height));
  return { x1: clampX(Math.min(b.x1, b.x2)), y1: clampY(Math.min(b.y1, b.y2)), x2: clampX(Math.max(b.x1, b.x2)), y2: clampY(Math.max(b.y1, b.y2)), cls: b.cls };
}

/**
 * A box moved by (dx, dy) and kept inside the image: a box dragged past an edge stops at it (one
 * dragged off the image was clamped to nothing and then dropped without a word).
 */
export function moveInside(b: LabelBox, dx: number, dy: number, width: number, height: number): LabelBox {
  const x1 = Math.min(b.x1, b.x2);
  const x2 = Math.max(b.x1, b.x2);
  const y1 = Math.min(b.y1, b.y2);
  const y2 = Math.max(b.y1, b.y2);
  const mx = Math.min(Math.max(dx, -x1), width - x2);
  const my = Math.min(Math.max(dy, -y1), height - y2);
  return { x1: x1 + mx, y1: y1 + my, x2: x2 + mx, y2: y2 + my, cls: b.cls };
}

/** The class names of a job (annotation `sedna.io/class-names`, e.g. `helmet,head`), else undefined. */
export function classNamesOf(annotations: Record<string, string> | undefined): string[] | undefined {
  const raw = annotations?.['sedna.io/class-names'];
  if (!raw) return undefined;
  const names = raw.split(',').map((n) => n.trim()).filter(Boolean);
  return names.length > 0 ? names : undefined;
}

/**
 * The class a classifier's result names: the index of the largest of a list of probabilities (the
 * result itself, or its `probabilities`), else its `class` (an id, or a name of `names`); undefined
 * for any other result.
 */
export function predictedClass(result: unknown, names?: readonly string[]): number | undefined {
  const record = typeof result === 'object' && result !== null && !Array.isArray(result) ? (result as Record<string, unknown>) : undefined;
  const list = Array.isArray(result) ? result : record?.probabilities;
  if (Array.isArray(list) && list.length > 0 && list.every((v) => typeof v === 'number')) {
    let best = 0;
    for (let i = 1; i < list.length; i++) if ((list[i] as number) > (list[best] as number)) best = i;
    return best;
  }
  const cls = record?.class;
  if (typeof cls === 'number' && Number.isInteger(cls) && cls >= 0) return cls;
  if (typeof cls === 'string' && names?.includes(cls)) return names.indexOf(cls);
  return undefined;
}
