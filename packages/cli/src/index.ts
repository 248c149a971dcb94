// Running the command.
export { main, createProgram } from './program.js';
export { COMMANDS } from './commands/index.js';
export { processIo } from './io.js';
export { VERSION } from './version.js';

// Verbs, callable without the command line.
export { runValidate, formatIssueLine, validateCommand } from './commands/validate.js';
export { runCrds, crdsCommand } from './commands/crds.js';

// Inputs.
export { readInputs, MANIFEST_EXTENSIONS, STDIN_NAME } from './inputs.js';

// Exit codes and errors.
export { ExitCode } from './exitCodes.js';
export { CliError, toCliError } from './errors.js';

// Types.
export type { CliIo } from './io.js';
export type { CommandModule } from './command.js';
export type { InputFile, ReadInputsOptions } from './inputs.js';
export type { ValidateOptions } from './commands/validate.js';
export type { CrdsOptions } from './commands/crds.js';
export type { CliErrorCode } from './errors.js';
