/**
 * @sedna-ts/storage-initializer: the init container that fetches datasets and models (s3://, obs://,
 * http(s)://, local paths; archives extracted; index files for indirect downloads) into a pod before
 * its workers start, with the original download.py's argument convention.
 */

// The run and the command
export { runInitializer } from './initializer.js';
export { main, helpText, ExitCode } from './cli.js';
export { VERSION } from './version.js';

// One source
export { download } from './download.js';
export { indirectDownload, parseIndexFile } from './indirect.js';
export { parseSourceUri } from './sourceUri.js';
export { extractArchive, archiveKind } from './archive.js';

// Configuration, S3, logs and masking
export { configFromEnv, CONFIG_ENV } from './config.js';
export { createS3Client } from './s3Client.js';
export { createLineLogger } from './logger.js';
export { Redactor } from './redact.js';

// The contract with the GM and the node agent (also at @sedna-ts/storage-initializer/contract)
export {
  STORAGE_INITIALIZER_IMAGE,
  STORAGE_INITIALIZER_CONTAINER_NAME,
  DOWNLOADS_DIR,
  INDIRECT_URL_MARK,
  ENV,
  formatInitializerArgs,
  parseInitializerArgs,
  storageInitializerCommand,
} from './contract.js';

// Errors
export { StorageInitializerError, toStorageInitializerError } from './errors.js';

// Types
export type { InitializerSummary, PairResult } from './initializer.js';
export type { CliIo } from './cli.js';
export type { DownloadOptions } from './context.js';
export type { DownloadResult } from './download.js';
export type { IndexFile, IndirectResult } from './indirect.js';
export type { SourceUri } from './sourceUri.js';
export type { ArchiveKind, ExtractResult } from './archive.js';
export type { InitializerConfig, S3Settings, LogLevel, EnvVariableDoc } from './config.js';
export type { Logger } from './logger.js';
export type { DownloadPair } from './contract.js';
export type { StorageInitializerErrorCode, DownloadStep } from './errors.js';
