/** `sedna validate -f PATH...`: check Sedna objects without a cluster. */
import type { CommandModule } from '../command.js';
import { CliError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import type { CliIo } from '../io.js';
import { readInputs } from '../inputs.js';
import { fileFlags } from '../flags.js';
import { describeManifest, readManifests } from '../manifests.js';

/** Options of `sedna validate`. */
export interface ValidateOptions {
  filename: string[];
  recursive?: boolean;
  verbose?: boolean;
  quiet?: boolean;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Runs `sedna validate`; resolves to the exit code. */
export async function runValidate(options: ValidateOptions, io: CliIo): Promise<ExitCode> {
  if (options.filename.length === 0) throw new CliError('USAGE', 'validate needs at least one -f PATH (a file, a folder, or - for stdin)');
  const files = await readInputs(options.filename, io, { recursive: options.recursive === true });
  const { manifests, problems, count } = readManifests(files);
  for (const line of problems) io.stdout.write(`${line}\n`);
  if (options.verbose) {
    for (const m of manifests) {
      const note = !m.sedna ? ': not a Sedna object, not checked' : m.legacy ? ': valid (older edgeai.io form, normalised)' : ': valid';
      io.stdout.write(`${m.path}: ${describeManifest(m)}${note}\n`);
    }
  }
  if (count === 0) throw new CliError('INVALID_INPUT', `no objects in ${options.filename.join(', ')}`);
  const valid = manifests.length;
  const others = manifests.filter((m) => !m.sedna).length;
  if (!options.quiet) {
    const where = plural(files.length, 'file');
    const verdict = valid === count ? 'all valid' : `${count - valid} invalid`;
    const note = others > 0 ? ` (${others} not ${others === 1 ? 'a Sedna object' : 'Sedna objects'}, not checked)` : '';
    io.stderr.write(`${plural(count, 'object')} in ${where}: ${verdict}${note}\n`);
  }
  return valid === count ? ExitCode.Ok : ExitCode.Invalid;
}

/** The `validate` verb. */
export const validateCommand: CommandModule = {
  name: 'validate',
  register(program, io, exit) {
    fileFlags(
      program.command('validate').description('check Sedna objects (YAML or JSON, sedna.io or the older edgeai.io form) without a cluster'),
    )
      .option('-v, --verbose', 'also print a line for each valid object')
      .option('-q, --quiet', 'print only the problems, no summary')
      .addHelpText(
        'after',
        '\nPrints one line per problem: PATH: Kind namespace/name: dotted.path: "value" message\nExit code 0 when every object is valid, 1 when one is not, 3 when a path does not exist.',
      )
      .action(async (options: ValidateOptions) => exit(await runValidate(options, io)));
  },
};
