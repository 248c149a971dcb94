// The `sedna` command as a user runs it: the built executable of @sedna-ts/cli in child processes.
// `sedna up` runs in the foreground on a data folder of the test's own, every port ephemeral.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The `sedna` executable (the launcher npm links as `sedna`). */
export const SEDNA_BIN = join(dirname(require.resolve('@sedna-ts/cli/package.json')), 'bin', 'sedna.js');

/** What a finished `sedna` command printed, and its exit code. */
export interface SednaResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of every `sedna` process: HOME and SEDNA_HOME cleared, so only `--data-dir` names the server. */
function sednaEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, SEDNA_HOME: '', ...extra };
}

/** Runs `sedna ARGS --data-dir DIR` to its end (stdin from `options.stdin`). */
export function sedna(dataDir: string, args: readonly string[], options: { stdin?: string } = {}): Promise<SednaResult> {
  const child = spawn(process.execPath, [SEDNA_BIN, ...args, '--data-dir', dataDir], { env: sednaEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `sedna ARGS` and returns its stdout; a non-zero exit throws with what it printed. */
export async function sednaOk(dataDir: string, args: readonly string[], options: { stdin?: string } = {}): Promise<string> {
  const result = await sedna(dataDir, args, options);
  if (result.code !== 0) throw new Error(`sedna ${args.join(' ')} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** `sedna get KIND [NAME] -o json` parsed. */
export async function getJson<T = Record<string, unknown>>(dataDir: string, args: readonly string[]): Promise<T> {
  return JSON.parse(await sednaOk(dataDir, ['get', ...args, '-o', 'json'])) as T;
}

/** A `sedna up` running in a child process. */
export class SednaUp {
  readonly process: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private out = '';
  private err = '';

  private constructor(
    readonly dataDir: string,
    env: Record<string, string>,
    nodeArgs: readonly string[],
  ) {
    this.process = spawn(process.execPath, [...nodeArgs, SEDNA_BIN, 'up', '--data-dir', dataDir], { env: sednaEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    this.process.stdout!.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    this.process.stderr!.setEncoding('utf8').on('data', (d: string) => (this.err += d));
    this.exited = new Promise((resolve) => this.process.on('exit', (code, signal) => resolve({ code, signal })));
  }

  /**
   * Starts `sedna up --data-dir DIR` with `env` added to this process's environment (and `nodeArgs`
   * given to node, e.g. `--cpu-prof`) and resolves once it says it is up.
   */
  static async start(dataDir: string, env: Record<string, string> = {}, options: { nodeArgs?: readonly string[]; timeoutMs?: number } = {}): Promise<SednaUp> {
    const timeoutMs = options.timeoutMs ?? 90_000;
    const up = new SednaUp(dataDir, env, options.nodeArgs ?? []);
    const deadline = Date.now() + timeoutMs;
    while (!up.out.includes(' is up (pid ')) {
      if (up.process.exitCode !== null || up.process.signalCode !== null) throw new Error(`sedna up exited (${up.process.exitCode ?? up.process.signalCode}):\n${up.err}${up.out}`);
      if (Date.now() > deadline) {
        up.process.kill('SIGKILL');
        throw new Error(`sedna up was not up within ${timeoutMs / 1000}s:\n${up.err}${up.out}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return up;
  }

  get pid(): number {
    return this.process.pid as number;
  }

  /** What it printed so far (stdout, then stderr). */
  output(): string {
    return `${this.out}${this.err ? `\n--- stderr ---\n${this.err}` : ''}`;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** SIGTERM (it drains), then its exit. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.process.kill('SIGTERM');
    return this.exited;
  }

  /** SIGKILL: no draining; its worker processes stay behind, as after a crash. */
  async kill(): Promise<void> {
    if (this.running) this.process.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * Kills every process the node agent of `dataDir` started (they carry `SEDNA_NODE_AGENT_TAG` naming
 * the agent's state folder under `dataDir`): the clean-up after a test that SIGKILLed `sedna up`.
 * Returns the pids killed.
 */
export function killNodeAgentProcesses(dataDir: string): number[] {
  const tag = `SEDNA_NODE_AGENT_TAG=${join(dataDir, 'agent')}`;
  const killed: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (!environ.split('\0').some((v) => v.startsWith(tag))) continue;
      process.kill(Number(entry), 'SIGKILL');
      killed.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return killed;
}

/** Whether process `pid` is alive (and not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    readlinkSync(`/proc/${pid}/exe`);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
