/**
 * Everything `sedna up` runs on one machine, in order: the embedded API server (in a worker thread, so
 * its requests, commits and watch fan-out have an event loop of their own), the Sedna CRDs
 * registered through the API, the lifelong-learning knowledge base (its URL goes to the GM, which gives
 * it to lifelong workers as KB_SERVER), the Global Manager, the node's Local Controller (with the token
 * the GM derives for the node) and the node agent that runs the worker pods as processes (in a worker thread,
 * so its forks and fsyncs leave the main thread's event loop alone). Once every part is
 * ready, `<dir>/kubeconfig` and `<dir>/endpoint.json` are written (atomically, mode 0600). The data
 * folder is 0700 and its secrets 0600, tightened at every start if found looser. `stop()`
 * drains in the reverse order: workers stopped, the LC's outbox flushed to the GM, the GM stopped,
 * the store closed.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KB_DEFAULT_PORT } from '@sedna-ts/api-types/contract';
import type { Logger } from 'pino';
import type { GlobalManager } from '@sedna-ts/controller';
import type { RunningKnowledgeBase } from '@sedna-ts/knowledge-base';
import { ensurePrivateDirSync, logPrivateFileChanges, tightenPrivateFilesSync, writeFileAtomic, type PrivateFileChange } from '@sedna-ts/internal';
import type { LocalController } from '@sedna-ts/local-controller';
import type { RunningDashboard } from '@sedna-ts/dashboard';
import { CliError, DATA_DIR_FILES, DEFAULT_NODE_NAME, KubeClient, LOGS_DIR, registerCrds, VERSION, type RunningSedna as CliRunningSedna, type SednaEndpoint, type StartSednaOptions } from '@sedna-ts/cli';
import { startApiServerThread, type ApiServerThread } from './apiServerHost.js';
import { startNodeAgentThread, type NodeAgentThread } from './nodeAgentHost.js';
import { takeLock } from './upLock.js';
import { upLcConfig } from './lcConfig.js';
import { createUpLogs, type UpLogs } from './upLogs.js';

/** A running `sedna up`: what the CLI uses of it, and its loggers. */
export interface RunningSedna extends CliRunningSedna {
  logs: UpLogs;
}

