// Fixtures of the end-to-end test: a dataset of real PNG files and its index in the original txt
// format (examples/dataset.ts), the LC's round files, and hot-update publishing as the LC does it.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { seededRandom } from '@sedna-ts/internal';
import { writeDataset as writeExampleDataset } from '../../examples/dataset.js';

/** The examples' dataset (examples/dataset.ts) with the test's own seeded generator. */
export function writeDataset(root: string, count: number, seed = 7): Promise<string[]> {
  return writeExampleDataset(root, count, seededRandom(seed));
}

/** Writes a round's index file as the LC does (`<outputDir>/data/<stage>/<round>/data.txt`, the original's relative paths). */
export async function writeRoundIndex(path: string, lines: readonly string[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, `${lines.join('\n')}\n`);
  await rename(`${path}.tmp`, path);
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Publishes `model` as version `round` the way the LC does: copy to `<hotDir>/<round>/<name>`, then
 * write `model_config.json` by temp file + rename with `model_path: /model-hot-update/<round>/<name>`,
 * the update time, the version, the size and the sha256.
 */
export async function publishHotUpdate(hotDir: string, model: string, round: number, name = 'model.onnx'): Promise<{ size: number; sha256: string; modelPath: string }> {
  const target = join(hotDir, String(round), name);
  await mkdir(dirname(target), { recursive: true });
  await copyFile(model, `${target}.tmp`);
  await rename(`${target}.tmp`, target);
  const bytes = await readFile(target);
  const modelPath = `/model-hot-update/${round}/${name}`;
  const config = { model_config: { model_path: modelPath, model_update_time: new Date().toISOString(), model_version: String(round), model_size: bytes.length, model_sha256: sha256(bytes) } };
  const configPath = join(hotDir, 'model_config.json');
  await writeFile(`${configPath}.tmp`, JSON.stringify(config, null, 2));
  await rename(`${configPath}.tmp`, configPath);
  return { size: bytes.length, sha256: sha256(bytes), modelPath };
}
