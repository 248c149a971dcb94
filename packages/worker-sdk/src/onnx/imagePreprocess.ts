import { WorkerSdkError } from '../errors.js';
import { loadSharp } from '../sharp.js';

/** How an encoded image becomes a model input tensor. */
export interface ImagePreprocessOptions {
  /** Model input width in pixels. */
  width: number;
  /** Model input height in pixels. */
  height: number;
  /** `letterbox` (default): keep the aspect ratio and pad; `stretch`: resize to exactly width x height. */
  resize?: 'letterbox' | 'stretch';
  /** Letterbox pad colour, RGB 0-255 (default 114, 114, 114 as YOLO-style detectors use). */
  padColor?: readonly [number, number, number];
  /** Channel order of the tensor (default `RGB`). */
  channelOrder?: 'RGB' | 'BGR';
  /** Each 0-255 pixel value is multiplied by this first (default 1/255). */
  scale?: number;
  /** Subtracted per channel (in `channelOrder`) after scaling (default 0). */
  mean?: readonly [number, number, number];
  /** Divides each channel (in `channelOrder`) after the mean (default 1). */
  std?: readonly [number, number, number];
  /** Tensor layout (default `NCHW`, what most ONNX vision models take). */
  layout?: 'NCHW' | 'NHWC';
}

/** Where the original image sits inside the model input, to map boxes back to it. */
export interface Letterbox {
  /** Size of the original image (after EXIF orientation). */
  originalWidth: number;
  originalHeight: number;
  /** Model input pixels per original pixel, horizontally and vertically (equal for letterbox). */
  scaleX: number;
  scaleY: number;
  /** Padding left of and above the resized image, in model input pixels. */
  padLeft: number;
  padTop: number;
}

/** A preprocessed image: tensor data with its dims (batch of one) and the letterbox geometry. */
export interface PreprocessedImage {
  data: Float32Array;
  dims: [number, number, number, number];
  letterbox: Letterbox;
}

function checkOptions(options: ImagePreprocessOptions): void {
  for (const key of ['width', 'height'] as const) {
    const v = options[key];
    if (!Number.isInteger(v) || v <= 0) throw new WorkerSdkError('CONFIG_INVALID', `image preprocessing: options.${key}: ${JSON.stringify(v)} is not a positive integer`);
  }
  for (const key of ['mean', 'std', 'padColor'] as const) {
    const v = options[key];
    if (v !== undefined && (!Array.isArray(v) || v.length !== 3 || v.some((n) => typeof n !== 'number' || !Number.isFinite(n)))) {
      throw new WorkerSdkError('CONFIG_INVALID', `image preprocessing: options.${key}: ${JSON.stringify(v)} is not three numbers`);
    }
  }
  if (options.std?.some((n) => n === 0)) throw new WorkerSdkError('CONFIG_INVALID', `image preprocessing: options.std: ${JSON.stringify(options.std)} has a zero`);
}

/**
 * Decodes an image (file path or encoded bytes: JPEG, PNG, WebP, ...), applies its EXIF orientation,
 * resizes it (letterbox by default) and normalises it into a float tensor of one image.
 *
 * @example
 * ```ts
 * const { data, dims, letterbox } = await preprocessImage('scene.jpg', { width: 416, height: 416 });
 * const feeds = { images: new ort.Tensor('float32', data, dims) };
 * ```
 */
