/**
 * The dataset index format of the original helmet example: one image per line, its path relative to
 * the index, then `x1,y1,x2,y2,cls` per box (`images/0001.jpg 10,20,50,60,1 ...`). A line may also carry
 * attributes as `key=value` tokens after the path (`images/C-5-000001.png site=C 10,20,50,60,1`), which
 * the lifelong-learning job reads and the box parser skips. Pure: no image library is loaded here.
 */
import { appendFile, open, readFile } from 'node:fs/promises';
import { type DataSource } from '@sedna-ts/worker-sdk';
import { HelmetError } from './errors.js';
import { type Box } from './scene.js';

/** One labelled image. */
export interface Sample {
  /** Absolute path of the image. */
  path: string;
  /** Boxes in the image's own pixels. */
  boxes: Box[];
}

/**
 * The index line of an image: its path relative to the index, its attributes as `key=value` tokens (none
 * by default), then `x1,y1,x2,y2,cls` per box.
 */
export function formatIndexLine(relativePath: string, boxes: readonly Box[], attributes: Readonly<Record<string, string>> = {}): string {
  if (/\s/.test(relativePath)) throw new HelmetError('INVALID_LABEL', `index line: path ${JSON.stringify(relativePath)} contains whitespace`);
  const attrs = Object.entries(attributes).map(([key, value]) => {
    if (!ATTRIBUTE_KEY.test(key) || value === '' || /[\s=]/.test(value)) throw new HelmetError('INVALID_LABEL', `index line ${relativePath}: attribute ${JSON.stringify(key)}=${JSON.stringify(value)} is not key=value without spaces`);
    return `${key}=${value}`;
  });
  return [relativePath, ...attrs, ...boxes.map((b) => `${b.x1},${b.y1},${b.x2},${b.y2},${b.cls}`)].join(' ');
}

const ATTRIBUTE_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Whether a label token is an attribute (`key=value`) rather than a box. */
export function isAttributeToken(token: unknown): boolean {
  const text = String(token);
  const eq = text.indexOf('=');
  return eq > 0 && ATTRIBUTE_KEY.test(text.slice(0, eq));
}

/** The `key=value` attributes among the label tokens of a line. */
export function attributesOf(tokens: readonly unknown[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const token of tokens) {
    if (!isAttributeToken(token)) continue;
    const text = String(token);
    const eq = text.indexOf('=');
    out[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return out;
}

/** Parses the box tokens of an index line, skipping `key=value` attributes (`where` names the line in errors). */
export function parseBoxTokens(tokens: readonly unknown[], where: string): Box[] {
  return tokens.filter((token) => !isAttributeToken(token)).map((token, i) => {
    const parts = String(token).split(',');
    const numbers = parts.map(Number);
    if (parts.length !== 5 || numbers.some((n) => !Number.isFinite(n))) {
      throw new HelmetError('INVALID_LABEL', `${where}: label ${i + 1}: ${JSON.stringify(token)} is not x1,y1,x2,y2,cls`);
    }
    const [x1, y1, x2, y2, cls] = numbers as [number, number, number, number, number];
    if (!Number.isInteger(cls) || cls < 0) throw new HelmetError('INVALID_LABEL', `${where}: label ${i + 1}: class ${JSON.stringify(parts[4])} is not a class id`);
    return { x1, y1, x2, y2, cls };
  });
}

/**
 * The samples of a data source from `TxtDataParse`: either `x` = paths and `y` = label tokens (train
 * data), or `x` = `[path, ...tokens]` (test data parsed with `useRaw`); an `x` may also be a row with
 * a `path` field (the lifelong-learning job's samples, their task attribute taken off).
 */
export function samplesOf(data: DataSource): Sample[] {
  return data.x.map((raw, i) => {
    const x = raw !== null && typeof raw === 'object' && !Array.isArray(raw) && !(raw instanceof Uint8Array) && typeof (raw as { path?: unknown }).path === 'string' ? (raw as { path: string }).path : raw;
    if (Array.isArray(x)) {
      const [path, ...tokens] = x as unknown[];
      return { path: String(path), boxes: parseBoxTokens(tokens, `sample ${i + 1} (${String(path)})`) };
    }
    const tokens = data.y[i];
    const list = Array.isArray(tokens) ? tokens : tokens === undefined || tokens === null || tokens === 0 ? [] : [tokens];
    return { path: String(x), boxes: parseBoxTokens(list, `sample ${i + 1} (${String(x)})`) };
  });
}

/** Appends complete lines to an index in one write, then fsyncs: a reader never sees half a line. */
export async function appendLines(indexPath: string, text: string): Promise<void> {
  if (text === '') return;
  if (!text.endsWith('\n')) throw new HelmetError('INVALID_ARGUMENT', 'appendLines: text must end with a newline');
  await appendFile(indexPath, text);
  const handle = await open(indexPath, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The non-empty lines of an index, trimmed; an absent file has none. */
export async function readIndexLines(indexPath: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(indexPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/**
 * Index lines of `older` then `newer`, one per image path (a newer line replaces an older one of the
 * same image, at the newer position), keeping the last `max`.
 */
export function mergeIndexLines(older: readonly string[], newer: readonly string[], max = Number.POSITIVE_INFINITY): string[] {
  const byPath = new Map<string, string>();
  for (const line of [...older, ...newer]) {
    const path = line.split(/\s+/)[0] as string;
    byPath.delete(path);
    byPath.set(path, line);
  }
  const lines = [...byPath.values()];
  return lines.slice(Math.max(0, lines.length - max));
}
