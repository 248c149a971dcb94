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
