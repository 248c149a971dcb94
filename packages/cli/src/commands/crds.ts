/** `sedna crds`: print the CustomResourceDefinitions, ready for `kubectl apply -f -`. */
import { crdsToYaml, sednaCustomResourceDefinitions } from '@sedna-ts/api-types';
import type { CommandModule } from '../command.js';
import { CliError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import type { CliIo } from '../io.js';

/** Options of `sedna crds`. */
export interface CrdsOptions {
  output: string;
}

/** Runs `sedna crds`; resolves to the exit code. */
export function runCrds(options: CrdsOptions, io: CliIo): ExitCode {
  if (options.output === 'yaml') {
    io.stdout.write(crdsToYaml());
  } else if (options.output === 'json') {
    const list = { apiVersion: 'v1', kind: 'List', items: sednaCustomResourceDefinitions() };
    io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
  } else {
    throw new CliError('USAGE', `--output ${JSON.stringify(options.output)}: expected yaml or json`);
  }
  return ExitCode.Ok;
}

/** The `crds` verb. */
export const crdsCommand: CommandModule = {
  name: 'crds',
  register(program, io, exit) {
    program
      .command('crds')
      .description('print the CustomResourceDefinitions of the Sedna kinds (kubectl apply -f -)')
      .option('-o, --output <format>', 'yaml or json (a v1 List)', 'yaml')
      .action((options: CrdsOptions) => exit(runCrds(options, io)));
  },
};
