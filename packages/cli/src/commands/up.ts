/**
 * `sedna up`: the whole system on this machine, in the foreground: the embedded API server, the Sedna
 * CRDs, the Global Manager, this node's Local Controller and the node agent. SIGTERM or SIGINT drains
 * it and exits 0. `sedna up -d` starts the same in the background (its output in `DIR/logs/up.log`)
 * and returns once it is ready; `sedna status` and `sedna down` ask for it and stop it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { exitBySignal } from '@sedna-ts/internal';
import type { CommandModule } from '../command.js';
import { CliError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import type { CliIo } from '../io.js';
import { DEFAULT_NODE_NAME, parseDuration, resolveDataDir, startCommand, type DataDir, type ServerOptions } from '../server.js';
import { clock, followNotableEvents } from '../up/upEvents.js';
import { DETACHED_LOG, LOGS_DIR, sednaExecutable, upState } from '../up/upState.js';
import { loadSednaUp, type RunningSedna } from '../upPackage.js';

/** Options of `sedna up`. */
export interface UpOptions extends ServerOptions {
  node?: string;
  /** `--data-root DIR`, repeatable. */
  dataRoot?: string[];
  apiPort?: string;
  gmPort?: string;
  lcPort?: string;
  dashboardPort?: string;
  /** `-d`: start in the background and return once ready. */
  detach?: boolean;
  /** With `-d`: how long to wait for it to be ready (default 2 min). */
  timeout?: string;
}

/** How long `sedna up -d` waits past its --timeout for the background `sedna up` to take its lock. */
const LOCK_GRACE_MS = 30_000;

/** How long `sedna up -d` waits for the background `sedna up` to be ready unless `--timeout` says otherwise. */
export const DEFAULT_DETACH_TIMEOUT_MS = 120_000;

