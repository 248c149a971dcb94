/**
 * What the demos (`demo.ts`, incremental learning; `demo-lifelong.ts`) share to drive `sedna up`: the
 * CLI, `sedna up` as a child process, waiting on a condition, and mAP@0.5 of a model on a test set.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { TxtDataParse } from '@sedna-ts/worker-sdk';
import { HelmetError } from './errors.js';
import { HelmetDetector } from './onnxDetector.js';

/** Resolves after `ms` milliseconds. */
/** A job condition as the demos read it from `sedna get -o json`. */
export interface Condition {
  type: string;
  stage: string;
  round?: number;
  reason?: string;
  message?: string;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it gives a value. A `DEMO_FAILED` error ends the wait at once; any other error
 * (a CLI call that failed once, a stats file being replaced) is retried, and named if time runs out.
 */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: Error | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if (error instanceof HelmetError && error.code === 'DEMO_FAILED') throw error;
      lastError = error as Error;
    }
    if (Date.now() > deadline) {
      throw new HelmetError('DEMO_FAILED', `demo: gave up waiting for ${what} after ${Math.round(timeoutMs / 1000)} s${lastError ? ` (last error: ${lastError.message})` : ''}`);
    }
    await sleep(500);
  }
}

/** The `sedna` command's script, from the installed @sedna-ts/cli. */
export async function sednaBin(): Promise<string> {
  const cliPackage = createRequire(import.meta.url).resolve('@sedna-ts/cli/package.json');
  return join(dirname(cliPackage), (JSON.parse(await readFile(cliPackage, 'utf8')) as { bin: { sedna: string } }).bin.sedna);
}

/** Runs `sedna <args> --data-dir <dataDir>`; resolves to its stdout, rejects with its output when it fails. */
export function runCli(cliBin: string, args: string[], dataDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin, ...args, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new HelmetError('COMMAND_FAILED', `demo: sedna ${args.join(' ')} exited ${code}: ${err.trim() || out.trim()}`))));
  });
}

/** `sedna up` running as a child process, its output in a log file. */
export interface SednaUpProcess {
  /** Waits for `endpoint.json` (the API is up); fails at once if `sedna up` exits. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after 30 s. */
  stop(): Promise<void>;
  /** Leaves `sedna up` running until this process gets SIGINT (Ctrl-C) or SIGTERM, then stops it. */
  keepUntilStopped(): Promise<void>;
  log: string;
}

/** The dashboard of a running `sedna up`: its URL (endpoint.json) and the one-time sign-in link it printed. */
export async function dashboardOf(dataDir: string, log: string): Promise<{ url: string; signIn?: string }> {
  const endpoint = JSON.parse(await readFile(join(dataDir, 'endpoint.json'), 'utf8')) as { dashboard?: string };
  if (!endpoint.dashboard) throw new HelmetError('DEMO_FAILED', `demo: ${join(dataDir, 'endpoint.json')} names no dashboard`);
  // The banner follows endpoint.json by a moment.
  const text = await waitFor('sedna up to print its sign-in link', 10_000, async () => {
    const t = await readFile(log, 'utf8').catch(() => '');
    return /sign in once\s+\S+/.test(t) ? t : undefined;
  }).catch(() => '');
  const signIn = /sign in once\s+(\S+)/.exec(text)?.[1];
  return { url: endpoint.dashboard, ...(signIn ? { signIn } : {}) };
}

/**
 * Whether the demo leaves `sedna up` running at its end: `--keep` or `--no-keep` when given, else when
 * stdout is a terminal (a person watching; CI, pipes and scripts get the demo's exit as before).
 */
export function keepAtEnd(argv: readonly string[], stdoutIsTty: boolean): boolean {
  const flag = [...argv].reverse().find((a) => a === '--keep' || a === '--no-keep');
  return flag ? flag === '--keep' : stdoutIsTty;
}

/** Starts `sedna up --data-dir <dataDir>`, logging to `log`; stopped on SIGINT and SIGTERM of this process. */
export function startSednaUp(cliBin: string, dataDir: string, log: string): SednaUpProcess {
  const out = createWriteStream(log);
  const up: ChildProcess = spawn(process.execPath, [cliBin, 'up', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  up.stdout?.pipe(out);
  up.stderr?.pipe(out);
  let exited: number | null | undefined;
  up.on('exit', (code) => (exited = code));
  const stop = async (): Promise<void> => {
    if (exited !== undefined) return;
    up.kill('SIGTERM');
    const deadline = Date.now() + 30_000;
    while (exited === undefined && Date.now() < deadline) await sleep(200);
    if (exited === undefined) up.kill('SIGKILL');
  };
  const onSignal = () => void stop().then(() => process.exit(130));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, onSignal);
  return {
    log,
    stop,
    keepUntilStopped: async () => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, onSignal);
      await new Promise<void>((resolve) => {
        const done = () => resolve();
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
        // sedna up ending on its own ends the wait too.
        up.once('exit', done);
        if (exited !== undefined) resolve();
      });
      await stop();
    },
    ready: async (timeoutMs = 120_000) => {
      await waitFor('sedna up to be ready', timeoutMs, async () => {
        if (exited !== undefined) throw new HelmetError('DEMO_FAILED', `demo: sedna up exited ${exited}; see ${log}`);
        return (await stat(join(dataDir, 'endpoint.json')).catch(() => undefined)) ? true : undefined;
      });
    },
  };
}

/** mAP@0.5 of a model (ONNX file, or a folder holding model.onnx) on a labelled test index, on onnxruntime. */
export async function mapOf(model: string, testIndex: string): Promise<number> {
  const data = new TxtDataParse('test');
  await data.parse(testIndex, { useRaw: true });
  const detector = new HelmetDetector();
  try {
    return Number((await detector.evaluate(data, { modelPath: model })).map50);
  } finally {
    await detector.dispose();
  }
}
