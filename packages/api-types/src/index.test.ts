import type { Static } from '@sinclair/typebox';
import * as api from './index.js';
import { decodeFrameContent, encodeFrameContent, type ModelInfo, type ModelInfoSchema } from './index.js';

test('frame content round-trips through base64 JSON as the original encodes it', () => {
  const payload = { numberOfSamples: 3 };
  const content = encodeFrameContent(payload);
  expect(content).toBe(Buffer.from('{"numberOfSamples":3}').toString('base64'));
  expect(decodeFrameContent(content)).toEqual(payload);
});

test('frame content also accepts plain JSON text', () => {
  expect(decodeFrameContent('{"a":1}')).toEqual({ a: 1 });
});

test('the public runtime surface is exactly this list', () => {
  expect(Object.keys(api).sort()).toEqual(
    [
      'ApiTypesError',
      'CloudWorkerSchema',
      'ConditionStatus',
      'DatasetConditionSchema',
      'DatasetConditionType',
      'DatasetSchema',
      'DatasetSpecSchema',
      'DatasetStatusSchema',
      'DeployDecisionSchema',
      'DeployDecisionType',
      'DeployModelSchema',
      'EdgeWorkerSchema',
      'FRAMEWORK_IMAGES',
      'FRAMEWORK_TYPE_ANNOTATION',
      'FRAMEWORK_VERSION_ANNOTATION',
      'FederatedConditionSchema',
      'FederatedConditionType',
      'FederatedJobPhase',
      'FederatedLearningJobSchema',
      'FederatedLearningJobSpecSchema',
      'FederatedLearningJobStatusSchema',
      'HardExampleMiningSchema',
      'HorizontalPodAutoscalerBehaviorSchema',
      'HpaSchema',
      'IncrementalLearningJobSchema',
      'IncrementalLearningJobSpecSchema',
      'IncrementalLearningJobStatusSchema',
      'JobConditionSchema',
      'JobConditionType',
      'JobDatasetSchema',
      'JobStage',
      'JOB_EVENT_PHASE',
      'JointInferenceConditionSchema',
      'JointInferenceConditionType',
      'JointInferenceServiceSchema',
      'JointInferenceServiceSpecSchema',
      'JointInferenceServiceStatusSchema',
      'K8S_ROOTS',
      'K8S_SCHEMA_ID',
      'KnowledgeBaseStatusSchema',
      'LEARNING_JOB_KINDS',
      'LEGACY_API_VERSION',
      'LegacyIncrementalLearningJobSchema',
      'LifelongDecisionSchema',
      'LifelongLearningJobSchema',
      'LifelongLearningJobSpecSchema',
      'LifelongLearningJobStatusSchema',
      'MAX_DOCUMENT_BYTES',
      'MetricSchema',
      'MetricSpecSchema',
      'ModelInfoSchema',
      'ModelSchema',
      'ModelSpecSchema',
      'ModelStatusSchema',
      'NODE_WORKER_IMAGE',
      'ObjectMetaSchema',
      'ObjectReferenceSchema',
      'PYTHON_WORKER_IMAGE',
      'ParaSpecSchema',
      'PodTemplateSpecSchema',
      'SEDNA_API_VERSION',
      'SEDNA_CATEGORY',
      'SEDNA_GROUP',
      'SEDNA_KINDS',
      'SEDNA_VERSION',
      'SednaKind',
      'ServingIndexSchema',
      'TRIGGER_OPERATORS',
      'TimerSchema',
      'TransmitterSchema',
      'TriggerConditionSchema',
      'TriggerSchema',
      'WorkerSpecSchema',
      'buildCustomResourceDefinition',
      'crdToYaml',
      'crdsToYaml',
      'decodeFrameContent',
      'didYouMean',
      'dottedPath',
      'encodeFrameContent',
      'formatIssue',
      'formatValue',
      'getKindInfo',
      'isLegacyObject',
      'k8sDefinitions',
      'normalizeLegacyIncrementalLearningJob',
      'normalizeLegacyObject',
      'parseDocuments',
      'resolveKind',
      'sednaCustomResourceDefinitions',
      'structuralSchemaViolations',
      'toApiTypesError',
      'validateDocument',
      'validateText',
      'workerSpecToPodTemplate',
    ].sort(),
  );
});

test('the status model schema and the wire ModelInfo are the same type', () => {
  // Checked by the compiler (npm run typecheck): each is assignable to the other.
  const fromSchema: Static<typeof ModelInfoSchema> = { format: 'onnx', url: '/m.onnx', metrics: { precision: [0.9, 0.8] } };
  const wire: ModelInfo = fromSchema;
  const back: Static<typeof ModelInfoSchema> = wire;
  expect(back).toBe(fromSchema);
});
