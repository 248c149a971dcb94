/**
 * The LC as a process of its own (`sedna-lc`): configuration from the environment (CONFIG_ENV), a
 * `{"ready": true, "url": ...}` line on stdout once started, a drained stop on SIGTERM or SIGINT, and an
 * immediate end on a second one, even with a thread stuck in a file call (`exitBySignal`).
 */
import { exitBySignal } from '@sedna-ts/internal';
import { CONFIG_ENV, configFromEnv } from './config.js';
import { LocalControllerError } from './errors.js';
import { createLogger } from './logger.js';
import { startLocalController } from './localController.js';
import { VERSION } from './version.js';

function help(): string {
  const width = Math.max(...CONFIG_ENV.map((v) => v.name.length));
  return [
    `sedna-lc ${VERSION}: the sedna-ts Local Controller of one node.`,
    '',
    'Configured by environment variables:',
    ...CONFIG_ENV.map((v) => `  ${v.name.padEnd(width)}  ${v.description}`),
    '',
    'On SIGTERM or SIGINT it drains (requests in flight, the outbox as far as the GM acks) and exits 0; a second',
    'signal ends it at once (killed by that signal), whatever it is waiting for.',
  ].join('\n');
}

/**
 * Run the LC until SIGTERM or SIGINT; resolves to the exit code (0 after a clean stop, 1 for a bad
 * configuration or a failed start). A second signal, during the stop or after it, ends the process at
 * once (it owns the process's signals). `--help` prints the environment variables.
 */
export async function runLocalController(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(help());
    return 0;
  }
  if (argv.includes('--version')) {
    console.log(VERSION);
    return 0;
  }
  let lc;
  try {
    const config = configFromEnv(env);
    const logger = createLogger(undefined, env);
    if (config.dataRoots?.length === 0) {
      logger.warn({}, 'SEDNA_LC_DATA_ROOTS lists no folder (unset, and this LC runs as root): no dataset index is read and no round file written until it lists their host folders');
    }
    lc = await startLocalController({ ...config, logger });
  } catch (error) {
    const message = error instanceof LocalControllerError ? error.message : String((error as Error)?.stack ?? error);
    console.error(`sedna-lc: ${message}`);
    return 1;
  }
  console.log(JSON.stringify({ ready: true, url: lc.url, nodeName: lc.nodeName, pid: process.pid }));
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      if (++signals === 1) {
        console.error(`sedna-lc: ${signal}: stopping (a second signal ends it at once)`);
        return resolve();
      }
      console.error(`sedna-lc: ${signal} again: exiting without draining`);
      exitBySignal(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await lc.stop();
  return 0;
}
