/** The `sedna-storage-initializer` command: arguments in, one exit code out. */
import { LOG_LEVEL_DEPRECATION, logLevelFromEnv } from '@sedna-ts/internal';
import { CONFIG_ENV, configFromEnv, configSecrets } from './config.js';
import { toStorageInitializerError } from './errors.js';
import { runInitializer } from './initializer.js';
import { createLineLogger, oneLine } from './logger.js';
import { Redactor } from './redact.js';
import { VERSION } from './version.js';

/** Exit codes of the command. */
export const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;

/** Where the command writes. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
}

const PROGRAM = 'sedna-storage-initializer';

/** The `--help` text: usage, what each source becomes, exit codes and the environment. */
export function helpText(): string {
  const width = Math.max(...CONFIG_ENV.map((v) => v.name.length));
  const env = CONFIG_ENV.map((v) => `  ${v.name.padEnd(width)}  ${v.description} (default: ${v.default})`).join('\n');
  return `Usage: ${PROGRAM} SRC DST [SRC DST ...]

Downloads each SRC into the folder DST (created), in order; a DST starting with the indirect mark
(@ by default) makes SRC an index file: its first line (after # comments) is a base URI, the other
lines are files under it, downloaded into DST under their relative folders.

SRC: s3://bucket/key or obs://bucket/key (the object, else every object under key/, saved as
DST/<last folder name>/...), http(s)://host/path/file, an absolute path or file:// (copied, or
linked). Files named *.tar, *.tar.gz, *.tgz or *.zip are extracted into DST.

Exit codes: 0 done, 1 a download failed (the last log line says why), 2 wrong arguments or environment.

Environment:
${env}
`;
}

/**
 * Runs the command with `argv` (the arguments after the program name) and resolves to its exit code;
 * never rejects. Logs go to stderr; a failure ends with one line `sedna-storage-initializer: failed: <why>`.
 *
 * @example
 * process.exitCode = await main(['s3://models/helmet/model.onnx', '/downloads/models/helmet']);
 */
export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    io.stdout.write(helpText());
    return ExitCode.Ok;
  }
  if (argv.length === 1 && argv[0] === '--version') {
    io.stdout.write(`${VERSION}\n`);
    return ExitCode.Ok;
  }
  let redactor = new Redactor();
  try {
    const config = configFromEnv(io.env);
    redactor = new Redactor(configSecrets(config));
    const logger = createLineLogger({ level: config.logLevel, write: (line) => io.stderr.write(line) });
    if (logLevelFromEnv(io.env).deprecated) logger.warn(LOG_LEVEL_DEPRECATION);
    await runInitializer(argv, { config, logger });
    return ExitCode.Ok;
  } catch (error) {
    const failure = toStorageInitializerError(error);
    // Errors of the run are masked already; this masks an unexpected one too.
    const message = oneLine(redactor.redact(failure.message));
    if (failure.code === 'USAGE') {
      io.stderr.write(`${PROGRAM}: ${message} (run ${PROGRAM} --help for usage)\n`);
      return ExitCode.Usage;
    }
    io.stderr.write(`${PROGRAM}: failed: ${message}\n`);
    return ExitCode.Failed;
  }
}
