/** `sedna validate -f PATH...`: check Sedna objects without a cluster. */
import { formatIssue, validateText, type SednaObject, type ValidationIssue } from '@sedna-ts/api-types';
import type { CommandModule } from '../command.js';
import { CliError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import type { CliIo } from '../io.js';
import { readInputs } from '../inputs.js';

/** Options of `sedna validate`. */
export interface ValidateOptions {
  filename: string[];
  recursive?: boolean;
  verbose?: boolean;
  quiet?: boolean;
}

/** `PATH: Kind namespace/name: dotted.path: "value" message`, or `PATH:line:col: message` for a problem of the text. */
export function formatIssueLine(path: string, issue: ValidationIssue): string {
  if ((issue.code === 'syntax' || issue.code === 'too-large') && issue.position) {
    return `${path}:${issue.position.line}:${issue.position.col}: ${issue.message}`;
  }
  return `${path}: ${formatIssue(issue)}`;
}

function describeObject(o: SednaObject): string {
  return `${o.kind} ${o.metadata.namespace ?? 'default'}/${o.metadata.name ?? `${o.metadata.generateName ?? ''}*`}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Runs `sedna validate`; resolves to the exit code. */
export async function runValidate(options: ValidateOptions, io: CliIo): Promise<ExitCode> {
  if (options.filename.length === 0) throw new CliError('USAGE', 'validate needs at least one -f PATH (a file, a folder, or - for stdin)');
  const files = await readInputs(options.filename, io, { recursive: options.recursive === true });
  let count = 0;
  let valid = 0;
  for (const file of files) {
    const result = validateText(file.text);
    count += result.count;
    valid += result.objects.length;
    for (const issue of result.issues) io.stdout.write(`${formatIssueLine(file.path, issue)}\n`);
    if (options.verbose) {
      for (const o of result.objects) {
        const note = result.legacy.includes(o) ? ' (older edgeai.io form, normalised)' : '';
        io.stdout.write(`${file.path}: ${describeObject(o)}: valid${note}\n`);
      }
    }
  }
  if (count === 0) throw new CliError('INVALID_INPUT', `no objects in ${options.filename.join(', ')}`);
  if (!options.quiet) {
    const where = plural(files.length, 'file');
    io.stderr.write(
      valid === count ? `${plural(count, 'object')} in ${where}: all valid\n` : `${plural(count, 'object')} in ${where}: ${count - valid} invalid\n`,
    );
  }
  return valid === count ? ExitCode.Ok : ExitCode.Invalid;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** The `validate` verb. */
export const validateCommand: CommandModule = {
  name: 'validate',
  register(program, io, exit) {
    program
      .command('validate')
      .description('check Sedna objects (YAML or JSON, sedna.io or the older edgeai.io form) without a cluster')
      .option('-f, --filename <path>', 'a file, a folder of *.yaml/*.yml/*.json, or - for stdin (repeatable)', collect, [])
      .option('-R, --recursive', 'also read the sub-folders of a folder')
      .option('-v, --verbose', 'also print a line for each valid object')
      .option('-q, --quiet', 'print only the problems, no summary')
      .addHelpText(
        'after',
        '\nPrints one line per problem: PATH: Kind namespace/name: dotted.path: "value" message\nExit code 0 when every object is valid, 1 when one is not, 3 when a path does not exist.',
      )
      .action(async (options: ValidateOptions) => exit(await runValidate(options, io)));
  },
};
