// The four parts of sedna-ts as separate processes on one machine, laid out as on a cluster: the API
// server (`sedna-apiserver`, the embedded one standing in for a cluster's), the Global Manager
// (`sedna-gm`), the node's Local Controller (`sedna-lc`, reaching the GM through a CutProxy) and the
// node agent (`sedna-node-agent`, standing in for the kubelet). Each can be SIGKILLed and started
// again on the same folders and ports; each writes its logs to `<dir>/logs/<part>.log`.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { nodeToken } from '@sedna-ts/api-types/tokens';
import { CutProxy } from './cutProxy.js';
import { killNodeAgentProcesses, sednaOk } from '../sedna.js';

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

/** The parts the fault suite kills. */
export const PART_NAMES = ['apiserver', 'gm', 'lc', 'agent'] as const;
export type PartName = (typeof PART_NAMES)[number];

/** How each part is started: its executable, as npm links it. */
const EXECUTABLES: Record<PartName, string> = {
  apiserver: join(packageDir('@sedna-ts/embedded'), 'bin', 'sedna-apiserver.js'),
  gm: join(packageDir('@sedna-ts/controller'), 'bin', 'sedna-gm.js'),
  lc: join(packageDir('@sedna-ts/local-controller'), 'dist', 'bin.js'),
  agent: join(packageDir('@sedna-ts/embedded'), 'bin', 'sedna-node-agent.js'),
};

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released for the part to take). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

/** Like eventually(), but gives up at once when `dead` says why the process will never get there. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, dead: () => string | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    const why = dead();
    if (why) throw new Error(`waiting for ${what}: ${why}`);
    if (Date.now() > deadline) throw new Error(`waiting for ${what}: not there after ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One part: a process started again and again on the same folders and ports. */
class Part {
  child: ChildProcess | undefined;
  exited: Promise<void> = Promise.resolve();
  /** Times it was SIGKILLed, and started. */
  kills = 0;
  starts = 0;
  /** How it ended when nobody stopped or killed it (a crash, or an exit of its own). */
  unexpectedExit: string | undefined;
  private ending = false;

  constructor(
    readonly name: PartName,
    private readonly args: readonly string[],
    private readonly env: Record<string, string>,
    private readonly logFile: string,
    /** Resolves once the part serves (given what it wrote since it started). */
    private readonly ready: (output: string) => Promise<boolean>,
    private readonly nodeArgs: readonly string[] = [],
  ) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(timeoutMs = 90_000): Promise<void> {
    const log = openSync(this.logFile, 'a');
    writeFileSync(log, `--- start ${this.starts + 1} of ${this.name} at ${new Date().toISOString()}\n`);
    const from = statSync(this.logFile).size;
    // Both streams straight into the file: what a part wrote before a SIGKILL is there.
    const child = spawn(process.execPath, [...this.nodeArgs, EXECUTABLES[this.name], ...this.args], { env: { ...process.env, SEDNA_HOME: '', ...this.env }, stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    this.starts++;
    this.ending = false;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        if (!this.ending) this.unexpectedExit ??= `${this.name} exited on its own (${code ?? signal}) at ${new Date().toISOString()}; see ${this.logFile}`;
        resolve();
      }),
    );
    const output = () => readFileSync(this.logFile, 'utf8').slice(from);
    await waitFor(`${this.name} ready (see ${this.logFile})`, async () => ((await this.ready(output())) ? true : undefined), timeoutMs, () =>
      child.exitCode !== null || child.signalCode !== null ? `${this.name} exited (${child.exitCode ?? child.signalCode}); see ${this.logFile}` : undefined,
    );
  }

  /** SIGKILL: no draining, no clean-up; what it started (the agent's worker processes) stays behind. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.kills++;
    this.ending = true;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    if (!this.running) return;
    this.ending = true;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The part's own JSON line on stdout carrying `key` (not a log record: those have a level). */
const jsonLine = (output: string, key: string): Record<string, unknown> | undefined => {
  for (const line of output.split('\n')) {
    try {
      const value = JSON.parse(line) as Record<string, unknown>;
      if (value[key] !== undefined && value.level === undefined) return value;
    } catch {
      // Not a JSON line (yet).
    }
  }
  return undefined;
};

/** Options of {@link FourParts.start}. */
export interface FourPartsOptions {
  /** Folder of the API server's store, the agent's pods, the kubeconfig (the `sedna --data-dir` of the tests). */
  dataDir: string;
  /** Where logs and the GM's config go. */
  dir: string;
  node: string;
  /** Extra GM configuration (the `sedna-gm --config` file). */
  gmConfig?: Record<string, unknown>;
  /** Extra environment of the LC. */
  lcEnv?: Record<string, string>;
  /** Options given to node before a part's executable (e.g. `--cpu-prof` for a profile of one). */
  nodeArgs?: Partial<Record<PartName, readonly string[]>>;
  /** The parts to start (default all four; the API server always, with the CRDs). */
  only?: readonly PartName[];
}

