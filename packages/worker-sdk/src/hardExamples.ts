import { join } from 'node:path';
import { writeFileAtomic } from './dataSource.js';
import { WorkerSdkError } from './errors.js';
import { loadSharp } from './sharp.js';

/** A decoded image as raw pixels (sharp's `{ data, info }` shape, or the fields at top level). */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  info?: { width: number; height: number; channels: 1 | 2 | 3 | 4 };
  width?: number;
  height?: number;
  channels?: 1 | 2 | 3 | 4;
}

/** Where `saveHardExample` put one example. */
export interface SavedHardExample {
  /** `<time>-<seq>`, the common stem of both files. */
  id: string;
  /** The input: `<id>.png` for an image, `<id>.json` otherwise. */
  samplePath: string;
  /** `<id>.meta.json` = `{result, modelVersion, time}`, written last. */
  metaPath: string;
  format: 'png' | 'json';
}

// Magic numbers of the encodings sharp decodes.
function isEncodedImage(bytes: Uint8Array): 'png' | 'other' | undefined {
  if (bytes.length < 12) return undefined;
  const b = bytes;
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'other'; // JPEG
  if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38) return 'other'; // GIF
  if (b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50) return 'other'; // WebP
  if ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0x00) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0x00 && b[3] === 0x2a)) return 'other'; // TIFF
  return undefined;
}

function rawImageOf(input: unknown): { data: Uint8Array; width: number; height: number; channels: 1 | 2 | 3 | 4 } | undefined {
  if (input === null || typeof input !== 'object') return undefined;
  const candidate = input as RawImage;
  const data = candidate.data;
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) return undefined;
  const width = candidate.info?.width ?? candidate.width;
  const height = candidate.info?.height ?? candidate.height;
  const channels = candidate.info?.channels ?? candidate.channels;
  if (!Number.isInteger(width) || !Number.isInteger(height) || ![1, 2, 3, 4].includes(channels as number)) return undefined;
  if (data.length !== (width as number) * (height as number) * (channels as number)) return undefined;
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: width as number, height: height as number, channels: channels as 1 | 2 | 3 | 4 };
}

/** JSON with typed arrays as plain arrays and bigints as strings. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
    return v;
  });
}

/**
 * Write one hard example into `dir`: the input as `<id>.png` (an encoded image, or raw pixels
 * `{data, info: {width, height, channels}}`, converted to PNG through sharp, loaded only then) or as
 * `<id>.json` (anything else), then `<id>.meta.json` = `{result, modelVersion, time}`. Both by temp file
 * + rename with fsync, the meta file last: a reader that sees the meta file sees a complete example.
 */
export async function writeHardExample(
  dir: string,
  id: string,
  input: unknown,
  meta: { result: unknown; modelVersion: string | undefined; time: string },
): Promise<SavedHardExample> {
  return writeSampleWithMeta(dir, id, input, { result: meta.result ?? null, modelVersion: meta.modelVersion ?? null, time: meta.time }, 'saveHardExample');
}

/**
 * The layout of `writeHardExample` with any meta record: the sample as `<id>.png` or `<id>.json`, then
 * `<id>.meta.json` = `meta`, written last (lifelong learning's unseen samples use it with
 * `UnseenSampleMeta`). `what` names the caller in errors.
 */
export async function writeSampleWithMeta(dir: string, id: string, input: unknown, meta: object, what: string): Promise<SavedHardExample> {
  try {
    let sample: Uint8Array | string;
    let format: 'png' | 'json';
    const bytes = input instanceof Uint8Array ? input : undefined;
    const encoded = bytes ? isEncodedImage(bytes) : undefined;
    const raw = rawImageOf(input);
    if (bytes && encoded === 'png') {
      sample = bytes;
      format = 'png';
    } else if (bytes && encoded) {
      const sharp = await loadSharp(`${what}: writing an image`);
      sample = await sharp(bytes).png().toBuffer();
      format = 'png';
    } else if (raw) {
      const sharp = await loadSharp(`${what}: writing an image`);
      sample = await sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } }).png().toBuffer();
      format = 'png';
    } else {
      sample = toJsonText(input === undefined ? null : input);
      format = 'json';
    }
    const samplePath = join(dir, `${id}.${format}`);
    const metaPath = join(dir, `${id}.meta.json`);
    await writeFileAtomic(samplePath, sample);
    await writeFileAtomic(metaPath, toJsonText(meta));
    return { id, samplePath, metaPath, format };
  } catch (error) {
    if (error instanceof WorkerSdkError) throw error;
    throw new WorkerSdkError('HARD_EXAMPLE_FAILED', `${what}: ${dir}/${id}: ${(error as Error).message}`, { cause: error });
  }
}