/** The last `n` lines of `file` (empty when it cannot be read). */
function tail(file: string, n: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

/**
 * `sedna up -d`: the same `sedna up` in a detached process (its own session, so the terminal's Ctrl-C
 * and hang-up do not reach it), its stdout and stderr appended to `DIR/logs/up.log` (0600); resolves
 * once `DIR/endpoint.json` names it (ready), or says why not (it exited: the log's last lines and its
 * exit code; the deadline: exit 5, it goes on starting).
 */
async function runDetached(options: UpOptions, dataDir: DataDir, args: string[], io: CliIo): Promise<ExitCode> {
  const dir = dataDir.dir;
  const running = upState(dir);
  if (running.pid !== undefined) throw new CliError('USAGE', `already running (pid ${running.pid}) on ${dir}`);
  const timeoutMs = options.timeout === undefined ? DEFAULT_DETACH_TIMEOUT_MS : parseDuration('--timeout', options.timeout);
  fs.mkdirSync(path.join(dir, LOGS_DIR), { recursive: true, mode: 0o700 });
  const logFile = path.join(dir, LOGS_DIR, DETACHED_LOG);
  const log = fs.openSync(logFile, 'a', 0o600);
  fs.fchmodSync(log, 0o600);
  const child = spawn(process.execPath, [sednaExecutable(), 'up', '--data-dir', dir, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
    cwd: io.cwd,
    env: { ...io.env },
  });
  fs.closeSync(log);
  let exited: number | null | undefined;
  child.on('exit', (code, signal) => (exited = code ?? (signal ? 1 : null)));
  child.on('error', () => (exited = 1));
  const deadline = Date.now() + timeoutMs;
  const pid = child.pid;
  const stopHint = `sedna down${dataDir.origin === 'flag' ? ` --data-dir ${dir}` : ''}`;
  try {
    for (;;) {
      const state = upState(dir);
      if (pid !== undefined && state.endpoint?.pid === pid) {
        io.stdout.write(
          [
            `sedna ${state.endpoint.version} is up in the background (pid ${pid}), data in ${dir}`,
            `  API server  ${state.endpoint.apiServer}`,
            `  output      ${logFile}`,
            `Status: sedna status${dataDir.origin === 'flag' ? ` --data-dir ${dir}` : ''}; stop it with: ${stopHint}`,
            '',
          ].join('\n'),
        );
        return ExitCode.Ok;
      }
      if (exited !== undefined) {
        const last = tail(logFile, 10);
        io.stderr.write(`sedna: sedna up exited (code ${exited}) before it was ready; the last lines of ${logFile}:\n${last}\n`);
        return exited === ExitCode.Usage ? ExitCode.Usage : ExitCode.Invalid;
      }
      // Past the deadline, the child is still given a little time to take its lock: "it goes on
      // starting" must be what `sedna status` then says, not "not running".
      if (Date.now() >= deadline && (state.pid === pid || Date.now() >= deadline + LOCK_GRACE_MS)) {
        io.stderr.write(`sedna: sedna up (pid ${pid}) is not ready after ${timeoutMs / 1000}s (--timeout); it goes on starting: follow ${logFile}, or stop it with: ${stopHint}\n`);
        return ExitCode.Timeout;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    // The parent may exit now: the background process does not hold it.
    child.unref();
  }
}

function port(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new CliError('USAGE', `${flag} ${JSON.stringify(value)}: expected a port number from 0 to 65535 (0: any free port)`);
  return n;
}

/** The message printed once everything is ready. */
export function readyMessage(sedna: RunningSedna, dataDirFlag: string): string {
  const e = sedna.endpoint;
  return [
    `sedna ${e.version} is up (pid ${e.pid}), node ${sedna.node}, data in ${sedna.dataDir}`,
    `  API server        ${e.apiServer}   (kubeconfig ${sedna.kubeconfigPath}, mode 0600)`,
    `  global manager    ${e.gmWebSocket}`,
    `  local controller  ${e.lcServer}`,
    `  knowledge base    ${e.knowledgeBase}/knowledgebase   (lifelong learning; worker tokens only)`,
    `  dashboard         ${e.dashboard}   (sign in with a Kubernetes token)`,
    `  sign in once      ${sedna.dashboardSignInLink()}`,
    `  logs              ${sedna.logs.dir}/*.log`,
    'Next:',
    `  sedna${dataDirFlag} apply -f examples/objects     # Datasets and pod templates with nodeName: ${sedna.node} run here`,
    `  sedna${dataDirFlag} get ij -w`,
    `  sedna${dataDirFlag} describe ij <job>`,
    `  kubectl --kubeconfig ${sedna.kubeconfigPath} get pods`,
    'Stop with Ctrl-C (or SIGTERM): workers are stopped, the outbox flushed, the store closed.',
    '',
  ].join('\n');
}

/**
 * Resolves when `io.signal` aborts or the process gets SIGTERM or SIGINT; a second signal ends the
 * process at once, as killed by that signal, even with a thread stuck in a file call (`process.exit`
 * would wait for that thread for ever). `dispose` removes the handlers.
 */
function untilStopped(io: CliIo): { stopped: Promise<string>; dispose: () => void } {
  let signals = 0;
  let resolve: (why: string) => void = () => undefined;
  const stopped = new Promise<string>((r) => (resolve = r));
  const onSignal = (name: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      io.stderr.write(`sedna: ${name} again: exiting without draining\n`);
      exitBySignal(name);
    }
    resolve(name);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const onAbort = () => resolve('abort');
  io.signal?.addEventListener('abort', onAbort, { once: true });
  if (io.signal?.aborted) resolve('abort');
  return {
    stopped,
    dispose: () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      io.signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** Runs `sedna up` until stopped; resolves to the exit code. */
export async function runUp(options: UpOptions, io: CliIo): Promise<ExitCode> {
  if (options.kubeconfig) throw new CliError('USAGE', 'sedna up runs its own API server: --kubeconfig does not apply (use --data-dir)');
  const ports = { apiPort: port('--api-port', options.apiPort), gmPort: port('--gm-port', options.gmPort), lcPort: port('--lc-port', options.lcPort), dashboardPort: port('--dashboard-port', options.dashboardPort) };
  const dataDir = resolveDataDir(options, io);
  const node = options.node ?? DEFAULT_NODE_NAME;
  if (node.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(node)) {
    throw new CliError('USAGE', `--node ${JSON.stringify(node)}: a node name is lower-case letters, digits, '-' and '.' (a DNS subdomain)`);
  }
  const dataRoots = options.dataRoot?.map((d) => path.resolve(io.cwd, d));
  for (const root of dataRoots ?? []) {
    if (root === dataDir.dir || root.startsWith(`${dataDir.dir}${path.sep}`)) {
      throw new CliError('USAGE', `--data-root ${root}: it is in the data folder ${dataDir.dir}, which the local controller never reads as data (it holds the secrets); keep datasets beside it`);
    }
  }
  // Here, before anything starts: a missing @sedna-ts/up is said at once, also with -d.
  const up = await loadSednaUp();
  if (options.detach) {
    const args = ['--node', node, ...(options.apiPort ? ['--api-port', options.apiPort] : []), ...(options.gmPort ? ['--gm-port', options.gmPort] : []), ...(options.lcPort ? ['--lc-port', options.lcPort] : [])];
    for (const root of dataRoots ?? []) args.push('--data-root', root);
    return runDetached(options, dataDir, args, io);
  }
  const say = (line: string) => io.stdout.write(`${clock()} ${line}\n`);
  say(`starting \`${startCommand(dataDir)}\` (node ${node})`);
  const sedna = await up.startSedna({ dataDir: dataDir.dir, node, ...ports, ...(dataRoots ? { dataRoots } : {}), io, onProgress: (step) => say(`ready: ${step}`) });
  const stopEvents = new AbortController();
  const events = followNotableEvents(sedna.client, (line) => io.stdout.write(line), stopEvents.signal);
  const { stopped, dispose } = untilStopped(io);
  try {
    io.stdout.write(readyMessage(sedna, dataDir.origin === 'flag' ? ` --data-dir ${dataDir.dir}` : ''));
    const why = await stopped;
    say(`stopping (${why}): workers, local controller, global manager, knowledge base, API server`);
    stopEvents.abort();
    await sedna.stop();
    await events;
  } finally {
    dispose();
  }
  say('stopped');
  return ExitCode.Ok;
}

/** The `up` verb. */
export const upCommand: CommandModule = {
  name: 'up',
  register(program, io, exit) {
    program
      .command('up')
      .description('run Sedna on this machine in the foreground: API server, CRDs, knowledge base, global manager, local controller, node agent')
      .option('-d, --detach', 'run in the background: return once ready, the output in DIR/logs/up.log (stop it with sedna down)')
      .option('--timeout <duration>', 'with -d: how long to wait for it to be ready (default 2m)')
      .option('--node <name>', `the node this machine is (Datasets and pod templates name it in nodeName)`, DEFAULT_NODE_NAME)
      .option('--api-port <port>', 'port of the API server (default: any free port)')
      .option('--gm-port <port>', "port of the global manager's WebSocket (default: any free port)")
      .option('--lc-port <port>', "port of the local controller's worker API (default: any free port)")
      .option('--dashboard-port <port>', 'port of the web dashboard (default: any free port)')
      .option(
        '--data-root <dir>',
        'a folder of dataset indexes and outputDirs the local controller may use; repeat for more (default: anything you can read, except the data folder)',
        (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
      )
      .addHelpText(
        'after',
        [
          '',
          'The data folder is --data-dir DIR, else $SEDNA_HOME, else ~/.sedna. Once every part is ready, DIR/kubeconfig and',
          'DIR/endpoint.json ({apiServer, apiToken, gmWebSocket, gmToken, lcServer, knowledgeBase, dashboard, pid, version}) are written, mode 0600;',
          'the other verbs find the server through them. Logs go to DIR/logs/*.log; warnings and the progress of jobs to stdout.',
          'Exit code 2 when another `sedna up` runs on DIR ("already running (pid N)"); 0 after SIGTERM or SIGINT.',
          'The local controller never reads a dataset index in DIR (it holds the secrets), nor outside the --data-root folders when',
          'given; a Dataset it refuses gets the condition IndexReadable False naming the path (sedna describe dataset NAME).',
        ].join('\n'),
      )
      .action(async (_o: UpOptions, cmd: Command) => exit(await runUp(cmd.optsWithGlobals<UpOptions>(), io)));
  },
};
