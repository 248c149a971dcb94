/**
 * `sedna up`'s heavy parts (the embedded API server, the node agent, the GM, the LC, the knowledge base
 * and the dashboard, with LMDB, the S3 client and the rest) are the package @sedna-ts/up, which the CLI
 * loads only when `sedna up` runs, so every other verb installs without native parts. This file is the
 * contract between the two: what the CLI calls (written here, the host's side, so that the CLI never
 * imports the package's types) and how it finds the package, with the error naming it when it is missing.
 */
import type { KubeClient } from './client.js';
import { CliError } from './errors.js';
import type { CliIo } from './io.js';
import type { SednaEndpoint } from './up/upState.js';

/** The package `sedna up` loads. */
export const UP_PACKAGE = '@sedna-ts/up';

/** How a user installs it, beside a global @sedna-ts/cli (in a project: `npm install @sedna-ts/up`). */
export const UP_INSTALL_COMMAND = `npm install -g ${UP_PACKAGE}`;

/** Options of `startSedna`. */
export interface StartSednaOptions {
  /** The data folder (created with mode 0700 when missing, tightened to 0700 when looser). */
  dataDir: string;
  /** The node this machine is (default `edge-node`). */
  node?: string;
  /**
   * Folders the LC may read dataset indexes from and write round files into (absent: anything this
   * user can read). The data folder is always refused: it holds the GM's secret and the tokens.
   */
  dataRoots?: readonly string[];
  /** Ports of the API server, the GM's WebSocket and the LC's worker API (0 or absent: ephemeral). */
  apiPort?: number;
  gmPort?: number;
  lcPort?: number;
  /** Port of the knowledge base (absent: 9020 when free, else any free port; 0: any free port). */
  kbPort?: number;
  /** Port of the dashboard (0 or absent: ephemeral). */
  dashboardPort?: number;
  /** Where the short lines about warnings go (stdout), and the environment. */
  io: CliIo;
  /** Called as each part becomes ready, e.g. `API server https://127.0.0.1:40123`. */
  onProgress?: (step: string) => void;
}

/** A running `sedna up`. */
export interface RunningSedna {
  dataDir: string;
  node: string;
  kubeconfigPath: string;
  endpointPath: string;
  endpoint: SednaEndpoint;
  /** A client of the API server (closed by stop). */
  client: KubeClient;
  /** The parts' log files (`<dir>/<part>.log`). */
  logs: { readonly dir: string };
  /** A link that signs the browser into the dashboard once, as the kubeconfig's user. */
  dashboardSignInLink(): string;
  /** Drains and stops everything; never rejects (failures are logged). */
  stop(): Promise<void>;
}

/** What the CLI uses of @sedna-ts/up. */
export interface SednaUpPackage {
  /** Starts every part on `options.dataDir`; resolves once all are ready and the kubeconfig and endpoint files are written. */
  startSedna(options: StartSednaOptions): Promise<RunningSedna>;
}

/** Whether `error` says that `specifier` itself (not one of its own dependencies) cannot be found. */
function isMissing(error: unknown, specifier: string): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  // Node names the package it could not find: `Cannot find package '@sedna-ts/up' imported from ...`.
  return typeof message === 'string' && (message.includes(`'${specifier}'`) || message.includes(`"${specifier}"`));
}

/**
 * Loads @sedna-ts/up (`load` imports a specifier; the tests give their own).
 *
 * @throws CliError INVALID_INPUT naming the package and the command that installs it when it is not
 *   installed; a package that is there but fails to load (one of its own dependencies missing) is
 *   reported with its own error.
 */
export async function loadSednaUp(load: (specifier: string) => Promise<unknown> = (s) => import(s)): Promise<SednaUpPackage> {
  let loaded: unknown;
  try {
    loaded = await load(UP_PACKAGE);
  } catch (error) {
    if (isMissing(error, UP_PACKAGE)) {
      throw new CliError('INVALID_INPUT', `sedna up needs the package ${UP_PACKAGE}, which is not installed: ${UP_INSTALL_COMMAND} (or \`npm install ${UP_PACKAGE}\` in the project of @sedna-ts/cli)`, { cause: error });
    }
    throw new CliError('INVALID_INPUT', `${UP_PACKAGE} is installed but could not be loaded: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const up = loaded as Partial<SednaUpPackage>;
  if (typeof up.startSedna !== 'function') throw new CliError('INVALID_INPUT', `${UP_PACKAGE} has no startSedna: it is not the package this @sedna-ts/cli works with (reinstall both at the same version)`);
  return up as SednaUpPackage;
}

/**
 * Whether @sedna-ts/up is installed where this CLI can load it (`load` imports a specifier; the tests give
 * their own). A package that is there but fails to load counts as installed: `sedna up` says why.
 */
export async function upInstalled(load: (specifier: string) => Promise<unknown> = (s) => import(s)): Promise<boolean> {
  try {
    await load(UP_PACKAGE);
    return true;
  } catch (error) {
    return !isMissing(error, UP_PACKAGE);
  }
}
