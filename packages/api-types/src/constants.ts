/**
 * API group, version, and the enumerations of the Sedna resources: stages, condition types, statuses,
 * trigger operators and deploy decisions. Each enumeration is a frozen object of its values plus a type
 * of the same name, so both `JobStage.Train` and the literal `'Train'` are a `JobStage`.
 */

/** API group of every Sedna kind. */
export const SEDNA_GROUP = 'sedna.io';
/** Version of every Sedna kind. */
export const SEDNA_VERSION = 'v1alpha1';
/** `apiVersion` of every Sedna object. */
export const SEDNA_API_VERSION = 'sedna.io/v1alpha1';
/** `apiVersion` of the older form in the seeds (`workerSpec` instead of pod templates), accepted by the CLI. */
export const LEGACY_API_VERSION = 'edgeai.io/v1alpha1';
/** Largest accepted document, as the Kubernetes API server's request body limit (3 MiB). */
export const MAX_DOCUMENT_BYTES = 3 * 1024 * 1024;

/** The six Sedna kinds. */
export const SednaKind = {
  Dataset: 'Dataset',
  Model: 'Model',
  IncrementalLearningJob: 'IncrementalLearningJob',
  LifelongLearningJob: 'LifelongLearningJob',
  JointInferenceService: 'JointInferenceService',
  FederatedLearningJob: 'FederatedLearningJob',
} as const;
/** One of the six Sedna kinds. */
export type SednaKind = (typeof SednaKind)[keyof typeof SednaKind];

/** Stages of an incremental or lifelong learning round, in order. */
export const JobStage = { Train: 'Train', Eval: 'Eval', Deploy: 'Deploy' } as const;
/** A stage of an incremental or lifelong learning round. */
export type JobStage = (typeof JobStage)[keyof typeof JobStage];

/** State of a stage (the `type` of an incremental or lifelong learning job condition). */
export const JobConditionType = {
  Waiting: 'Waiting',
  Ready: 'Ready',
  Starting: 'Starting',
  Running: 'Running',
  Completed: 'Completed',
  Failed: 'Failed',
} as const;
/** State of a stage (the `type` of an incremental or lifelong learning job condition). */
export type JobConditionType = (typeof JobConditionType)[keyof typeof JobConditionType];

/** `status` of a condition, as Kubernetes' ConditionStatus. */
export const ConditionStatus = { True: 'True', False: 'False', Unknown: 'Unknown' } as const;
/** `status` of a condition, as Kubernetes' ConditionStatus. */
export type ConditionStatus = (typeof ConditionStatus)[keyof typeof ConditionStatus];

/** `type` of a JointInferenceService condition. */
export const JointInferenceConditionType = { Pending: 'Pending', Running: 'Running', Failed: 'Failed' } as const;
/** `type` of a JointInferenceService condition. */
export type JointInferenceConditionType = (typeof JointInferenceConditionType)[keyof typeof JointInferenceConditionType];

/** `type` of a FederatedLearningJob condition. */
export const FederatedConditionType = { Training: 'Training', Complete: 'Complete', Failed: 'Failed' } as const;
/** `type` of a FederatedLearningJob condition. */
export type FederatedConditionType = (typeof FederatedConditionType)[keyof typeof FederatedConditionType];

/**
 * `type` of a Dataset condition. `IndexReadable`: whether the LC of the dataset's node may read
 * `spec.url` (`False` with reason `PathNotAllowed` when it resolves outside the folders it may read).
 */
export const DatasetConditionType = { IndexReadable: 'IndexReadable' } as const;
/** `type` of a Dataset condition. */
export type DatasetConditionType = (typeof DatasetConditionType)[keyof typeof DatasetConditionType];

/** `status.phase` of a FederatedLearningJob. */
export const FederatedJobPhase = { Pending: 'Pending', Running: 'Running', Succeeded: 'Succeeded', Failed: 'Failed' } as const;
/** `status.phase` of a FederatedLearningJob. */
export type FederatedJobPhase = (typeof FederatedJobPhase)[keyof typeof FederatedJobPhase];

/** Verdict of the deploy gate (`status.lastDecision.decision`). `ManualDeploy`: `sedna trigger deploy` bypassed the gate. */
export const DeployDecisionType = { Deploy: 'Deploy', Keep: 'Keep', ManualDeploy: 'ManualDeploy', Rollback: 'Rollback' } as const;
/** Verdict of the deploy gate (`status.lastDecision.decision`). */
export type DeployDecisionType = (typeof DeployDecisionType)[keyof typeof DeployDecisionType];

/**
 * Operators of a trigger condition: the seed's list plus `ne` and `!=`, which the original's trigger
 * code also understands. Word and symbol forms are synonyms (`gt` = `>`, `eq` = `=` = `==`).
 */
export const TRIGGER_OPERATORS = ['>=', '>', '=', '==', '<=', '<', 'ge', 'gt', 'eq', 'le', 'lt', 'ne', '!='] as const;
/** An operator of a trigger condition. */
export type TriggerOperator = (typeof TRIGGER_OPERATORS)[number];
