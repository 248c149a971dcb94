/** Sample files for index lines: the LC puts in quarantine a line whose sample file does not exist. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Create (empty) the sample file of each line (its first token, relative to `folder`); returns the lines. */
export async function withSampleFiles<T extends string | string[]>(folder: string, lines: T): Promise<T> {
  const list = typeof lines === 'string' ? lines.split('\n') : lines;
  for (const line of list) {
    const token = line.trim().split(/\s+/)[0];
    if (!token) continue;
    const file = join(folder, token);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, '');
  }
  return lines;
}

/** The first bytes of a PNG of `w` x `h` (signature, IHDR length and type, width, height): enough to read its size. */
export function pngHeader(w: number, h: number): Buffer {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'ascii');
  b.writeUInt32BE(w, 16);
  b.writeUInt32BE(h, 20);
  return b;
}
