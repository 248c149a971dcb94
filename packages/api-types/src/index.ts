// Group, version, enumerations and limits.
export {
  SEDNA_GROUP,
  SEDNA_VERSION,
  SEDNA_API_VERSION,
  LEGACY_API_VERSION,
  MAX_DOCUMENT_BYTES,
  SednaKind,
  JobStage,
  JobConditionType,
  ConditionStatus,
  JointInferenceConditionType,
  FederatedConditionType,
  FederatedJobPhase,
  DatasetConditionType,
  DeployDecisionType,
  TRIGGER_OPERATORS,
} from './constants.js';

// Kind registry.
export { SEDNA_KINDS, LEARNING_JOB_KINDS, getKindInfo, resolveKind } from './kinds.js';

// Schemas (TypeBox, i.e. JSON Schema objects; the types below are Static<> of them).
export {
  ObjectReferenceSchema,
  ParaSpecSchema,
  MetricSchema,
  HardExampleMiningSchema,
  TimerSchema,
  TriggerConditionSchema,
  TriggerSchema,
  ModelInfoSchema,
  DeployDecisionSchema,
  JobConditionSchema,
} from './schemas/common.js';
export { DatasetSchema, DatasetSpecSchema, DatasetStatusSchema, DatasetConditionSchema } from './schemas/dataset.js';
export { ModelSchema, ModelSpecSchema, ModelStatusSchema } from './schemas/model.js';
export {
  IncrementalLearningJobSchema,
  IncrementalLearningJobSpecSchema,
  IncrementalLearningJobStatusSchema,
  JobDatasetSchema,
  DeployModelSchema,
} from './schemas/incrementalLearningJob.js';
export {
  LifelongLearningJobSchema,
  LifelongLearningJobSpecSchema,
  LifelongLearningJobStatusSchema,
  KnowledgeBaseStatusSchema,
  ServingIndexSchema,
  LifelongDecisionSchema,
} from './schemas/lifelongLearningJob.js';
export {
  JointInferenceServiceSchema,
  JointInferenceServiceSpecSchema,
  JointInferenceServiceStatusSchema,
  JointInferenceConditionSchema,
  EdgeWorkerSchema,
  CloudWorkerSchema,
  HpaSchema,
} from './schemas/jointInferenceService.js';
export {
  FederatedLearningJobSchema,
  FederatedLearningJobSpecSchema,
  FederatedLearningJobStatusSchema,
  FederatedConditionSchema,
  TransmitterSchema,
} from './schemas/federatedLearningJob.js';
export { LegacyIncrementalLearningJobSchema, WorkerSpecSchema } from './schemas/legacy.js';
export {
  K8S_SCHEMA_ID,
  PodTemplateSpecSchema,
  MetricSpecSchema,
  HorizontalPodAutoscalerBehaviorSchema,
  ObjectMetaSchema,
} from './schemas/k8s.js';
export { K8S_ROOTS, k8sDefinitions } from './generated/k8s.js';

// Parsing and validation.
export { parseDocuments } from './parse.js';
export { validateDocument } from './validate.js';
export { validateText } from './validateText.js';
export { formatIssue, formatValue, dottedPath, didYouMean } from './issues.js';
export { ApiTypesError, toApiTypesError } from './errors.js';

// The older (edgeai.io) form.
export {
  isLegacyObject,
  normalizeLegacyIncrementalLearningJob,
  workerSpecToPodTemplate,
  FRAMEWORK_TYPE_ANNOTATION,
  FRAMEWORK_VERSION_ANNOTATION,
} from './legacy.js';
export { normalizeLegacyObject } from './normalize.js';
export { FRAMEWORK_IMAGES, NODE_WORKER_IMAGE, PYTHON_WORKER_IMAGE } from './frameworks.js';

// CustomResourceDefinitions.
export {
  SEDNA_CATEGORY,
  buildCustomResourceDefinition,
  sednaCustomResourceDefinitions,
  crdToYaml,
  crdsToYaml,
} from './crd.js';
export { structuralSchemaViolations } from './structural.js';

// Wire formats between workers, LC and GM.
export { encodeFrameContent, decodeFrameContent, JOB_EVENT_PHASE } from './wire.js';

// Types: objects and their parts.
export type { SednaObject } from './objects.js';
export type { Dataset, DatasetSpec, DatasetStatus, DatasetCondition } from './schemas/dataset.js';
export type { Model, ModelSpec, ModelStatus } from './schemas/model.js';
export type {
  IncrementalLearningJob,
  IncrementalLearningJobSpec,
  IncrementalLearningJobStatus,
  JobDataset,
  DeployModel,
} from './schemas/incrementalLearningJob.js';
export type {
  LifelongLearningJob,
  LifelongLearningJobSpec,
  LifelongLearningJobStatus,
  KnowledgeBaseStatus,
  ServingIndex,
  LifelongDecision,
} from './schemas/lifelongLearningJob.js';
export type {
  JointInferenceService,
  JointInferenceServiceSpec,
  JointInferenceServiceStatus,
  JointInferenceCondition,
  Hpa,
} from './schemas/jointInferenceService.js';
export type {
  FederatedLearningJob,
  FederatedLearningJobSpec,
  FederatedLearningJobStatus,
  FederatedCondition,
  Transmitter,
} from './schemas/federatedLearningJob.js';
export type {
  ObjectReference,
  ParaSpec,
  Metric,
  HardExampleMining,
  Timer,
  TriggerCondition,
  Trigger,
  DeployDecision,
  DeploymentRecord,
  RollbackOutcome,
  JobCondition,
} from './schemas/common.js';
export type { LegacyIncrementalLearningJob, WorkerSpec } from './schemas/legacy.js';
export type {
  PodTemplateSpec,
  PodSpec,
  Container,
  EnvVar,
  Volume,
  VolumeMount,
  HostPathVolumeSource,
  ResourceRequirements,
  ObjectMeta,
  MetricSpec,
  HorizontalPodAutoscalerBehavior,
} from './generated/k8s.js';
export type { TriggerOperator } from './constants.js';
export type { FrameworkType } from './frameworks.js';
export type { KindInfo, PrinterColumn } from './kinds.js';
export type { JsonSchema } from './jsonSchema.js';

// Types: parsing, validation, CRDs.
export type { SourceDocument, ParseResult, ParseOptions } from './parse.js';
export type { ValidateOptions, ValidationResult } from './validate.js';
export type { TextValidation } from './validateText.js';
export type { ValidationIssue, ValidationIssueCode, SourcePosition } from './issues.js';
export type { ApiTypesErrorCode } from './errors.js';
export type { CustomResourceDefinition } from './crd.js';

// Types: wire formats.
export type {
  WorkerKind,
  WorkerReportStatus,
  MetricValue,
  ModelInfo,
  WorkerReport,
  WorkerReportReply,
  FrameOperation,
  FrameHeader,
  LcRequest,
  LcResponse,
  WireFrame,
  CondInput,
  CondOutput,
  IncrementalCondData,
  RollbackData,
  UpstreamJobMessage,
  UpstreamDatasetMessage,
  DatasetEvent,
  JobEvent,
  ModelHotUpdateConfig,
} from './wire.js';
