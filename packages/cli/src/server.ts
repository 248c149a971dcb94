/**
 * Which API server a command talks to, in order: `--kubeconfig FILE`, `--data-dir DIR`, `$SEDNA_HOME`,
 * `$KUBECONFIG` (a list of files, as kubectl merges them), `~/.sedna` when a `sedna up` runs there, then
 * `~/.kube/config`; `--context` picks a context of whichever kubeconfig that is. Since a variable left
 * in a shell can point a verb at another cluster, the verbs that change or remove things (`delete`,
 * `trigger`, `rollback`) print the context and server they act on ({@link actingOn}).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processAlive } from '@sedna-ts/internal';
import { CliError } from './errors.js';
import type { CliIo } from './io.js';

/** The global options that pick the server (and, for `sedna up`, the data folder). */
export interface ServerOptions {
  /** A kubeconfig file (its current context), for a real cluster or any server. */
  kubeconfig?: string;
  /** The data folder of a `sedna up`: its `kubeconfig` file is used. */
  dataDir?: string;
  /** The context of the kubeconfig to use instead of its current context (as kubectl's `--context`). */
  context?: string;
  /** How long to wait for the server's answer: `30s`, `1m`, `500ms` or seconds (default 30 s). */
  requestTimeout?: string;
}

/** How long a request waits for the API server's answer without --request-timeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** The longest duration a flag takes: Node's timers hold at most 2^31-1 ms. */
export const MAX_DURATION_MS = 2 ** 31 - 1;
const MAX_DURATION_TEXT = '596h';

/**
 * `--request-timeout` in milliseconds: a number of seconds, or a number with `ms`, `s`, `m` or `h`.
 *
 * @throws CliError USAGE for anything else, and for more than {@link MAX_DURATION_MS}.
 */
export function parseDuration(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const n = m ? Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'] : NaN;
  if (!(n > 0)) throw new CliError('USAGE', `${flag} ${JSON.stringify(value)}: expected a duration such as 30s, 1m or 500ms`);
  // Node fires a longer timer at once (it overflows to 1 ms): refused rather than clamped, so nobody waits for less than asked.
  if (n > MAX_DURATION_MS) throw new CliError('USAGE', `${flag} ${JSON.stringify(value)}: at most ${MAX_DURATION_TEXT} (24.8 days, the longest timer Node keeps)`);
  return n;
}

/** Where the data folder came from, so messages can say how to start the server there. */
export type DataDirOrigin = 'flag' | 'SEDNA_HOME' | 'home';

/** A data folder of `sedna up` and where its name came from. */
export interface DataDir {
  dir: string;
  origin: DataDirOrigin;
}

/** Where the kubeconfig a command uses came from (the step of the order that chose it). */
export type ServerOrigin = '--kubeconfig' | '--data-dir' | 'SEDNA_HOME' | 'KUBECONFIG' | '~/.sedna' | '~/.kube/config';

/** The kubeconfig a command uses, and how the user named it. */
export interface ServerTarget {
  /** The kubeconfig file (with KUBECONFIG naming several, the first that exists). */
  kubeconfigPath: string;
  /** Every file of a KUBECONFIG list, merged as kubectl merges them (the first file wins a name). */
  kubeconfigPaths?: string[];
  /** `--context`: the context to use instead of the kubeconfig's current one. */
  context?: string;
  /** Set when the kubeconfig is the one of a `sedna up` data folder. */
  dataDir?: DataDir;
  /** Which step of the order chose it (undefined: a target made in code). */
  origin?: ServerOrigin;
}

/** The data folder of `sedna up`: `--data-dir DIR`, else `$SEDNA_HOME`, else `~/.sedna`. */
export function resolveDataDir(options: ServerOptions, io: CliIo): DataDir {
  if (options.dataDir !== undefined && options.dataDir !== '') return { dir: path.resolve(io.cwd, options.dataDir), origin: 'flag' };
  const home = io.env.SEDNA_HOME;
  if (home !== undefined && home !== '') return { dir: path.resolve(io.cwd, home), origin: 'SEDNA_HOME' };
  return { dir: path.join(io.env.HOME ?? os.homedir(), '.sedna'), origin: 'home' };
}

/** The lock file a running `sedna up` holds in its data folder (its pid). */
export const UP_LOCK_FILE = 'sedna.lock';

