// The Local Controller.
export { startLocalController } from './localController.js';
export { resolveConfig, configFromEnv, CONFIG_ENV } from './config.js';
export { runLocalController } from './main.js';
export { VERSION } from './version.js';

// Files other parts of sedna-ts share with the LC (folders, mounts: @sedna-ts/api-types/contract; worker tokens: /tokens).
export { publishModel } from './hotUpdate.js';
export { readHardExampleIndex, HARD_EXAMPLE_INDEX } from './hardExampleStore.js';
export { PROTOCOL_VERSION } from './gmClient.js';

// Pure parts: triggers and the deploy gate.
export { evaluateTrigger, evaluateCondition, resolveMetric, timerInRange, timeOfDay, compare, EQUALITY_EPSILON } from './trigger.js';
export { comparedMetrics, decideDeploy } from './deployGate.js';

// Dataset indexes.
export { DatasetMonitor } from './datasetMonitor.js';
export { readIndex, START_CURSOR } from './indexReader.js';

// Errors.
export { LocalControllerError, toLocalControllerError } from './errors.js';

// Types.
export type { LocalController } from './localController.js';
export type { LocalControllerConfig, ResolvedConfig, HardExampleBudget, DeniedRoot, EnvVariable } from './config.js';
export type { LcLogger } from './logger.js';
export type { LcHello, GmHello } from './gmClient.js';
export type { HardExample } from './hardExampleStore.js';
export type { PublishedModel } from './hotUpdate.js';
export type { MetricMap, ConditionResult, ResolvedMetric, TriggerResult } from './trigger.js';
export type { GateInput, GateOutcome } from './deployGate.js';
export type { DatasetChange, DatasetMonitorOptions, IndexAccess } from './datasetMonitor.js';
export type { IndexCursor, IndexFormat, IndexRead, ReadIndexOptions, IndexOpener, OpenedIndex, RefusedIndex } from './indexReader.js';
export type { LocalControllerErrorCode } from './errors.js';
