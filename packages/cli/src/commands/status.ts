/** `sedna status [--data-dir DIR] [-o json]`: is a `sedna up` running on the data folder, and are its parts answering. */
import type { Command } from 'commander';
import type { CommandModule } from '../command.js';
import { CliError, toCliError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import type { CliIo } from '../io.js';
import { resolveDataDir, startCommand, type ServerOptions } from '../server.js';
import { withSession } from '../session.js';
import { LOGS_DIR, upState } from '../up/upState.js';
import { UP_INSTALL_COMMAND, UP_PACKAGE, upInstalled } from '../upPackage.js';

/** Options of `sedna status`. */
export interface StatusOptions extends ServerOptions {
  output?: string;
}

/**
 * Runs `sedna status`; resolves to 0 when a `sedna up` runs there and its API server answers, else 4.
 * `load` imports a specifier (to tell whether @sedna-ts/up is installed; the tests give their own).
 */
export async function runStatus(options: StatusOptions, io: CliIo, load?: (specifier: string) => Promise<unknown>): Promise<ExitCode> {
  if (options.output !== undefined && options.output !== 'json') throw new CliError('USAGE', `--output ${JSON.stringify(options.output)}: expected json`);
  if (options.kubeconfig) throw new CliError('USAGE', 'sedna status tells about the sedna up of a data folder: --kubeconfig does not apply (use --data-dir)');
  const dataDir = resolveDataDir(options, io);
  const dir = dataDir.dir;
  const state = upState(dir);
  let apiServer: { url: string; ready: boolean; why?: string } | undefined;
  if (state.endpoint) {
    try {
      await withSession({ dataDir: dir, requestTimeout: options.requestTimeout ?? '5s' }, io, (session) => session.client.get('/version'));
      apiServer = { url: state.endpoint.apiServer, ready: true };
    } catch (error) {
      apiServer = { url: state.endpoint.apiServer, ready: false, why: toCliError(error).message };
    }
  }
  const running = state.pid !== undefined;
  const ready = apiServer?.ready === true;
  if (options.output === 'json') {
    // No token: only where each part is.
    const e = state.endpoint;
    const value = {
      dataDir: dir,
      running,
      ready,
      ...(state.pid !== undefined ? { pid: state.pid } : {}),
      ...(e ? { version: e.version, apiServer: e.apiServer, gmWebSocket: e.gmWebSocket, lcServer: e.lcServer, knowledgeBase: e.knowledgeBase, ...(e.dashboard ? { dashboard: e.dashboard } : {}) } : {}),
      ...(apiServer?.why ? { problem: apiServer.why } : {}),
    };
    io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return ready ? ExitCode.Ok : ExitCode.Unreachable;
  }
  if (!running) {
    const stale = state.stale ? ` (the run of pid ${state.stale.pid} ended without draining: the next sedna up continues from its state)` : '';
    // `sedna up -d` cannot start without @sedna-ts/up: say how to install it first.
    const start = (await upInstalled(load)) ? 'start it with' : `it needs ${UP_PACKAGE}, which is not installed: \`${UP_INSTALL_COMMAND}\`, then start it with`;
    io.stdout.write(`sedna up is not running on ${dir}${stale}; ${start} \`${startCommand(dataDir)} -d\`\n`);
    return ExitCode.Unreachable;
  }
  if (!state.endpoint) {
    io.stdout.write(`sedna up (pid ${state.pid}) is starting on ${dir}: not ready yet (its output: ${dir}/${LOGS_DIR})\n`);
    return ExitCode.Unreachable;
  }
  const e = state.endpoint;
  io.stdout.write(
    [
      `sedna ${e.version} is running on ${dir} (pid ${state.pid})`,
      `  API server        ${e.apiServer}   ${ready ? 'ready' : `not answering: ${apiServer?.why ?? ''}`}`,
      `  global manager    ${e.gmWebSocket}`,
      `  local controller  ${e.lcServer}`,
      `  knowledge base    ${e.knowledgeBase}`,
      ...(e.dashboard ? [`  dashboard         ${e.dashboard}   (sign in with a token: \`kubectl create token NAME\`, or sedna up's one-time link)`] : []),
      `  logs              ${dir}/${LOGS_DIR}`,
      '',
    ].join('\n'),
  );
  return ready ? ExitCode.Ok : ExitCode.Unreachable;
}

/** The `status` verb. */
export const statusCommand: CommandModule = {
  name: 'status',
  register(program, io, exit) {
    program
      .command('status')
      .description('whether a sedna up runs on the data folder (--data-dir, $SEDNA_HOME, ~/.sedna), and where its parts are')
      .option('-o, --output <format>', 'json (no tokens)')
      .addHelpText('after', '\nExit codes: 0 running and its API server ready, 4 not running, starting, or not answering.')
      .action(async (_o: StatusOptions, cmd: Command) => exit(await runStatus(cmd.optsWithGlobals<StatusOptions>(), io)));
  },
};
