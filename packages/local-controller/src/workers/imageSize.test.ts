// Image sizes from headers: in memory (PNG, JPEG, BMP, WebP) and from files, where only the header is
// read: a 3 GiB image (sparse) and a JPEG whose frame header comes after a 1 MiB segment are sized
// without reading them whole (readFile cannot even hold the first). The cache keeps a size while the
// file's mtime and size stay, and holds at most its bound.
import { mkdtempSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageSize, ImageSizeCache, readImageSize } from './imageSize.js';
import { pngHeader } from '../../test/helpers/samples.js';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'sedna-image-size-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** SOI, an APP1 segment of `app1` bytes, then SOF0 with height 480 and width 640. */
function jpeg(app1 = 4): Buffer {
  const segment = Buffer.alloc(2 + app1);
  segment.writeUInt16BE(0xffe1, 0);
  segment.writeUInt16BE(app1, 2);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), segment, Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x03, 0, 0, 0, 0, 0, 0])]);
}

test("image sizes come from the headers of PNG, JPEG, BMP and WebP bytes", () => {
  expect(imageSize(pngHeader(16, 12))).toEqual({ width: 16, height: 12 });
  // SOI, an APP0 segment, then SOF0 with height 480 and width 640.
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x03, 0, 0, 0, 0, 0, 0]);
  expect(imageSize(jpeg)).toEqual({ width: 640, height: 480 });
  expect(imageSize(Buffer.from('not an image'))).toBeUndefined();
  const bmp = Buffer.alloc(54);
  bmp.write('BM', 0, 'latin1');
  bmp.writeInt32LE(320, 18);
  bmp.writeInt32LE(-200, 22);
  expect(imageSize(bmp)).toEqual({ width: 320, height: 200 });
  const webp = (chunk: string, body: number[]) => Buffer.concat([Buffer.from('RIFF\0\0\0\0WEBP' + chunk + '\0\0\0\0', 'latin1'), Buffer.from(body), Buffer.alloc(16)]);
  // VP8X: flags and reserved bytes, then canvas width-1 (639) and height-1 (479), 24 bits each.
  expect(imageSize(webp('VP8X', [0, 0, 0, 0, 0x7f, 0x02, 0x00, 0xdf, 0x01, 0x00]))).toEqual({ width: 640, height: 480 });
  // VP8L: signature 0x2f, then width-1 = 99 and height-1 = 49 in 14 bits each.
  const bits = 99 | (49 << 14);
  expect(imageSize(webp('VP8L', [0x2f, bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, (bits >> 24) & 0xff]))).toEqual({ width: 100, height: 50 });
  // VP8: a frame tag (3 bytes), the start code, then 14-bit width and height.
  expect(imageSize(webp('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]))).toEqual({ width: 640, height: 480 });
});

test('a file is sized from its header only: a 3 GiB PNG, a JPEG whose frame header follows segments larger than the first bytes', async () => {
  const big = join(dir, 'big.png');
  writeFileSync(big, pngHeader(4000, 3000));
  truncateSync(big, 3 * 1024 ** 3); // sparse: no disk used; more than readFile can hold
  expect(await readImageSize(big)).toEqual({ width: 4000, height: 3000 });
  // Segments of 60 KiB each (as EXIF thumbnails are), 20 of them before the SOF0.
  const segments = Array.from({ length: 20 }, () => jpeg(60 * 1024).subarray(2, 2 + 2 + 60 * 1024));
  const far = join(dir, 'far.jpg');
  writeFileSync(far, Buffer.concat([Buffer.from([0xff, 0xd8]), ...segments, jpeg().subarray(8)]));
  expect(await readImageSize(far)).toEqual({ width: 640, height: 480 });
  expect(await readImageSize(join(dir, 'missing.png'))).toBeUndefined();
  writeFileSync(join(dir, 'text.png'), 'not an image');
  expect(await readImageSize(join(dir, 'text.png'))).toBeUndefined();
  // A JPEG cut before its frame header.
  writeFileSync(join(dir, 'cut.jpg'), jpeg(1000).subarray(0, 600));
  expect(await readImageSize(join(dir, 'cut.jpg'))).toBeUndefined();
  expect(imageSize(jpeg())).toEqual({ width: 640, height: 480 });
});

test('the cache keeps a size while the file keeps its mtime and size, and at most its bound of files', async () => {
  const sizes = new ImageSizeCache(2);
  const a = join(dir, 'a.png');
  writeFileSync(a, pngHeader(10, 20));
  utimesSync(a, 1000, 1000);
  expect(await sizes.sizeOf(a)).toEqual({ width: 10, height: 20 });
  // Another header of the same length and mtime: the cached size stands (the file was not read again).
  writeFileSync(a, pngHeader(30, 40));
  utimesSync(a, 1000, 1000);
  expect(await sizes.sizeOf(a)).toEqual({ width: 10, height: 20 });
  // A new mtime: read again.
  utimesSync(a, 2000, 2000);
  expect(await sizes.sizeOf(a)).toEqual({ width: 30, height: 40 });
  for (const name of ['b.png', 'c.png']) {
    writeFileSync(join(dir, name), pngHeader(1, 1));
    await sizes.sizeOf(join(dir, name));
  }
  expect(sizes.size).toBe(2);
  // a.png, the least recently used, went: its new header is read.
  writeFileSync(a, pngHeader(50, 60));
  utimesSync(a, 2000, 2000);
  expect(await sizes.sizeOf(a)).toEqual({ width: 50, height: 60 });
  expect(await sizes.sizeOf(join(dir, 'gone.png'))).toBeUndefined();
});
