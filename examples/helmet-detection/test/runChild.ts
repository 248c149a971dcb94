// Runs a TypeScript script in a child `node --import tsx` process. tfjs, onnxruntime and sharp check
// typed arrays with `instanceof`, which jest's vm realm breaks, so the tests that load them do their
// work in a child like this and assert on what it prints (the last stdout line, as JSON, for `runJson`).
import { execFile } from 'node:child_process';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The example's folder: scripts run from here, as the job's pods do (`workingDir`). */
export const EXAMPLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface ChildOutput {
  stdout: string;
  stderr: string;
}

/**
 * Runs `script` (relative to the example folder) with `args` and extra `env`; rejects with its output
 * when it exits non-zero or runs longer than `timeoutMs` (default 170 s).
 */
export function runScript(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, timeoutMs = 170_000): Promise<ChildOutput> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  // jest's --experimental-vm-modules is for jest itself, not for the child.
  delete childEnv.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', resolvePath(EXAMPLE_DIR, script), ...args],
      { cwd: EXAMPLE_DIR, env: childEnv, maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${script} failed (${error.message.slice(0, 300)})\nstdout:\n${tail(stdout)}\nstderr:\n${tail(stderr)}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}

/** Runs `script` and parses the last line of its stdout as JSON. */
export async function runJson<T>(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, timeoutMs?: number): Promise<T> {
  const { stdout, stderr } = await runScript(script, args, env, timeoutMs);
  const lines = stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1] ?? '') as T;
  } catch {
    throw new Error(`${script} printed no JSON result\nstdout:\n${tail(stdout)}\nstderr:\n${tail(stderr)}`);
  }
}

/** The end of a child's output: the wasm runtime prints its whole minified source with an uncaught error. */
function tail(text: string): string {
  return text.length > 4000 ? `...${text.slice(-4000)}` : text;
}
