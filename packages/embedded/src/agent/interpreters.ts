import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type Interpreters } from './command.js';

/**
 * Finds the tsx command line in the node_modules of the first directory (or one of its parents) that
 * has it: `node <tsx>/dist/cli.mjs`, run by the agent's own Node binary. Undefined when none has it.
 */
export function findTsx(fromDirs: readonly string[]): string[] | undefined {
  for (const dir of fromDirs) {
    try {
      const require = createRequire(path.join(path.resolve(dir), 'noop.js'));
      const manifestPath = require.resolve('tsx/package.json');
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin?: string | Record<string, string> };
      const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.tsx;
      if (bin) return [process.execPath, path.resolve(path.dirname(manifestPath), bin)];
    } catch {
      // not installed below this directory
    }
  }
  return undefined;
}

/**
 * The interpreters for scripts: the agent's Node for JavaScript, tsx from the project's node_modules
 * (looked up from the working directory, then from the agent's entry script; `tsx` on PATH as a last
 * resort) for TypeScript, `python3` on PATH for Python. `overrides` replaces any of them.
 */
export function defaultInterpreters(workingDir: string, overrides: Partial<Interpreters> = {}): Interpreters {
  const entry = process.argv[1];
  const searchFrom = [workingDir, ...(entry ? [path.dirname(entry)] : [])];
  return {
    node: overrides.node ?? [process.execPath],
    tsx: overrides.tsx ?? findTsx(searchFrom) ?? ['tsx'],
    python: overrides.python ?? ['python3'],
  };
}