/**
 * The pid of the `sedna up` running on `dir`, or undefined when none runs there: its lock names a live
 * process that is a `sedna up` (after a power cut, a lock left behind may name a pid another program
 * took over; that one is no `sedna up`).
 */
export function upRunning(dir: string): number | undefined {
  const pid = lockedPid(dir);
  return pid !== undefined && processAlive(pid) && looksLikeSednaUp(pid) ? pid : undefined;
}

/** The pid `dir`'s `sedna up` lock names, alive or not; undefined without a lock. */
export function lockedPid(dir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dir, UP_LOCK_FILE), 'utf8').trim());
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Whether process `pid` runs `sedna up` (Linux: its command line has the word `up`), so a lock whose pid
 * another program took over is known as stale and `down` never signals that program. True where /proc
 * is not.
 */
export function looksLikeSednaUp(pid: number): boolean {
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return !fs.existsSync('/proc/self');
  }
  return cmdline.split('\0').includes('up');
}

/**
 * The kubeconfig to use, in order: `--kubeconfig FILE`; `--data-dir DIR`; `$SEDNA_HOME`; `$KUBECONFIG`
 * (files separated by `:`, those that do not exist skipped); `~/.sedna` when a `sedna up` runs there;
 * `~/.kube/config` when it exists; else `~/.sedna` (so the error says how to start a server there).
 */
export function resolveServer(options: ServerOptions, io: CliIo): ServerTarget {
  const context = options.context !== undefined && options.context !== '' ? { context: options.context } : {};
  if (options.kubeconfig !== undefined && options.kubeconfig !== '') return { kubeconfigPath: path.resolve(io.cwd, options.kubeconfig), origin: '--kubeconfig', ...context };
  const fromDir = (dataDir: DataDir, origin: ServerOrigin): ServerTarget => ({ kubeconfigPath: path.join(dataDir.dir, 'kubeconfig'), dataDir, origin, ...context });
  const explicit = (options.dataDir !== undefined && options.dataDir !== '') || (io.env.SEDNA_HOME !== undefined && io.env.SEDNA_HOME !== '');
  if (explicit) {
    const dataDir = resolveDataDir(options, io);
    return fromDir(dataDir, dataDir.origin === 'flag' ? '--data-dir' : 'SEDNA_HOME');
  }
  const list = (io.env.KUBECONFIG ?? '').split(path.delimiter).filter((p) => p !== '').map((p) => path.resolve(io.cwd, p));
  if (list.length > 0) {
    const existing = list.filter((p) => fs.existsSync(p));
    return { kubeconfigPath: existing[0] ?? list[0]!, kubeconfigPaths: existing.length > 0 ? existing : list, origin: 'KUBECONFIG', ...context };
  }
  const home = resolveDataDir(options, io);
  if (upRunning(home.dir) !== undefined) return fromDir(home, '~/.sedna');
  const kube = path.join(io.env.HOME ?? os.homedir(), '.kube', 'config');
  if (fs.existsSync(kube)) return { kubeconfigPath: kube, origin: '~/.kube/config', ...context };
  return fromDir(home, '~/.sedna');
}

/** The command that starts the server `target` names, for messages: `sedna up --data-dir /x`. */
export function startCommand(dataDir: DataDir): string {
  return dataDir.origin === 'flag' ? `sedna up --data-dir ${dataDir.dir}` : dataDir.origin === 'SEDNA_HOME' ? `SEDNA_HOME=${dataDir.dir} sedna up` : 'sedna up';
}

/**
 * The line `delete`, `trigger` and `rollback` print before they change anything: which context and
 * server, and why that one (`context "kind-prod" at https://10.0.0.1:6443 (from KUBECONFIG)`).
 */
export function actingOn(target: ServerTarget, context: string, server: string): string {
  return `context "${context}" at ${server}${target.origin ? ` (from ${target.origin})` : ''}`;
}

/** How to get the server of `target` running, for the unreachable message. */
export function startHint(target: ServerTarget): string {
  if (target.dataDir) return `start it with \`${startCommand(target.dataDir)}\``;
  return `check that the cluster in ${target.kubeconfigPath} is running and reachable`;
}

/** The node `sedna up` runs when `--node` is not given: the name the project's examples use. */
export const DEFAULT_NODE_NAME = 'edge-node';
