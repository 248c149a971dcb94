// Configuration and parameters.
export { BaseConfig, SednaConfig } from './config.js';
export { Context, SednaContext } from './context.js';

// Registry.
export { ClassFactory, ClassType } from './classFactory.js';

// Data sources.
export { BaseDataSource, TxtDataParse, CSVDataParse, writeFileAtomic } from './dataSource.js';

// Jobs.
export { JobBase, resolvePostProcess } from './jobBase.js';
export { IncrementalLearning } from './incrementalLearning.js';
export { LifelongLearning } from './lifelongLearning.js';

// Lifelong-learning modules (registered in ClassFactory at import) and the knowledge base.
export {
  TaskDefinitionByDataAttr,
  TaskDefinitionByOrigin,
  DefaultTaskRelationDiscover,
  TaskAllocationByDataAttr,
  TaskAllocationByOrigin,
  TaskAllocationDefault,
  DefaultTaskRemodeling,
  DefaultInferenceIntegrate,
  parseModuleParam,
  keyPart,
} from './lifelongTasks.js';
export {
  SampleRecognitionByAttribute,
  SampleRecognitionByConfidence,
  SampleReRecognitionDefault,
  TaskAttrFilter,
  ModelProbeFilter,
  confidenceOf,
} from './unseenRecognition.js';
export { UpdateStrategyDefault, UpdateStrategyByFinetune, DROP_OPERATORS, dropOperatorOf, dropReason, removeTaskGroup } from './taskUpdate.js';
export { KBClient } from './kbClient.js';

// Local Controller client.
export { LCClient } from './lcClient.js';

// Models and hot update.
export { describeModel, describeSavedFiles, formatOfModel, sha256File, stripDataPathPrefix } from './modelFiles.js';
export { readHotUpdateConfig, resolveAnnouncedPath, HOT_UPDATE_MOUNT } from './hotUpdate.js';

// Logging.
export { createConsoleLogger } from './logger.js';

// Errors.
export { WorkerSdkError, toWorkerSdkError } from './errors.js';

// Types.
export type { EnvSource, ConfigOverrides, ReportDestination } from './config.js';
export type { AlgorithmParameters, AlgorithmSpec } from './context.js';
export type { ClassTypeValue, Registrable, RegisterOptions } from './classFactory.js';
export type {
  DataType,
  LineContext,
  ProcessFunc,
  TxtRecord,
  SamplePath,
  RejectedLine,
  TxtParseOptions,
  CsvRow,
  CsvProcessFunc,
  CsvParseOptions,
} from './dataSource.js';
export type { JobBaseOptions, PostProcess } from './jobBase.js';
export type { InferenceMetrics } from './inferenceMetrics.js';
export type {
  IncrementalLearningOptions,
  TrainOptions,
  EvaluateOptions,
  InferenceOptions,
  ModelUpdateEvent,
  InferenceStats,
} from './incrementalLearning.js';
export type {
  LifelongLearningOptions,
  LifelongTrainOptions,
  LifelongEvaluateOptions,
  ModuleChoice,
  InferenceTask,
  LifelongInferenceResult,
  LifelongInferenceStats,
} from './lifelongLearning.js';
export type {
  ModuleSpec,
  LlTask,
  LlTaskGroup,
  Allocation,
  TaskDefinition,
  TaskRelationDiscover,
  TaskAllocation,
  RemodeledSlice,
  TaskRemodeling,
  InferenceIntegrate,
} from './lifelongTasks.js';
export type { LifelongMetrics, MetricFunction } from './lifelongMetrics.js';
export type { UnseenVerdict, UnseenSampleRecognition } from './unseenRecognition.js';
export type { TaskUpdatePlan, TaskUpdateDecision, DropOperator } from './taskUpdate.js';
export type { KBClientOptions } from './kbClient.js';
export type { DeliveryMode, DeliveryOutcome, LCClientOptions, RetryPolicy } from './lcClient.js';
export type { AnnouncedModel } from './hotUpdate.js';
export type { RawImage, SavedHardExample } from './hardExamples.js';
export type { Logger } from './logger.js';
export type { WorkerSdkErrorCode } from './errors.js';
export type {
  DataSource,
  SavedModelFile,
  Metrics,
  EstimatorOptions,
  Estimator,
  EstimatorClass,
  EstimatorFactory,
  EstimatorSource,
} from './estimator.js';
export type { HardExampleFilter, HardExampleFilterClass, HemParameters } from '@sedna-ts/hard-example-mining';
export type { ModelInfo, WorkerReport, ModelHotUpdateConfig } from '@sedna-ts/api-types';
