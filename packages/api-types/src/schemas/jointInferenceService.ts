/** JointInferenceService: a small model on the edge that sends hard examples to a big model in the cloud. */
import { Type, type Static } from '@sinclair/typebox';
import { ConditionStatus, JointInferenceConditionType, SednaKind } from '../constants.js';
import { StringEnum, Timestamp } from './helpers.js';
import { HardExampleMiningSchema, MetricSchema, ObjectReferenceSchema, Strict, SednaObjectSchema } from './common.js';
import { HorizontalPodAutoscalerBehaviorSchema, MetricSpecSchema, PodTemplateSpecSchema } from './k8s.js';

/** Horizontal autoscaling of a worker's Deployment (an autoscaling/v2 HorizontalPodAutoscaler is made from it). */
export const HpaSchema = Strict({
  minReplicas: Type.Optional(Type.Integer({ minimum: 1, format: 'int32' })),
  maxReplicas: Type.Integer({ minimum: 1, format: 'int32' }),
  metrics: Type.Optional(Type.Array(MetricSpecSchema)),
  behavior: Type.Optional(HorizontalPodAutoscalerBehaviorSchema),
});

/** The edge worker of a JointInferenceService. */
export const EdgeWorkerSchema = Strict({
  model: ObjectReferenceSchema,
  hardExampleMining: HardExampleMiningSchema,
  template: PodTemplateSpecSchema,
  hpa: Type.Optional(HpaSchema),
});

/** The cloud worker of a JointInferenceService. */
export const CloudWorkerSchema = Strict({
  model: ObjectReferenceSchema,
  template: PodTemplateSpecSchema,
  hpa: Type.Optional(HpaSchema),
});

/** Spec of a JointInferenceService. */
export const JointInferenceServiceSpecSchema = Strict({ edgeWorker: EdgeWorkerSchema, cloudWorker: CloudWorkerSchema });

/** One condition of a JointInferenceService. */
export const JointInferenceConditionSchema = Type.Object({
  type: StringEnum(Object.values(JointInferenceConditionType)),
  status: StringEnum(Object.values(ConditionStatus)),
  lastHeartbeatTime: Type.Optional(Timestamp()),
  lastTransitionTime: Type.Optional(Timestamp()),
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});

/** Status of a JointInferenceService. */
export const JointInferenceServiceStatusSchema = Type.Object({
  conditions: Type.Optional(Type.Array(JointInferenceConditionSchema)),
  startTime: Type.Optional(Timestamp()),
  active: Type.Optional(Type.Integer({ format: 'int32' })),
  failed: Type.Optional(Type.Integer({ format: 'int32' })),
  metrics: Type.Optional(Type.Array(MetricSchema)),
});

/** A JointInferenceService object. */
export const JointInferenceServiceSchema = SednaObjectSchema(SednaKind.JointInferenceService, JointInferenceServiceSpecSchema, JointInferenceServiceStatusSchema);

/** Autoscaling of a worker. */
export type Hpa = Static<typeof HpaSchema>;
/** Spec of a JointInferenceService. */
export type JointInferenceServiceSpec = Static<typeof JointInferenceServiceSpecSchema>;
/** One condition of a JointInferenceService. */
export type JointInferenceCondition = Static<typeof JointInferenceConditionSchema>;
/** Status of a JointInferenceService. */
export type JointInferenceServiceStatus = Static<typeof JointInferenceServiceStatusSchema>;
/** A JointInferenceService object. */
export type JointInferenceService = Static<typeof JointInferenceServiceSchema>;
