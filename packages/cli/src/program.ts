/** The `sedna` program: global options, the verbs, and the mapping of every outcome to an exit code. */
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index.js';
import { toCliError } from './errors.js';
import { ExitCode } from './exitCodes.js';
import { processIo, terminalSafeIo, type CliIo } from './io.js';
import { VERSION } from './version.js';

const EXIT_CODE_HELP = `
Which server: --kubeconfig, --data-dir, $SEDNA_HOME, $KUBECONFIG (with --context), ~/.sedna when a sedna up
runs there, then ~/.kube/config. delete, trigger and rollback print the context and server they act on.

Exit codes: 0 ok, 1 invalid input, 2 usage, 3 not found, 4 unreachable, 5 timeout.`;

/** Every error goes out as `sedna: <message>`, commander's own (`error: unknown option ...`) too. */
const ERROR_PREFIX = 'sedna: ';

/** Commander's output, through `io`, its `error: ` prefix replaced by ours. */
function outputTo(io: CliIo) {
  return {
    writeOut: (s: string) => io.stdout.write(s),
    writeErr: (s: string) => io.stderr.write(s),
    // Every line: commander adds some (`(Did you mean logs?)`) after its `error: ` one.
    outputError: (s: string, write: (s: string) => void) =>
      write(s.replace(/^error: /, ERROR_PREFIX).replace(/^(?!sedna: )(.+)$/gm, `${ERROR_PREFIX}$1`)),
  };
}

/**
 * Builds the program with every verb of {@link COMMANDS}. `exit` receives the exit code a verb ends with.
 * Commander's own exits (help, version, usage errors) become CommanderErrors for {@link main}.
 */
export function createProgram(io: CliIo, exit: (code: number) => void): Command {
  const program = new Command('sedna')
    .description('Edge-cloud incremental learning: run Sedna on this machine (up) and manage its objects (sedna.io/v1alpha1) there or on any Kubernetes cluster.')
    .version(VERSION, '--version', 'print the version')
    .exitOverride()
    .configureOutput(outputTo(io))
    .showHelpAfterError(`${ERROR_PREFIX}run sedna --help for usage`)
    .option('--kubeconfig <file>', 'talk to the API server of this kubeconfig (its current context, or --context)')
    .option('--context <name>', 'the kubeconfig context to use (default: its current context)')
    .option('--data-dir <dir>', 'the data folder of `sedna up`, whose server the other verbs talk to (default: $SEDNA_HOME)')
    .option('--request-timeout <duration>', 'how long to wait for the API server\'s answer, e.g. 10s (default 30s)')
    .addHelpText('after', EXIT_CODE_HELP);
  for (const command of COMMANDS) command.register(program, io, exit);
  for (const sub of program.commands) sub.exitOverride().configureOutput(outputTo(io));
  return program;
}

/**
 * Runs the `sedna` command with `argv` (the arguments after the program name) and resolves to its exit
 * code. Never rejects: errors are printed to stderr as `sedna: <message>` (commander's usage errors too).
 * Every text it prints is terminal-safe (`terminalSafeIo`): control characters in values from files or
 * from the server are shown as `\xNN`.
 *
 * @example
 * process.exitCode = await main(['validate', '-f', 'examples/objects']);
 */
export async function main(argv: readonly string[], rawIo: CliIo = processIo()): Promise<number> {
  const io = terminalSafeIo(rawIo);
  let code: number = ExitCode.Ok;
  const program = createProgram(io, (c) => {
    code = c;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return ExitCode.Usage;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    const cliError = toCliError(error);
    io.stderr.write(`${ERROR_PREFIX}${cliError.message}\n`);
    return cliError.exitCode;
  }
}
