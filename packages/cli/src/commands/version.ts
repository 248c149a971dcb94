/** `sedna version [--client] [-o json|yaml]`: this command's version and the API server's, as kubectl prints them. */
import type { Command } from 'commander';
import type { CommandModule } from '../command.js';
import { CliError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import type { CliIo } from '../io.js';
import { toYaml } from '../printers.js';
import type { ServerOptions } from '../server.js';
import { withSession } from '../session.js';
import { VERSION } from '../version.js';

/** Options of `sedna version`. */
export interface VersionOptions extends ServerOptions {
  /** Only this command's version: no server is asked. */
  client?: boolean;
  output?: string;
}

/** The API server's `/version` answer (what kubectl shows as Server Version). */
interface ServerVersion {
  gitVersion?: string;
  major?: string;
  minor?: string;
  platform?: string;
  [key: string]: unknown;
}

/** Runs `sedna version`; resolves to the exit code. */
export async function runVersion(options: VersionOptions, io: CliIo): Promise<ExitCode> {
  const output = options.output;
  if (output !== undefined && output !== 'json' && output !== 'yaml') throw new CliError('USAGE', `--output ${JSON.stringify(output)}: expected json or yaml`);
  const clientVersion = { sednaVersion: VERSION, nodeVersion: process.version, platform: `${process.platform}/${process.arch}` };
  const print = (value: { clientVersion: typeof clientVersion; serverVersion?: ServerVersion }) => {
    if (output === 'json') io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    else if (output === 'yaml') io.stdout.write(toYaml(value));
    else {
      io.stdout.write(`Client Version: ${VERSION}\n`);
      if (value.serverVersion) io.stdout.write(`Server Version: ${value.serverVersion.gitVersion ?? `${value.serverVersion.major}.${value.serverVersion.minor}`}\n`);
    }
  };
  if (options.client) {
    print({ clientVersion });
    return ExitCode.Ok;
  }
  try {
    const serverVersion = await withSession(options, io, (session) => session.client.get<ServerVersion>('/version'));
    print({ clientVersion, serverVersion });
  } catch (error) {
    // As kubectl: the client's version is printed all the same, then why the server's is not.
    if (output === undefined) io.stdout.write(`Client Version: ${VERSION}\n`);
    throw error;
  }
  return ExitCode.Ok;
}

/** The `version` verb. */
export const versionCommand: CommandModule = {
  name: 'version',
  register(program, io, exit) {
    program
      .command('version')
      .description("print this command's version and the API server's")
      .option('--client', "only this command's version (no server is asked)")
      .option('-o, --output <format>', 'json or yaml')
      .action(async (_o: VersionOptions, cmd: Command) => exit(await runVersion(cmd.optsWithGlobals<VersionOptions>(), io)));
  },
};