export async function preprocessImage(input: string | Uint8Array, options: ImagePreprocessOptions): Promise<PreprocessedImage> {
  checkOptions(options);
  const sharp = await loadSharp('image preprocessing');
  const what = typeof input === 'string' ? `image ${input}` : `image (${input.byteLength} bytes)`;
  const { width, height } = options;
  let meta;
  try {
    meta = await sharp(input).metadata();
  } catch (error) {
    throw new WorkerSdkError('INPUT_INVALID', `${what}: cannot be decoded: ${(error as Error).message}`, { cause: error });
  }
  if (meta.width === undefined || meta.height === undefined) throw new WorkerSdkError('INPUT_INVALID', `${what}: has no size`);
  // EXIF orientations 5-8 turn the image by 90 degrees, which swaps its sides.
  const turned = (meta.orientation ?? 1) >= 5;
  const originalWidth = turned ? meta.height : meta.width;
  const originalHeight = turned ? meta.width : meta.height;

  let pipeline = sharp(input).rotate().removeAlpha().toColourspace('srgb');
  let letterbox: Letterbox;
  if (options.resize === 'stretch') {
    pipeline = pipeline.resize(width, height, { fit: 'fill' });
    letterbox = { originalWidth, originalHeight, scaleX: width / originalWidth, scaleY: height / originalHeight, padLeft: 0, padTop: 0 };
  } else {
    const scale = Math.min(width / originalWidth, height / originalHeight);
    const resizedWidth = Math.max(1, Math.min(width, Math.round(originalWidth * scale)));
    const resizedHeight = Math.max(1, Math.min(height, Math.round(originalHeight * scale)));
    const padLeft = Math.floor((width - resizedWidth) / 2);
    const padTop = Math.floor((height - resizedHeight) / 2);
    const [r, g, b] = options.padColor ?? [114, 114, 114];
    pipeline = pipeline.resize(resizedWidth, resizedHeight, { fit: 'fill' }).extend({
      top: padTop,
      bottom: height - resizedHeight - padTop,
      left: padLeft,
      right: width - resizedWidth - padLeft,
      background: { r, g, b },
    });
    letterbox = { originalWidth, originalHeight, scaleX: scale, scaleY: scale, padLeft, padTop };
  }
  let pixels;
  try {
    pixels = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new WorkerSdkError('INPUT_INVALID', `${what}: cannot be decoded: ${(error as Error).message}`, { cause: error });
  }
  if (pixels.info.channels !== 3 || pixels.info.width !== width || pixels.info.height !== height) {
    throw new WorkerSdkError('INTERNAL', `${what}: preprocessing produced ${pixels.info.width}x${pixels.info.height}x${pixels.info.channels}, expected ${width}x${height}x3`);
  }
  const data = normalise(pixels.data, width, height, options);
  const dims: [number, number, number, number] = options.layout === 'NHWC' ? [1, height, width, 3] : [1, 3, height, width];
  return { data, dims, letterbox };
}

/** Interleaved RGB bytes -> float tensor data in the requested order, layout and normalisation. */
function normalise(rgb: Uint8Array, width: number, height: number, options: ImagePreprocessOptions): Float32Array {
  const scale = options.scale ?? 1 / 255;
  const mean = options.mean ?? [0, 0, 0];
  const std = options.std ?? [1, 1, 1];
  const bgr = options.channelOrder === 'BGR';
  const planar = options.layout !== 'NHWC';
  const plane = width * height;
  const out = new Float32Array(plane * 3);
  // Per output channel c: value = (pixel * scale - mean[c]) / std[c] = pixel * k[c] + o[c].
  const k = [0, 1, 2].map((c) => scale / (std[c] as number));
  const o = [0, 1, 2].map((c) => -(mean[c] as number) / (std[c] as number));
  for (let c = 0; c < 3; c++) {
    const source = bgr ? 2 - c : c;
    const kc = k[c] as number;
    const oc = o[c] as number;
    if (planar) {
      const base = c * plane;
      for (let p = 0; p < plane; p++) out[base + p] = (rgb[p * 3 + source] as number) * kc + oc;
    } else {
      for (let p = 0; p < plane; p++) out[p * 3 + c] = (rgb[p * 3 + source] as number) * kc + oc;
    }
  }
  return out;
}

/**
 * Maps a box `[x1, y1, x2, y2]` in model input pixels back to the original image, clamped to it.
 * Extra elements (score, label) are kept.
 */
export function unletterboxBox<T extends readonly number[]>(box: T, letterbox: Letterbox): number[] {
  const [x1, y1, x2, y2, ...rest] = box as unknown as number[];
  const mapX = (x: number) => Math.min(Math.max((x - letterbox.padLeft) / letterbox.scaleX, 0), letterbox.originalWidth);
  const mapY = (y: number) => Math.min(Math.max((y - letterbox.padTop) / letterbox.scaleY, 0), letterbox.originalHeight);
  return [mapX(x1 as number), mapY(y1 as number), mapX(x2 as number), mapY(y2 as number), ...rest];
}
