/** Reading what `-f` names: files, folders of manifests, or standard input. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { CliError } from './errors.js';
import type { CliIo } from './io.js';

/** One input text and how to name it in messages. */
export interface InputFile {
  /** As the user wrote it (joined with the file name for folders); `<stdin>` for standard input. */
  path: string;
  text: string;
}

/** Options of {@link readInputs}. */
export interface ReadInputsOptions {
  /** Also read the manifests in sub-folders of a folder. */
  recursive?: boolean;
}

/** File names a folder contributes. */
export const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

/** Name used for standard input in messages. */
export const STDIN_NAME = '<stdin>';

async function listManifests(dir: string, shown: string, recursive: boolean): Promise<Array<{ abs: string; shown: string }>> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  const out: Array<{ abs: string; shown: string }> = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const abs = path.join(dir, entry.name);
    const rel = path.join(shown, entry.name);
    if (entry.isDirectory()) {
      if (recursive) out.push(...(await listManifests(abs, rel, true)));
    } else if (MANIFEST_EXTENSIONS.some((ext) => entry.name.toLowerCase().endsWith(ext))) {
      out.push({ abs, shown: rel });
    }
  }
  return out;
}

/**
 * Reads every input named by `-f`: a file as it is, a folder's *.yaml, *.yml and *.json files (sorted by
 * name), `-` as standard input (once).
 *
 * @throws CliError NOT_FOUND when a path does not exist or a folder holds no manifest; INVALID_INPUT when a file cannot be read.
 */
export async function readInputs(paths: readonly string[], io: CliIo, options: ReadInputsOptions = {}): Promise<InputFile[]> {
  const files: InputFile[] = [];
  let stdinRead = false;
  for (const given of paths) {
    if (given === '-') {
      if (stdinRead) continue;
      stdinRead = true;
      files.push({ path: STDIN_NAME, text: await io.readStdin() });
      continue;
    }
    const abs = path.resolve(io.cwd, given);
    let stat;
    try {
      stat = await fs.stat(abs);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError('NOT_FOUND', `${given}: no such file or folder`, { cause: error });
      throw new CliError('INVALID_INPUT', `${given}: ${(error as Error).message}`, { cause: error });
    }
    const targets = stat.isDirectory() ? await listManifests(abs, given, options.recursive === true) : [{ abs, shown: given }];
    if (stat.isDirectory() && targets.length === 0) {
      throw new CliError('NOT_FOUND', `${given}: no ${MANIFEST_EXTENSIONS.map((e) => `*${e}`).join(', ')} files in this folder`);
    }
    for (const target of targets) {
      try {
        files.push({ path: target.shown, text: await fs.readFile(target.abs, 'utf8') });
      } catch (error) {
        throw new CliError('INVALID_INPUT', `${target.shown}: ${(error as Error).message}`, { cause: error });
      }
    }
  }
  return files;
}
