/**
 * Renders generated scenes to pixels with sharp (librsvg), then applies the scene's lighting and
 * sensor noise, deterministically from the frame id.
 */
import { HelmetError } from './errors.js';
import { FRAME_ID_KEYWORD, withPngText } from './pngText.js';
import sharp from 'sharp';
import { Random } from './random.js';
import { generateScene, type Scene } from './scene.js';

/** Raw interleaved RGB pixels, as sharp gives them. */
export interface RawRgb {
  data: Buffer;
  info: { width: number; height: number; channels: 3 };
}

/** Encodings the generator writes. */
export type ImageFormat = 'jpg' | 'png';

/** The pixels of a scene: SVG rendered by sharp, then lighting and noise. */
export async function renderScene(scene: Scene): Promise<RawRgb> {
  const { data, info } = await sharp(Buffer.from(scene.svg), { density: 72 })
    .resize(scene.width, scene.height, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== scene.width || info.height !== scene.height || info.channels !== 3) {
    throw new HelmetError('RENDER_FAILED', `renderScene ${scene.id}: sharp produced ${info.width}x${info.height}x${info.channels}, expected ${scene.width}x${scene.height}x3`);
  }
  applyLighting(data, scene);
  return { data, info: { width: info.width, height: info.height, channels: 3 } };
}

function applyLighting(pixels: Buffer, scene: Scene): void {
  const { gain, cast, slope, angle, noise } = scene.lighting;
  const rng = new Random(`helmet-noise:${scene.id}`);
  const dx = Math.cos(angle);
  const dy = Math.sin(angle);
  const W = scene.width;
  const H = scene.height;
  // Projection of the frame corners on the ramp direction, to map each pixel to t in [0, 1].
  const corners = [0, W * dx, H * dy, W * dx + H * dy];
  const lo = Math.min(...corners);
  const span = Math.max(...corners) - lo || 1;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const t = (x * dx + y * dy - lo) / span;
      const light = gain * (1 + slope * (t - 0.5));
      const p = (y * W + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v = (pixels[p + c] as number) * light * (cast[c] as number) + noise * rng.normal();
        pixels[p + c] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
    }
  }
}

/** Encodes raw RGB as JPEG (quality 90) or PNG; a PNG carries the frame id in a tEXt chunk. */
export async function encodeImage(raw: RawRgb, format: ImageFormat, frameIdText?: string): Promise<Buffer> {
  const image = sharp(raw.data, { raw: raw.info });
  if (format === 'jpg') return image.jpeg({ quality: 90, chromaSubsampling: '4:4:4' }).toBuffer();
  const png = await image.png({ compressionLevel: 6 }).toBuffer();
  return frameIdText === undefined ? png : withPngText(png, FRAME_ID_KEYWORD, frameIdText);
}

/** Renders the frame of an id and encodes it. */
export async function renderFrame(id: string, format: ImageFormat): Promise<{ scene: Scene; bytes: Buffer }> {
  const scene = generateScene(id);
  const raw = await renderScene(scene);
  return { scene, bytes: await encodeImage(raw, format, scene.id) };
}
