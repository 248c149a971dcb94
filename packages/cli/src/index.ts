// Running the command.
export { main, createProgram } from './program.js';
export { COMMANDS } from './commands/index.js';
export { processIo } from './io.js';
export { VERSION } from './version.js';

// Verbs, callable without the command line.
export { runApply, applyCommand } from './commands/apply.js';
export { runGet, getCommand, TABLE_ACCEPT } from './commands/get.js';
export { runDescribe, describeCommand } from './commands/describe.js';
export { runDelete, deleteCommand } from './commands/delete.js';
export { runTrigger, triggerCommand, triggerOutlook, TRIGGER_ANNOTATION, TRIGGER_STAGES } from './commands/trigger.js';
export { runLogs, logsCommand } from './commands/logs.js';
export { runValidate, validateCommand } from './commands/validate.js';
export { runCrds, crdsCommand } from './commands/crds.js';

// Talking to an API server.
export { KubeClient, loadKubeConfig } from './client.js';
export { Discovery, apiVersionOf, displayKind, collectionPath, objectPath } from './discovery.js';
export { resolveServer, resolveDataDir, DEFAULT_NODE_NAME } from './server.js';
export { registerCrds } from './up/crdRegistration.js';

// Running Sedna on one machine: the verb, and what @sedna-ts/up (loaded by `sedna up`) shares with the CLI.
export { runUp, upCommand, readyMessage } from './commands/up.js';
export { loadSednaUp, UP_PACKAGE, UP_INSTALL_COMMAND } from './upPackage.js';
export { DATA_DIR_FILES, LOGS_DIR } from './up/upState.js';
export { looksLikeSednaUp, UP_LOCK_FILE } from './server.js';
export { clock } from './up/upEvents.js';

// Inputs.
export { readInputs, MANIFEST_EXTENSIONS, STDIN_NAME } from './inputs.js';
export { readManifests, isSednaDocument, formatIssueLine } from './manifests.js';

// Exit codes and errors.
export { ExitCode } from './exitCodes.js';
export { CliError, toCliError } from './errors.js';

// Types.
export type { CliIo } from './io.js';
export type { CommandModule } from './command.js';
export type { InputFile, ReadInputsOptions } from './inputs.js';
export type { Manifest, ManifestSet } from './manifests.js';
export type { ApplyOptions } from './commands/apply.js';
export type { GetOptions } from './commands/get.js';
export type { DescribeOptions } from './commands/describe.js';
export type { DeleteOptions } from './commands/delete.js';
export type { TriggerOptions, TriggerStage } from './commands/trigger.js';
export type { LogsOptions } from './commands/logs.js';
export type { ValidateOptions } from './commands/validate.js';
export type { CrdsOptions } from './commands/crds.js';
export type { Query, RequestOptions } from './client.js';
export type { ApiResource } from './discovery.js';
export type { ServerOptions, ServerTarget, DataDir, DataDirOrigin } from './server.js';
export type { CrdRegistration } from './up/crdRegistration.js';
export type { UpOptions } from './commands/up.js';
export type { StartSednaOptions, RunningSedna, SednaUpPackage } from './upPackage.js';
export type { SednaEndpoint } from './up/upState.js';
export type { CliErrorCode } from './errors.js';
