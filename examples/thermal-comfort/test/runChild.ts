// Runs a TypeScript script in a child `node --import tsx` process. tfjs checks typed arrays with
// `instanceof`, which jest's vm realm breaks, so the tests that load it run the worker scripts (and the
// comparison script) in children like this and assert on what they print and write.
import { execFile } from 'node:child_process';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The example's folder: scripts run from here, as the job's workers do (`workingDir`). */
export const EXAMPLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs `script` (relative to the example folder) with `args` and extra `env`; resolves to the last stdout line parsed as JSON. */
export function runJson<T>(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<T> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  // jest's --experimental-vm-modules is for jest itself, not for the child.
  delete childEnv.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', resolvePath(EXAMPLE_DIR, script), ...args],
      { cwd: EXAMPLE_DIR, env: childEnv, maxBuffer: 64 * 1024 * 1024, timeout: 170_000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`${script} failed (${error.message.slice(0, 300)})\nstdout:\n${tail(stdout)}\nstderr:\n${tail(stderr)}`));
          return;
        }
        const lines = stdout.trim().split('\n');
        try {
          resolve(JSON.parse(lines[lines.length - 1] ?? '') as T);
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
