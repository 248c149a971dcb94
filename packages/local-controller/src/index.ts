// The Local Controller.
export { startLocalController } from './localController.js';
export { resolveConfig, configFromEnv, settingsFromEnv, CONFIG_ENV } from './config.js';
export { runLocalController } from './main.js';
export { VERSION } from './version.js';

// Kinds of learning job (plug-ins): the built-in list and the IncrementalLearningJob kind.
export { BUILT_IN_LC_KINDS } from './kinds/index.js';
export { incrementalLearningJobLcKind } from './kinds/incrementalLearningJob.js';
// For a kind's manager: the upstream frame of a job report, and the routing of a worker report by the condition naming its pod.
export { jobFrame } from './context.js';
export { routeReport } from './workers/workerReport.js';

// Files other parts of sedna-ts share with the LC (folders, mounts: @sedna-ts/api-types/contract; worker tokens: /tokens).
export { publishModel } from './workers/hotUpdate.js';
export { readHardExampleIndex, HARD_EXAMPLE_INDEX } from './workers/hardExampleStore.js';
export { PROTOCOL_VERSION } from './gm/gmClient.js';

// Pure parts: triggers and the deploy gate.
export { evaluateTrigger, evaluateCondition, resolveMetric, timerInRange, timeOfDay, compare, EQUALITY_EPSILON } from './jobs/trigger.js';
export { comparedMetrics, decideDeploy } from './jobs/deployGate.js';

// Dataset indexes.
export { DatasetMonitor } from './datasets/datasetMonitor.js';
export { readIndex, START_CURSOR } from './datasets/indexReader.js';

// Errors.
export { LocalControllerError, toLocalControllerError } from './errors.js';

// Types.
export type { LcJob, LcJobKind, LcJobManager, LcJobManagerOptions } from './jobs/jobKind.js';
export type { ReportRouting } from './workers/workerReport.js';
export type { LocalController } from './localController.js';
export type { LocalControllerConfig, ResolvedConfig, HardExampleBudget, DeniedRoot, EnvVariable } from './config.js';
export type { LcLogger } from './logger.js';
export type { LcHello, GmHello } from './gm/gmClient.js';
export type { HardExample } from './workers/hardExampleStore.js';
export type { PublishedModel } from './workers/hotUpdate.js';
export type { MetricMap, ConditionResult, ResolvedMetric, TriggerResult } from './jobs/trigger.js';
export type { GateInput, GateOutcome } from './jobs/deployGate.js';
export type { DatasetChange, DatasetMonitorOptions, IndexAccess } from './datasets/datasetMonitor.js';
export type { IndexCursor, IndexFormat, IndexRead, ReadIndexOptions, IndexOpener, OpenedIndex, RefusedIndex } from './datasets/indexReader.js';
export type { LocalControllerErrorCode } from './errors.js';
