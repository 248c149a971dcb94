/**
 * PNG tEXt chunks: the example's camera stamps each frame's id into its PNG (as a camera stamps a frame
 * counter), and the labeller reads it back from the hard example. Pure byte handling, no image library.
 */
import { HelmetError } from './errors.js';

/** The tEXt keyword under which a camera frame carries its id (as a camera stamps a frame counter). */
export const FRAME_ID_KEYWORD = 'sedna-helmet-frame';

/**
 * The tEXt keyword under which a camera frame carries its site (`A`, `B`, `C`): the attribute the
 * lifelong-learning job's tasks are defined by, read by its inference worker's task allocation.
 */
export const SITE_KEYWORD = 'site';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let crcTable: Uint32Array | undefined;
function crc32(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of bytes) crc = (crcTable[(crc ^ b) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Inserts a tEXt chunk `keyword\0text` right after IHDR. */
export function withPngText(png: Buffer, keyword: string, text: string): Buffer {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new HelmetError('INVALID_ARGUMENT', 'withPngText: not a PNG');
  const ihdrLength = png.readUInt32BE(8);
  const afterIhdr = 8 + 12 + ihdrLength;
  const body = Buffer.concat([Buffer.from('tEXt', 'latin1'), Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]);
  const chunk = Buffer.alloc(body.length + 8);
  chunk.writeUInt32BE(body.length - 4, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), body.length + 4);
  return Buffer.concat([png.subarray(0, afterIhdr), chunk, png.subarray(afterIhdr)]);
}

/** The text of the first tEXt chunk with `keyword`, or undefined (also for a non-PNG). */
export function readPngText(png: Uint8Array, keyword: string): string | undefined {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  let offset = 8;
  while (offset + 12 <= buf.length) {
    const length = buf.readUInt32BE(offset);
    const type = buf.toString('latin1', offset + 4, offset + 8);
    if (type === 'tEXt') {
      const data = buf.subarray(offset + 8, offset + 8 + length);
      const zero = data.indexOf(0);
      if (zero > 0 && data.toString('latin1', 0, zero) === keyword) return data.toString('latin1', zero + 1);
    }
    if (type === 'IEND') break;
    offset += 12 + length;
  }
  return undefined;
}
