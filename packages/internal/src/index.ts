// @sedna-ts/internal: code the sedna-ts packages share, bundled into each of them (never published).

// Private files and folders: 0700 folders, 0600 files, tightened at every start.
export { ensurePrivateDirSync, tightenPrivateFilesSync, logPrivateFileChanges } from './privateFiles.js';
export { PrivateFilesError } from './errors.js';

// Atomic file writes: temp file, fsync, rename, folder fsync.
export { writeFileAtomic, writeFileAtomicSync, writeAtomic, fsyncDir, tempPathFor } from './atomicFile.js';

// One process per data folder: a pid lock file.
export { takePidLockSync, processAlive, PidLockError } from './pidLock.js';

// A second SIGTERM or SIGINT ends the process at once, even with a thread stuck in a file call.
export { exitBySignal } from './exitNow.js';

// Exponential backoff (with optional jitter) and the per-key work queue that retries with it.
export { backoffDelay } from './backoff.js';
export { WorkQueue } from './workQueue.js';

// Equality of JSON values (isDeepStrictEqual on their JSON form).
export { sameJson } from './sameJson.js';
export { seededRandom } from './random.js';

// Text safe for a terminal: control characters other than newline and tab shown as \xNN.
export { printable } from './printable.js';
// The tokens sedna-ts issues (sw1.…, 64 hex digits, Bearer …) replaced, in text and in log records.
export { redactTokens, redactValue, REDACTED } from './redact.js';
// Cuts to a number of UTF-8 bytes that never split a character; each log line of a message capped.
export { capLines, MESSAGE_LINE_BYTES, utf8Head, utf8Tail } from './utf8.js';

// Log levels: SEDNA_LOG_LEVEL (LOG_LEVEL deprecated), the worker SDK's LOG_LEVEL with Python names.
// The pino logger itself: `createLogger` of '@sedna-ts/internal/logger' (pino only where it is used).
export { logLevelFromEnv, parseLogLevel, LOG_LEVEL_DEPRECATION } from './logger.js';

export type { PrivateFileChange, PrivateFilesLogger, PrivateFilesOptions } from './privateFiles.js';
export type { PrivateFilesErrorCode } from './errors.js';
export type { AtomicWriteOptions } from './atomicFile.js';
export type { PidLockErrorCode, PidLockRefusals } from './pidLock.js';
export type { BackoffOptions, BackoffSettings } from './backoff.js';
export type { HandleResult, KeyHandler, WorkQueueOptions } from './workQueue.js';
export type { Logger, LoggerWithChild, LogLevel, LogLevelChoice, LogLevelProfile } from './logger.js';
