/** FederatedLearningJob: training workers on several nodes and an aggregation worker. */
import { Type, type Static } from '@sinclair/typebox';
import { ConditionStatus, FederatedConditionType, FederatedJobPhase, SednaKind } from '../constants.js';
import { ObjectName, StringEnum, Timestamp } from './helpers.js';
import { ObjectReferenceSchema, RoundSchema, Strict, SednaObjectSchema } from './common.js';
import { PodTemplateSpecSchema } from './k8s.js';

/** How training workers and the aggregator exchange weights. */
export const TransmitterSchema = Strict({
  ws: Type.Optional(Strict({}, { description: 'WebSocket to the aggregation worker (the default)' })),
  s3: Type.Optional(
    Strict({
      aggDataPath: Type.String({ minLength: 1, description: 's3:// folder for the exchanged data' }),
      credentialName: Type.Optional(ObjectName()),
    }),
  ),
});

/** Spec of a FederatedLearningJob. */
export const FederatedLearningJobSpecSchema = Strict({
  aggregationWorker: Strict({ model: ObjectReferenceSchema, template: PodTemplateSpecSchema }),
  trainingWorkers: Type.Array(Strict({ dataset: ObjectReferenceSchema, template: PodTemplateSpecSchema }), { minItems: 1 }),
  pretrainedModel: Type.Optional(ObjectReferenceSchema),
  transmitter: Type.Optional(TransmitterSchema),
});

/** One condition of a FederatedLearningJob. */
export const FederatedConditionSchema = Type.Object({
  type: StringEnum(Object.values(FederatedConditionType)),
  status: StringEnum(Object.values(ConditionStatus)),
  lastHeartbeatTime: Type.Optional(Timestamp()),
  lastProbeTime: Type.Optional(Timestamp()),
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});

/** Status of a FederatedLearningJob. */
export const FederatedLearningJobStatusSchema = Type.Object({
  conditions: Type.Optional(Type.Array(FederatedConditionSchema)),
  startTime: Type.Optional(Timestamp()),
  completionTime: Type.Optional(Timestamp()),
  active: Type.Optional(Type.Integer({ format: 'int32' })),
  succeeded: Type.Optional(Type.Integer({ format: 'int32' })),
  failed: Type.Optional(Type.Integer({ format: 'int32' })),
  phase: Type.Optional(StringEnum(Object.values(FederatedJobPhase))),
  round: Type.Optional(RoundSchema),
});

/** A FederatedLearningJob object. */
export const FederatedLearningJobSchema = SednaObjectSchema(SednaKind.FederatedLearningJob, FederatedLearningJobSpecSchema, FederatedLearningJobStatusSchema);

/** Weight exchange of a federated job. */
export type Transmitter = Static<typeof TransmitterSchema>;
/** Spec of a FederatedLearningJob. */
export type FederatedLearningJobSpec = Static<typeof FederatedLearningJobSpecSchema>;
/** One condition of a FederatedLearningJob. */
export type FederatedCondition = Static<typeof FederatedConditionSchema>;
/** Status of a FederatedLearningJob. */
export type FederatedLearningJobStatus = Static<typeof FederatedLearningJobStatusSchema>;
/** A FederatedLearningJob object. */
export type FederatedLearningJob = Static<typeof FederatedLearningJobSchema>;
