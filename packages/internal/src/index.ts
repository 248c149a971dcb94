// @sedna-ts/internal: code the sedna-ts packages share, bundled into each of them (never published).

// Private files and folders: 0700 folders, 0600 files, tightened at every start.
export { ensurePrivateDirSync, tightenPrivateFilesSync, logPrivateFileChanges } from './privateFiles.js';
export { PrivateFilesError } from './errors.js';
export type { PrivateFileChange, PrivateFilesLogger, PrivateFilesOptions } from './privateFiles.js';
export type { PrivateFilesErrorCode } from './errors.js';
