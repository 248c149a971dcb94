/**
 * The state of a `sedna up` as its data folder shows it, for `up -d`, `status` and `down` (light: no
 * part of Sedna is loaded): the lock's pid, `endpoint.json` once it is ready, and the executable to
 * start it detached.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { upRunning } from '../server.js';

export { looksLikeSednaUp } from '../server.js';

/** Files `sedna up` writes in its data folder. */
export const DATA_DIR_FILES = {
  kubeconfig: 'kubeconfig',
  endpoint: 'endpoint.json',
  gmSecret: 'gm-secret',
  lcDir: 'lc',
  kbDir: 'kb',
} as const;

/** The folder of the log files in the data folder. */
export const LOGS_DIR = 'logs';

/** What `<dir>/endpoint.json` holds: how to reach each part of a running `sedna up`. */
export interface SednaEndpoint {
  /** The API server's URL (its CA and token are in `<dir>/kubeconfig`). */
  apiServer: string;
  /** The API server's bearer token. */
  apiToken: string;
  /** The GM's WebSocket URL, where Local Controllers connect. */
  gmWebSocket: string;
  /** The token of this node's LC at the GM (hex HMAC-SHA256 of the GM secret and the node name). */
  gmToken: string;
  /** The LC's worker API (the workers' LC_SERVER). */
  lcServer: string;
  /** The lifelong-learning knowledge base (the workers' KB_SERVER; routes under /knowledgebase). */
  knowledgeBase: string;
  /** The web dashboard (sign in with a Kubernetes bearer token, or the one-time link `sedna up` prints). */
  dashboard: string;
  /** The process running `sedna up`. */
  pid: number;
  /** Version of @sedna-ts/cli. */
  version: string;
}

/** Where `sedna up -d` writes the output the foreground `sedna up` prints (in `<dir>/logs`). */
export const DETACHED_LOG = 'up.log';

/** What the data folder says of a `sedna up`. */
export interface UpState {
  /** The pid of the `sedna up` running there (its lock), if one runs. */
  pid: number | undefined;
  /** `endpoint.json`, when it is there and names the running process (it is ready). */
  endpoint: SednaEndpoint | undefined;
  /** `endpoint.json` left by a process that is gone (killed without draining), if any. */
  stale: SednaEndpoint | undefined;
}

function readEndpoint(dir: string): SednaEndpoint | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, DATA_DIR_FILES.endpoint), 'utf8')) as SednaEndpoint;
  } catch {
    return undefined;
  }
}

/** Reads the state of the `sedna up` of `dir`. */
export function upState(dir: string): UpState {
  const pid = upRunning(dir);
  const endpoint = readEndpoint(dir);
  const ready = pid !== undefined && endpoint?.pid === pid;
  return { pid, endpoint: ready ? endpoint : undefined, stale: !ready && endpoint && endpoint.pid !== pid ? endpoint : undefined };
}

/** The built `sedna` executable (dist/bin.js, or bin.cjs in the CommonJS build), to start `sedna up` detached. */
export function sednaExecutable(): string {
  const here = fileURLToPath(import.meta.url);
  const beside = path.join(path.dirname(here), here.endsWith('.cjs') ? 'bin.cjs' : 'bin.js');
  if (fs.existsSync(beside)) return beside;
  // Running from the sources (the package's tests): the built executable of this package.
  return path.resolve(path.dirname(here), '../../dist/bin.js');
}