/** The GM's secret (node tokens derive from it), kept in the data folder so tokens survive restarts. */
async function gmSecret(dir: string): Promise<string> {
  const file = path.join(dir, DATA_DIR_FILES.gmSecret);
  try {
    const secret = fs.readFileSync(file, 'utf8').trim();
    if (secret.length >= 16) return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new CliError('INVALID_INPUT', `${file}: ${(error as Error).message}`, { cause: error });
  }
  const secret = randomBytes(32).toString('hex');
  await writeFileAtomic(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * The commands of our own images, for containers without `command` whose script has no extension the
 * node agent knows: the storage initializer's image, when that package is installed.
 */
async function imageCommands(): Promise<Record<string, string[]>> {
  // Loaded by name at run time: the storage initializer is optional for `sedna up`.
  const specifier = '@sedna-ts/storage-initializer/contract';
  try {
    const contract = (await import(specifier)) as { STORAGE_INITIALIZER_IMAGE?: string; storageInitializerCommand?: () => string[] };
    if (contract.STORAGE_INITIALIZER_IMAGE && contract.storageInitializerCommand) return { [contract.STORAGE_INITIALIZER_IMAGE]: contract.storageInitializerCommand() };
  } catch {
    // Not installed: pods that need it fail with the node agent's message naming the image.
  }
  return {};
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Makes the data folder 0700 (creating it) and tightens what `sedna up` itself keeps there: the GM
 * secret, the kubeconfig and endpoint.json (the API token), the logs. The API server, the LC and the
 * node agent do the same for their own parts. Returns the changes, for the log that does not exist yet.
 */
function makePrivate(dataDir: string): PrivateFileChange[] {
  try {
    return [
      ...ensurePrivateDirSync(dataDir),
      ...tightenPrivateFilesSync([DATA_DIR_FILES.gmSecret, DATA_DIR_FILES.kubeconfig, DATA_DIR_FILES.endpoint].map((name) => path.join(dataDir, name))),
      ...tightenPrivateFilesSync(path.join(dataDir, LOGS_DIR), { recursive: true }),
    ];
  } catch (error) {
    throw new CliError('INVALID_INPUT', describe(error), { cause: error });
  }
}

/** The parts started so far, stopped in reverse order; a part that fails to start stops the others. */
class PartStack {
  private readonly parts: Array<{ name: string; stop: () => Promise<void> }> = [];

  constructor(
    private readonly log: Logger,
    private readonly logs: UpLogs,
    private readonly release: () => void,
  ) {}

  push(name: string, stop: () => Promise<void>): void {
    this.parts.push({ name, stop });
  }

  async stopAll(): Promise<void> {
    for (const { name, stop } of this.parts.reverse()) {
      try {
        await stop();
        this.log.info({ part: name }, 'stopped');
      } catch (error) {
        this.log.error({ part: name, err: describe(error) }, 'did not stop cleanly');
      }
    }
    this.parts.length = 0;
  }

  /** Stops what started and throws why `part` did not start. */
  async fail(part: string, error: unknown): Promise<never> {
    await this.stopAll();
    this.logs.flush();
    this.release();
    if (error instanceof CliError) throw error;
    throw new CliError('INVALID_INPUT', `${part} did not start: ${describe(error)} (see ${this.logs.dir})`, { cause: error });
  }

  /** Starts `part` with `start`, pushing its stop; a failure stops everything and throws. */
  async start<T>(part: string, name: string, start: () => Promise<T>, stopOf: (value: T) => () => Promise<void>): Promise<T> {
    let value: T;
    try {
      value = await start();
    } catch (error) {
      return this.fail(part, error);
    }
    this.push(name, stopOf(value));
    return value;
  }
}

/** What the parts of one `sedna up` share while they start. */
interface UpContext {
  options: StartSednaOptions;
  dataDir: string;
  node: string;
  logs: UpLogs;
  log: Logger;
  parts: PartStack;
  progress: (step: string) => void;
}

/** The API server, in a thread of its own: its requests, commits and watch fan-out would hold up the GM and the LC. */
async function startServer(u: UpContext): Promise<ApiServerThread> {
  const server = await u.parts.start(
    'the API server',
    'api-server',
    async () => {
      try {
        return await startApiServerThread({ dataDir: u.dataDir, port: u.options.apiPort ?? 0 }, u.logs.logger('api-server'));
      } catch (error) {
        // A standalone API server (server-main) on the same folder.
        const holder = /already served by process (\d+)/.exec(describe(error));
        throw holder ? new CliError('USAGE', `already running (pid ${holder[1]}) on ${u.dataDir}`, { cause: error }) : error;
      }
    },
    (s) => () => s.close(),
  );
  void server.ended.then(({ code, error }) => {
    // As when the server shared the main thread: a crash of it ends `sedna up`, which a restart resumes.
    u.log.fatal({ code, err: error }, 'the API server thread ended on its own');
    u.logs.flush();
    process.exit(1);
  });
  u.progress(`API server ${server.url}`);
  return server;
}

/**
 * The lifelong-learning knowledge base, in this thread (its work is small: JSON indexes and streamed
 * files), on 127.0.0.1: port 9020 (the original's) when free, else any free port. It checks worker
 * tokens with the GM secret, as the LC of the node would.
 */
async function startKb(u: UpContext, secret: string): Promise<RunningKnowledgeBase> {
  const { startKnowledgeBase } = await import('@sedna-ts/knowledge-base');
  const start = (port: number) => startKnowledgeBase({ dataDir: path.join(u.dataDir, DATA_DIR_FILES.kbDir), secret, host: '127.0.0.1', port, logger: u.logs.logger('kb') });
  const kb = await u.parts.start(
    'the knowledge base',
    'kb',
    async () => {
      if (u.options.kbPort !== undefined) return start(u.options.kbPort);
      try {
        return await start(KB_DEFAULT_PORT);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        u.log.info({ port: KB_DEFAULT_PORT }, 'port 9020 is in use: the knowledge base takes any free port');
        return start(0);
      }
    },
    (k) => () => k.close(),
  );
  u.progress(`knowledge base ${kb.url}`);
  return kb;
}

/** The Global Manager: its Lease says which kinds it handles (read by `sedna apply` and `describe`). */
async function startGm(u: UpContext, kubeConfig: KubeConfig, secret: string, kb: RunningKnowledgeBase): Promise<GlobalManager> {
  const { startGlobalManager } = await import('@sedna-ts/controller');
  const gm = await u.parts.start(
    'the global manager',
    'gm',
    async () =>
      startGlobalManager({
        kubeConfig,
        secret,
        // Lifelong-learning workers get it as KB_SERVER.
        knowledgeBaseServer: kb.url,
        websocket: { address: '127.0.0.1', port: u.options.gmPort ?? 0 },
        // One GM per data folder already (the lock): a stable identity takes the Lease back at once after
        // a SIGKILL; renewed every 10 s, not every 2 s, as nobody else competes for it.
        leaderElection: { enabled: true, identity: `sedna-up-${u.node}`, leaseDurationSeconds: 60, renewDeadlineSeconds: 40, retryPeriodSeconds: 10 },
        logger: u.logs.logger('gm'),
      }),
    (g) => () => g.stop(),
  );
  u.progress(`global manager ${gm.wsUrl}`);
  return gm;
}

/** The node's Local Controller, with the token the GM derives for the node, configured as `upLcConfig` says. */
async function startLc(u: UpContext, gm: GlobalManager): Promise<LocalController> {
  const { startLocalController, settingsFromEnv } = await import('@sedna-ts/local-controller');
  const localImages = Object.keys(await imageCommands());
  const lc = await u.parts.start(
    'the local controller',
    'lc',
    () =>
      startLocalController(
        upLcConfig(settingsFromEnv(u.options.io.env), {
          node: u.node,
          gmUrl: gm.wsUrl,
          nodeToken: gm.nodeToken(u.node),
          dataDir: path.join(u.dataDir, DATA_DIR_FILES.lcDir),
          upDataDir: u.dataDir,
          ...(u.options.dataRoots ? { dataRoots: u.options.dataRoots.map((d) => path.resolve(d)) } : {}),
          ...(u.options.lcPort !== undefined ? { port: u.options.lcPort } : {}),
          localImages,
          env: u.options.io.env,
          logger: u.logs.logger('lc'),
        }),
      ),
    (l) => () => l.stop(),
  );
  if (!(await lc.waitForGm(30_000))) return u.parts.fail('the local controller', new Error(`it did not connect to the global manager at ${gm.wsUrl} within 30 s`));
  u.progress(`local controller ${lc.url} (node ${u.node})${lc.metricsUrl ? `, metrics ${lc.metricsUrl}/metrics` : ''}`);
  return lc;
}

/** The node agent, in a thread of its own: its forks and fsyncs would block the API server, the GM and the LC. */
async function startAgent(u: UpContext, server: ApiServerThread): Promise<NodeAgentThread> {
  const agent = await u.parts.start(
    'the node agent',
    'node-agent',
    async () => startNodeAgentThread({ kubeconfig: server.kubeconfig(), nodeName: u.node, dataDir: u.dataDir, imageCommands: await imageCommands() }, u.logs.logger('node-agent')),
    (a) => () => a.stop(),
  );
  u.progress(`node agent ${u.node}`);
  return agent;
}

/**
 * The web dashboard, in this thread, on 127.0.0.1: users' requests carry their own token (the
 * one-time link signs in with the kubeconfig's); hard examples and labels go through the GM.
 */
async function startDashboardPart(u: UpContext, kubeConfig: KubeConfig, gm: GlobalManager): Promise<RunningDashboard> {
  const { startDashboard } = await import('@sedna-ts/dashboard');
  const dashboard = await u.parts.start(
    'the dashboard',
    'dashboard',
    () => startDashboard({ kubeConfig, gmUrl: gm.wsUrl.replace(/^ws/, 'http'), host: '127.0.0.1', port: u.options.dashboardPort ?? 0, logger: u.logs.logger('dashboard') }),
    (d) => () => d.close(),
  );
  u.progress(`dashboard ${dashboard.url}`);
  return dashboard;
}

/**
 * Starts every part of `sedna up` on `options.dataDir` and resolves once all are ready and the
 * kubeconfig and endpoint files are written.
 *
 * @throws CliError USAGE `already running (pid N)` when another `sedna up` holds the folder;
 *   INVALID_INPUT when a part cannot start (a port in use, a bad node name), with what started so far stopped.
 * @example
 * const sedna = await startSedna({ dataDir: '/tmp/sedna', io: processIo() });
 * console.log(sedna.endpoint.apiServer);
 * await sedna.stop();
 */
export async function startSedna(options: StartSednaOptions): Promise<RunningSedna> {
  const dataDir = path.resolve(options.dataDir);
  const node = options.node ?? DEFAULT_NODE_NAME;
  const madePrivate = makePrivate(dataDir);
  const release = takeLock(dataDir);
  const logs = createUpLogs(dataDir, options.io);
  const log = logs.logger('sedna');
  logPrivateFileChanges(log, madePrivate);
  const parts = new PartStack(log, logs, release);
  const u: UpContext = { options, dataDir, node, logs, log, parts, progress: options.onProgress ?? (() => undefined) };

  const server = await startServer(u);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(server.kubeconfig());
  const kubeconfigPath = path.join(dataDir, DATA_DIR_FILES.kubeconfig);
  const client = new KubeClient(kubeConfig, { kubeconfigPath, dataDir: { dir: dataDir, origin: 'flag' } });
  parts.push('client', () => client.close());
  const crds = await registerCrds(client).catch((error: unknown) => parts.fail('registering the CRDs', error));
  u.progress(`CRDs ${crds.map((c) => `${c.name} ${c.outcome}`).join(', ')}`);
  const secret = await gmSecret(dataDir).catch((error: unknown) => parts.fail('reading the GM secret', error));
  const kb = await startKb(u, secret);
  const gm = await startGm(u, kubeConfig, secret, kb);
  const lc = await startLc(u, gm);
  await startAgent(u, server);
  const dashboard = await startDashboardPart(u, kubeConfig, gm);

  const endpoint: SednaEndpoint = {
    apiServer: server.url,
    apiToken: server.token,
    gmWebSocket: gm.wsUrl,
    gmToken: gm.nodeToken(node),
    lcServer: lc.url,
    knowledgeBase: kb.url,
    dashboard: dashboard.url,
    pid: process.pid,
    version: VERSION,
  };
  const endpointPath = path.join(dataDir, DATA_DIR_FILES.endpoint);
  try {
    await server.writeKubeconfig(kubeconfigPath);
    await writeFileAtomic(endpointPath, `${JSON.stringify(endpoint, null, 2)}\n`, { mode: 0o600 });
  } catch (error) {
    return parts.fail('writing the kubeconfig and endpoint files', error);
  }
  log.info({ endpoint: { ...endpoint, apiToken: '<redacted>', gmToken: '<redacted>' } }, 'ready');

  let stopping: Promise<void> | undefined;
  return {
    dataDir,
    node,
    kubeconfigPath,
    endpointPath,
    endpoint,
    client,
    logs,
    dashboardSignInLink: () => dashboard.signInLink(server.token),
    stop() {
      stopping ??= (async () => {
        // endpoint.json says a sedna up is running here: it goes first.
        await unlink(endpointPath).catch(() => undefined);
        await parts.stopAll();
        logs.flush();
        release();
      })();
      return stopping;
    },
  };
}
