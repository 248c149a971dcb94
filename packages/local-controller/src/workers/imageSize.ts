/**
 * The size of an image from its header: PNG (IHDR), JPEG (the SOFn segment), WebP (VP8X, VP8L, VP8)
 * and BMP (BITMAPINFOHEADER). `imageSize` reads it from bytes in memory (a label's sample, read whole
 * anyway to be copied); `readImageSize` from a file, reading only the header (the first bytes, and for
 * a JPEG the 4-byte head of each segment up to its SOFn), so the COCO export of an index of thousands
 * of large images does not read them whole. `ImageSizeCache` keeps the sizes of files by (path, mtime,
 * size), bounded.
 */
import { open, stat } from 'node:fs/promises';

/** Width and height of an image in pixels. */
export interface ImageSize {
  width: number;
  height: number;
}

/** Bytes read first from a file: PNG, BMP and WebP tell their size within them. */
const HEAD_BYTES = 64;
/** The most JPEG segments walked before its SOFn (a file with more is not taken as an image). */
const MAX_JPEG_SEGMENTS = 1024;

/** Whether a JPEG marker is a SOFn (start of frame) that carries the frame size: C0..CF but DHT (C4), JPG (C8) and DAC (CC). */
const isSof = (marker: number): boolean => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

/** The size from the first bytes of a PNG, BMP or WebP; undefined for anything else (a JPEG included). */
function headSize(bytes: Buffer): ImageSize | undefined {
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47) return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  // BMP: BITMAPINFOHEADER's width and height (a negative height is a top-down image).
  if (bytes.length >= 26 && bytes.toString('latin1', 0, 2) === 'BM') return { width: Math.abs(bytes.readInt32LE(18)), height: Math.abs(bytes.readInt32LE(22)) };
  if (bytes.length >= 30 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') {
    const chunk = bytes.toString('latin1', 12, 16);
    // Extended: canvas width-1 and height-1, 24 bits each.
    if (chunk === 'VP8X') return { width: bytes.readUIntLE(24, 3) + 1, height: bytes.readUIntLE(27, 3) + 1 };
    // Lossless: after the 0x2f signature, width-1 and height-1 in 14 bits each.
    if (chunk === 'VP8L' && bytes[20] === 0x2f) {
      const bits = bytes.readUInt32LE(21);
      return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
    // Lossy: after the key frame's start code, 14-bit width and height.
    if (chunk === 'VP8 ' && bytes.readUIntBE(23, 3) === 0x9d012a) return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
  }
  return undefined;
}

const isJpeg = (bytes: Buffer): boolean => bytes.length > 4 && bytes[0] === 0xff && bytes[1] === 0xd8;

/** Width and height of a PNG, JPEG, WebP or BMP image, from its bytes; undefined for anything else. */
export function imageSize(bytes: Buffer): ImageSize | undefined {
  if (!isJpeg(bytes)) return headSize(bytes);
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return undefined;
    const marker = bytes[i + 1] as number;
    if (isSof(marker)) return { height: bytes.readUInt16BE(i + 5), width: bytes.readUInt16BE(i + 7) };
    i += 2 + bytes.readUInt16BE(i + 2);
  }
  return undefined;
}

/**
 * Width and height of the image file at `path`, reading its header only; undefined when it is no PNG,
 * JPEG, WebP or BMP (or cannot be read: no file, a folder).
 */
export async function readImageSize(path: string): Promise<ImageSize | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const head = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(head, 0, HEAD_BYTES, 0);
    const bytes = head.subarray(0, bytesRead);
    if (!isJpeg(bytes)) return headSize(bytes);
    // A JPEG: from segment to segment (each starts FF <marker> <length>), to the first SOFn.
    const segment = Buffer.alloc(9);
    let at = 2;
    for (let n = 0; n < MAX_JPEG_SEGMENTS; n++) {
      const read = (await handle.read(segment, 0, 9, at)).bytesRead;
      if (read < 9 || segment[0] !== 0xff) return undefined;
      const marker = segment[1] as number;
      if (isSof(marker)) return { height: segment.readUInt16BE(5), width: segment.readUInt16BE(7) };
      at += 2 + segment.readUInt16BE(2);
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/** Sizes kept by default in an {@link ImageSizeCache}. */
export const DEFAULT_IMAGE_SIZE_CACHE_ENTRIES = 50_000;

/**
 * The sizes of image files, each kept while the file's mtime and size stay the same, at most
 * `maxEntries` of them (the least recently used goes first).
 *
 * @example
 * const sizes = new ImageSizeCache();
 * const size = await sizes.sizeOf('/data/labelled/e1.png'); // { width: 640, height: 480 }
 */
export class ImageSizeCache {
  private readonly entries = new Map<string, { mtimeMs: number; size: number; image: ImageSize | undefined }>();

  constructor(private readonly maxEntries = DEFAULT_IMAGE_SIZE_CACHE_ENTRIES) {}

  /** Sizes kept now. */
  get size(): number {
    return this.entries.size;
  }

  /** The size of the image at `path` (see {@link readImageSize}), from the cache while the file has not changed. */
  async sizeOf(path: string): Promise<ImageSize | undefined> {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) {
      this.entries.delete(path);
      return undefined;
    }
    const kept = this.entries.get(path);
    if (kept && kept.mtimeMs === info.mtimeMs && kept.size === info.size) {
      // The most recently used last: the first is evicted first.
      this.entries.delete(path);
      this.entries.set(path, kept);
      return kept.image;
    }
    const image = await readImageSize(path);
    this.entries.delete(path);
    this.entries.set(path, { mtimeMs: info.mtimeMs, size: info.size, image });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return image;
  }
}
