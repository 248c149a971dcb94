// Runs a TypeScript script in a child `node --import tsx` process and returns the JSON it prints last.
// tfjs and onnxruntime check typed arrays with `instanceof`, which jest's vm realm breaks, so every test
// that loads them does its work in a child like this and asserts on what it reports.
import { execFile } from 'node:child_process';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package folder (where tsx and the workspace packages resolve). */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ChildResult<T> {
  /** The last line of stdout, parsed as JSON. */
  result: T;
  stdout: string;
  stderr: string;
}

/** Runs `script` (absolute, or relative to the package folder) with `args`; rejects with its output when it exits non-zero. */
export function runChild<T>(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ChildResult<T>> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  // jest's --experimental-vm-modules is for jest itself, not for the child.
  delete childEnv.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', resolvePath(PACKAGE_DIR, script), ...args],
      { cwd: PACKAGE_DIR, env: childEnv, maxBuffer: 64 * 1024 * 1024, timeout: 170_000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${script} failed (${error.message.slice(0, 500)})\nstdout:\n${tail(stdout)}\nstderr:\n${tail(stderr)}`));
          return;
        }
        const lines = stdout.trim().split('\n');
        try {
          resolve({ result: JSON.parse(lines[lines.length - 1] ?? '') as T, stdout, stderr });
        } catch {
          reject(new Error(`${script} printed no JSON result\nstdout:\n${tail(stdout)}\nstderr:\n${tail(stderr)}`));
        }
      },
    );
  });
}

/** The end of a child's output: the wasm runtime prints its whole minified source with an uncaught error. */
function tail(text: string): string {
  return text.length > 4000 ? `...${text.slice(-4000)}` : text;
}
