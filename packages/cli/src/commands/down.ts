/** `sedna down [--data-dir DIR] [--timeout 60s]`: stop the `sedna up` of a data folder (SIGTERM: it drains), and wait until it is gone. */
import type { Command } from 'commander';
import { processAlive } from '@sedna-ts/internal';
import type { CommandModule } from '../command.js';
import { CliError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import type { CliIo } from '../io.js';
import { lockedPid, parseDuration, resolveDataDir, type ServerOptions } from '../server.js';
import { looksLikeSednaUp, upState } from '../up/upState.js';

/** Options of `sedna down`. */
export interface DownOptions extends ServerOptions {
  timeout?: string;
}

/** How long `sedna down` waits for `sedna up` to drain unless `--timeout` says otherwise. */
export const DEFAULT_DOWN_TIMEOUT_MS = 60_000;

/** Runs `sedna down`; resolves to 0 when it stopped (or none ran), 5 when it still runs at the deadline. */
export async function runDown(options: DownOptions, io: CliIo): Promise<ExitCode> {
  if (options.kubeconfig) throw new CliError('USAGE', 'sedna down stops the sedna up of a data folder: --kubeconfig does not apply (use --data-dir)');
  const timeoutMs = options.timeout === undefined ? DEFAULT_DOWN_TIMEOUT_MS : parseDuration('--timeout', options.timeout);
  const dir = resolveDataDir(options, io).dir;
  const { pid } = upState(dir);
  // A lock whose pid another program took over (after a power cut): said, and that program left alone.
  const locked = lockedPid(dir);
  if (pid === undefined && locked !== undefined && processAlive(locked) && !looksLikeSednaUp(locked)) {
    throw new CliError('INVALID_INPUT', `${dir}/sedna.lock names pid ${locked}, which is not a sedna up (another program took the pid over?): not signalled; the lock is stale, and the next sedna up takes it over`);
  }
  if (pid === undefined) {
    io.stdout.write(`sedna up is not running on ${dir}: nothing to stop\n`);
    return ExitCode.Ok;
  }
  process.kill(pid, 'SIGTERM');
  io.stdout.write(`stopping sedna up (pid ${pid}) on ${dir}: workers, local controller, global manager, knowledge base, API server\n`);
  const deadline = Date.now() + timeoutMs;
  while (processAlive(pid)) {
    if (Date.now() >= deadline) {
      io.stderr.write(`sedna: sedna up (pid ${pid}) still runs after ${timeoutMs / 1000}s (--timeout): it is draining (see ${dir}/logs); \`kill -KILL ${pid}\` ends it at once, and the next sedna up continues from its state\n`);
      return ExitCode.Timeout;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  io.stdout.write(`stopped\n`);
  return ExitCode.Ok;
}

/** The `down` verb. */
export const downCommand: CommandModule = {
  name: 'down',
  register(program, io, exit) {
    program
      .command('down')
      .description('stop the sedna up of the data folder (--data-dir, $SEDNA_HOME, ~/.sedna): it drains, as after Ctrl-C')
      .option('--timeout <duration>', 'how long to wait for it to be gone (default 60s)')
      .addHelpText('after', '\nExit codes: 0 stopped (or none was running), 5 still running at the timeout.')
      .action(async (_o: DownOptions, cmd: Command) => exit(await runDown(cmd.optsWithGlobals<DownOptions>(), io)));
  },
};
