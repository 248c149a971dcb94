// @sedna-ts/knowledge-base: the lifelong-learning knowledge base service (one JSON task index per job,
// its versions and the job's files, behind worker tokens), as a library and as `sedna-kb`.

// The service
export { startKnowledgeBase, downloadPath, PICKLE_REFUSED } from './server.js';

// The executable and its configuration
export { main, USAGE } from './main.js';
export { configFromEnv, CONFIG_ENV } from './config.js';

// Who a request speaks for
export { authenticate, KB_JOB_KIND } from './auth.js';

// Errors
export { KnowledgeBaseError, toKnowledgeBaseError } from './errors.js';

// The layout of the data folder
export { JOBS_DIR, HISTORY_DIR, FILES_DIR, versionFileName } from './store.js';

export { VERSION } from './version.js';

export type { KnowledgeBaseOptions, RunningKnowledgeBase } from './server.js';
export type { MainIo } from './main.js';
export type { KbConfig, KbEnvVariable } from './config.js';
export type { JobIdentity } from './auth.js';
export type { KnowledgeBaseErrorCode } from './errors.js';
export type { KbLogger } from './logger.js';
