/**
 * Which API server a command talks to: `--kubeconfig FILE` > `--data-dir DIR` > `$SEDNA_HOME` >
 * `~/.sedna` (the kubeconfig `sedna up` writes there). KUBECONFIG is never read implicitly, so a
 * forgotten environment variable cannot point `sedna delete` at a production cluster.
 */
import os from 'node:os';
import path from 'node:path';
import { CliError } from './errors.js';
import type { CliIo } from './io.js';

/** The global options that pick the server (and, for `sedna up`, the data folder). */
export interface ServerOptions {
  /** A kubeconfig file (its current context), for a real cluster or any server. */
  kubeconfig?: string;
  /** The data folder of a `sedna up`: its `kubeconfig` file is used. */
  dataDir?: string;
  /** How long to wait for the server's answer: `30s`, `1m`, `500ms` or seconds (default 30 s). */
  requestTimeout?: string;
}

/**
 * `--request-timeout` in milliseconds: a number of seconds, or a number with `ms`, `s`, `m` or `h`.
 *
 * @throws CliError USAGE for anything else.
 */
export function parseDuration(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const n = m ? Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'] : NaN;
  if (!(n > 0)) throw new CliError('USAGE', `${flag} ${JSON.stringify(value)}: expected a duration such as 30s, 1m or 500ms`);
  return n;
}

/** Where the data folder came from, so messages can say how to start the server there. */
export type DataDirOrigin = 'flag' | 'SEDNA_HOME' | 'home';

/** A data folder of `sedna up` and where its name came from. */
export interface DataDir {
  dir: string;
  origin: DataDirOrigin;
}

/** The kubeconfig a command uses, and how the user named it. */
export interface ServerTarget {
  kubeconfigPath: string;
  /** Set when the kubeconfig is the one of a `sedna up` data folder. */
  dataDir?: DataDir;
}

/** The data folder of `sedna up`: `--data-dir DIR`, else `$SEDNA_HOME`, else `~/.sedna`. */
export function resolveDataDir(options: ServerOptions, io: CliIo): DataDir {
  if (options.dataDir !== undefined && options.dataDir !== '') return { dir: path.resolve(io.cwd, options.dataDir), origin: 'flag' };
  const home = io.env.SEDNA_HOME;
  if (home !== undefined && home !== '') return { dir: path.resolve(io.cwd, home), origin: 'SEDNA_HOME' };
  return { dir: path.join(io.env.HOME ?? os.homedir(), '.sedna'), origin: 'home' };
}

/** The kubeconfig to use: `--kubeconfig FILE`, else the data folder's `kubeconfig`. */
export function resolveServer(options: ServerOptions, io: CliIo): ServerTarget {
  if (options.kubeconfig !== undefined && options.kubeconfig !== '') return { kubeconfigPath: path.resolve(io.cwd, options.kubeconfig) };
  const dataDir = resolveDataDir(options, io);
  return { kubeconfigPath: path.join(dataDir.dir, 'kubeconfig'), dataDir };
}

/** The command that starts the server `target` names, for messages: `sedna up --data-dir /x`. */
export function startCommand(dataDir: DataDir): string {
  return dataDir.origin === 'flag' ? `sedna up --data-dir ${dataDir.dir}` : dataDir.origin === 'SEDNA_HOME' ? `sedna up (SEDNA_HOME=${dataDir.dir})` : 'sedna up';
}

/** How to get the server of `target` running, for the unreachable message. */
export function startHint(target: ServerTarget): string {
  if (target.dataDir) return `start it with \`${startCommand(target.dataDir)}\``;
  return `check that the cluster in ${target.kubeconfigPath} is running and reachable`;
}

/** The node `sedna up` runs when `--node` is not given: the name the project's examples use. */
export const DEFAULT_NODE_NAME = 'edge-node';