/**
 * The four parts, started in order (API server, CRDs, GM, LC, node agent); see the module comment.
 * `kill(part)` and `start(part)` act on one of them; `stop()` ends them all.
 */
export class FourParts {
  readonly parts: Record<PartName, Part>;
  readonly kubeconfig: string;
  readonly logsDir: string;

  private constructor(
    readonly options: FourPartsOptions,
    readonly proxy: CutProxy,
    readonly ports: { api: number; gm: number; lc: number },
  ) {
    const { dataDir, dir, node } = options;
    this.logsDir = join(dir, 'logs');
    mkdirSync(this.logsDir, { recursive: true });
    this.kubeconfig = join(dataDir, 'kubeconfig');
    const secret = randomBytes(32).toString('hex');
    const gmConfigFile = join(dir, 'gm-config.json');
    writeFileSync(gmConfigFile, JSON.stringify({ kubeConfig: this.kubeconfig, ...options.gmConfig }, null, 2));
    const log = (name: PartName) => join(this.logsDir, `${name}.log`);
    this.parts = {
      apiserver: new Part('apiserver', ['--data-dir', dataDir, '--port', String(ports.api), '--kubeconfig', this.kubeconfig], {}, log('apiserver'), async (out) => jsonLine(out, 'url') !== undefined, options.nodeArgs?.apiserver),
      gm: new Part(
        'gm',
        ['--config', gmConfigFile],
        {
          SEDNA_GM_SECRET: secret,
          SEDNA_GM_ADDRESS: '127.0.0.1',
          SEDNA_GM_PORT: String(ports.gm),
          // A stable identity takes its own Lease back at once after a SIGKILL (as `sedna up` does).
          SEDNA_GM_IDENTITY: 'fault-suite-gm',
          SEDNA_GM_RETRY_INITIAL_BACKOFF_SECONDS: '1',
        },
        log('gm'),
        async () => (await fetch(`http://127.0.0.1:${ports.gm}/readyz`, { signal: AbortSignal.timeout(2000) })).ok,
        options.nodeArgs?.gm,
      ),
      lc: new Part(
        'lc',
        [],
        {
          GM_ADDRESS: `ws://127.0.0.1:${proxy.port}/`,
          NODENAME: node,
          SEDNA_NODE_TOKEN: nodeToken(secret, node),
          SEDNA_LC_DATA_DIR: join(dir, 'lc'),
          // A fixed port: the workers' LC_SERVER stays right across restarts.
          BIND_PORT: String(ports.lc),
          ...options.lcEnv,
        },
        log('lc'),
        async (out) => jsonLine(out, 'ready') !== undefined,
        options.nodeArgs?.lc,
      ),
      agent: new Part('agent', ['--kubeconfig', this.kubeconfig, '--node', node, '--data-dir', dataDir], {}, log('agent'), async (out) => jsonLine(out, 'ready') !== undefined, options.nodeArgs?.agent),
    };
  }

  /** Starts the four parts and registers the Sedna CRDs (`sedna crds | sedna apply -f -`). */
  static async start(options: FourPartsOptions): Promise<FourParts> {
    const [api, gm, lc] = [await freePort(), await freePort(), await freePort()];
    const proxy = await CutProxy.start(gm);
    const parts = new FourParts(options, proxy, { api, gm, lc });
    try {
      await parts.parts.apiserver.start();
      const crds = await sednaOk(options.dataDir, ['crds']);
      await sednaOk(options.dataDir, ['apply', '-f', '-'], { stdin: crds });
      for (const part of ['gm', 'lc', 'agent'] as const) if (!options.only || options.only.includes(part)) await parts.parts[part].start();
    } catch (error) {
      await parts.stop();
      throw error;
    }
    return parts;
  }

  /** The LC's worker API (its /metrics too). */
  get lcUrl(): string {
    return `http://127.0.0.1:${this.ports.lc}`;
  }

  /** SIGKILLs `part`. */
  kill(part: PartName): Promise<void> {
    return this.parts[part].kill();
  }

  /** Starts `part` again and resolves once it serves. */
  start(part: PartName): Promise<void> {
    return this.parts[part].start();
  }

  /** Why a part is down that nobody stopped or killed, if one is. */
  crashed(): string | undefined {
    return PART_NAMES.map((p) => this.parts[p].unexpectedExit).find((why) => why !== undefined);
  }

  /** Kills per part. */
  kills(): Record<PartName, number> {
    return Object.fromEntries(PART_NAMES.map((p) => [p, this.parts[p].kills])) as Record<PartName, number>;
  }

  /** The log file of `part`. */
  logOf(part: PartName): string {
    return join(this.logsDir, `${part}.log`);
  }

  /** Stops everything (SIGTERM in the reverse order of the start), then whatever the agent left. */
  async stop(): Promise<void> {
    for (const part of [...PART_NAMES].reverse()) await this.parts[part].stop().catch(() => undefined);
    killNodeAgentProcesses(this.options.dataDir);
    await this.proxy.close();
  }
}
