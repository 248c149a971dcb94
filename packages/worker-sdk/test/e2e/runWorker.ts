// Runs a worker script as the node agent runs a pod's command: a child process with only the env the GM
// gives the pod (plus PATH, HOME and TMPDIR), through tsx since the scripts are TypeScript. tfjs and
// onnxruntime cannot run in jest's vm realm, which is one more reason every worker is a real process.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface WorkerRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The last stdout line that parses as JSON, if any. */
  last: unknown;
}

/** What a failed run printed, for the assertion message. */
export function describeRun(script: string, run: WorkerRun): string {
  const tail = (text: string) => (text.length > 3000 ? `...${text.slice(-3000)}` : text);
  return `${script} exited with ${run.code ?? run.signal}\nstdout:\n${tail(run.stdout)}\nstderr:\n${tail(run.stderr)}`;
}

/**
 * Runs `script` (relative to the package folder) with `env`, calling `onLine` for every stdout line as
 * it comes. Resolves when the process exits (whatever its code); kills it after `timeoutMs`, a safety
 * net for a hung worker rather than a timing assertion.
 */
export function runWorker(
  script: string,
  env: Record<string, string>,
  options: { args?: string[]; onLine?: (line: string) => void; timeoutMs?: number } = {},
): Promise<WorkerRun> {
  const base: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR']) if (process.env[key] !== undefined) base[key] = process.env[key] as string;
  const child = spawn(process.execPath, ['--import', 'tsx', join(PACKAGE_DIR, script), ...(options.args ?? [])], { cwd: PACKAGE_DIR, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) options.onLine?.(line);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let last: unknown;
      for (const line of stdout.trim().split('\n').reverse()) {
        try {
          last = JSON.parse(line);
          break;
        } catch {
          // not the summary line
        }
      }
      resolve({ code, signal, stdout, stderr, last });
    });
  });
}
