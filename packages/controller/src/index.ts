// The Global Manager.
export { startGlobalManager } from './globalManager.js';
export { main, USAGE } from './main.js';
export { resolveConfig, loadConfigFile, CONFIG_ENV } from './config.js';
export { KUBERNETES_API_ACCESS } from './apiAccess.js';
export { reuseConnections } from './connectionReuse.js';
export { VERSION } from './version.js';

// The job state machine (pure) and the kind policy it is shared through.
export { decide, DEFAULT_DECIDE_OPTIONS, workerGenerateName } from './stateMachine.js';
export { incrementalLearningPolicy, incrementalLearningJobKind } from './kinds/incrementalLearningJob/index.js';
export { BUILT_IN_KINDS } from './kinds/index.js';
export { ConditionReason, conditionData, latestCondition, makeCondition } from './conditions.js';
export { parseManualTrigger, manualTriggerConsumed } from './manualTrigger.js';

// Worker pods.
export { buildWorkerPod, buildWorkerTokenSecret, WORKER_TOKEN_SECRET_KEY, WORKER_TOKEN_LABEL, jobFolder, HOT_UPDATE_MOUNT_PATH, HOT_UPDATE_CONFIG_PATH, HARD_EXAMPLES_MOUNT_PATH, DEFAULT_HOT_UPDATE_ROOT } from './workerPod.js';
export { observePod, describePodFailure } from './observedPod.js';
export { DATA_PATH_PREFIX } from './hostPathMounts.js';
export { DEFAULT_STORAGE_INITIALIZER_IMAGE, DOWNLOADS_PATH } from './workerStorage.js';
export { ROUND_LABEL, ATTEMPT_LABEL, CLEANUP_FINALIZER, TRIGGER_ANNOTATION, workerLabelKeys } from './labels.js';

// The GM-LC protocol and its tokens.
export { PROTOCOL_VERSION, CLOSE_UNSUPPORTED_PROTOCOL, CLOSE_PROTOCOL_ERROR, CLOSE_REPLACED, CLOSE_NOT_LEADER } from './lcServer.js';
export { nodeToken } from '@sedna-ts/api-types/tokens';
export { DEFAULT_TOKEN_AUDIENCE } from './lcAuth.js';

// Errors.
export { ControllerError, toControllerError } from './errors.js';

// Types.
export type { GlobalManager } from './globalManager.js';
export type { MainIo } from './main.js';
export type { GlobalManagerConfig, ResolvedConfig, GmLogger, EnvVariable } from './config.js';
export type { ApiAccess } from './apiAccess.js';
export type { LeaderElectionSettings } from './leaderElection.js';
export type {
  DecideOptions,
  JobWorld,
  JobDecision,
  JobAction,
  WorkerPodRequest,
  PendingReport,
  ReportOutcome,
  JobReportMessage,
} from './stateMachine.js';
export type { JobPolicy, JobKind, KindSettings, LearningJob, LearningJobStatus, StatusOf, DeployMode, WorkerEnvContext } from './jobPolicy.js';
export type { ConditionData, NewCondition } from './conditions.js';
export type { ManualTrigger } from './manualTrigger.js';
export type { LcInfo, WorkerPodContext, WorkerPodSettings } from './workerPod.js';
export type { ObservedPod, WorkerType, PodPhase } from './observedPod.js';
export type { WorkerStorage, UrlUse, Credential, StorageInitializerSettings } from './workerStorage.js';
export type { WorkerLabelKeys } from './labels.js';
export type { ControllerErrorCode } from './errors.js';
