// The Global Manager.
export { startGlobalManager } from './gm/globalManager.js';
export { main, USAGE } from './main.js';
export { resolveConfig, loadConfigFile, CONFIG_ENV } from './config.js';
export { KUBERNETES_API_ACCESS } from './apiAccess.js';
export { reuseConnections } from './kube/connectionReuse.js';
export { VERSION } from './version.js';

// The job state machine (pure) and the kind policy it is shared through.
export { decide, DEFAULT_DECIDE_OPTIONS, workerGenerateName } from './jobs/stateMachine.js';
export { incrementalLearningPolicy, incrementalLearningJobKind } from './kinds/incrementalLearningJob/index.js';
export { BUILT_IN_KINDS } from './kinds/index.js';
export { ConditionReason, conditionData, latestCondition, makeCondition } from './jobs/conditions.js';
export { parseManualTrigger, manualTriggerConsumed } from './jobs/manualTrigger.js';

// Worker pods.
export { buildWorkerPod, buildWorkerTokenSecret, WORKER_TOKEN_SECRET_KEY, WORKER_TOKEN_LABEL, jobFolder, HOT_UPDATE_MOUNT_PATH, HOT_UPDATE_CONFIG_PATH, HARD_EXAMPLES_MOUNT_PATH, DEFAULT_HOT_UPDATE_ROOT } from './jobs/workerPod.js';
export { observePod, describePodFailure } from './jobs/observedPod.js';
export { DATA_PATH_PREFIX } from './jobs/hostPathMounts.js';
export { DEFAULT_STORAGE_INITIALIZER_IMAGE, DOWNLOADS_PATH } from './jobs/workerStorage.js';
export { ROUND_LABEL, ATTEMPT_LABEL, CLEANUP_FINALIZER, TRIGGER_ANNOTATION, workerLabelKeys } from './jobs/labels.js';

// The GM-LC protocol and its tokens.
export { PROTOCOL_VERSION, CLOSE_UNSUPPORTED_PROTOCOL, CLOSE_PROTOCOL_ERROR, CLOSE_REPLACED, CLOSE_NOT_LEADER } from './lc/lcServer.js';
export { nodeToken } from '@sedna-ts/api-types/tokens';
export { DEFAULT_TOKEN_AUDIENCE } from './lc/lcAuth.js';

// Errors.
export { ControllerError, toControllerError } from './errors.js';

// Types.
export type { GlobalManager } from './gm/globalManager.js';
export type { MainIo } from './main.js';
export type { GlobalManagerConfig, ResolvedConfig, GmLogger, EnvVariable } from './config.js';
export type { ApiAccess } from './apiAccess.js';
export type { LeaderElectionSettings } from './gm/leaderElection.js';
export type {
  DecideOptions,
  JobWorld,
  JobDecision,
  JobAction,
  WorkerPodRequest,
  PendingReport,
  ReportOutcome,
  JobReportMessage,
} from './jobs/stateMachine.js';
export type { JobPolicy, JobKind, KindSettings, LearningJob, LearningJobStatus, StatusOf, DeployMode, WorkerEnvContext } from './jobs/jobPolicy.js';
export type { ConditionData, NewCondition } from './jobs/conditions.js';
export type { ManualTrigger } from './jobs/manualTrigger.js';
export type { LcInfo, WorkerPodContext, WorkerPodSettings } from './jobs/workerPod.js';
export type { ObservedPod, WorkerType, PodPhase } from './jobs/observedPod.js';
export type { WorkerStorage, UrlUse, Credential, StorageInitializerSettings } from './jobs/workerStorage.js';
export type { WorkerLabelKeys } from './jobs/labels.js';
export type { ControllerErrorCode } from './errors.js';
