// What the standalone entry points (server-main, node-agent-main) share: their arguments parsed against
// their options (a usage error prints the help and exits 2, `--help` prints it and exits 0), the part
// run until SIGTERM or SIGINT, and the process's exit code from how it ended.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Resolves at the first SIGTERM or SIGINT, and keeps the process alive until then. Signal handlers do
 * not: a node agent whose API server went away has nothing else pending (its retry timers are unref'd)
 * and exited silently with code 0 (found by the fault suite, which kills the API server under it).
 */
export function stopSignal(): Promise<void> {
  const keepAlive = setInterval(() => undefined, 1 << 30);
  return new Promise<void>((resolve) => {
    const stop = () => {
      clearInterval(keepAlive);
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

/**
 * Runs an entry point: parses `process.argv` with `options` (and `-h`/`--help`), then `run(values)`; the
 * process exits with what `run` resolves to, else 2 for an error `isUsage` recognises and 1 for any other,
 * whose message goes to stderr.
 */
export function runStandalone<O extends NonNullable<ParseArgsConfig['options']>>(
  help: string,
  options: O,
  run: (values: ReturnType<typeof parseArgs<{ options: O; strict: true }>>['values']) => Promise<number>,
  isUsage: (error: unknown) => boolean,
): void {
  const main = async (): Promise<number> => {
    let values;
    try {
      values = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true }).values;
    } catch (error) {
      process.stderr.write(`${(error as Error).message}\n\n${help}`);
      return 2;
    }
    if ((values as { help?: boolean }).help) {
      process.stdout.write(help);
      return 0;
    }
    return run(values as Parameters<typeof run>[0]);
  };
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(isUsage(error) ? 2 : 1);
    },
  );
}
