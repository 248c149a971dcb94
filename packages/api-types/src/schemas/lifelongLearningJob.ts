/** LifelongLearningJob: like incremental learning, with the models kept in a knowledge base. */
import { Type, type Static } from '@sinclair/typebox';
import { SednaKind } from '../constants.js';
import { ObjectName, Timestamp } from './helpers.js';
import { JobConditionSchema, RoundSchema, Strict, TriggerSchema, SednaObjectSchema } from './common.js';
import { JobDatasetSchema } from './incrementalLearningJob.js';
import { PodTemplateSpecSchema } from './k8s.js';

/** Spec of a LifelongLearningJob. */
export const LifelongLearningJobSpecSchema = Strict({
  dataset: JobDatasetSchema,
  trainSpec: Strict({ template: PodTemplateSpecSchema, trigger: TriggerSchema }),
  evalSpec: Strict({ template: PodTemplateSpecSchema }),
  deploySpec: Strict({ template: PodTemplateSpecSchema }),
  credentialName: Type.Optional(ObjectName({ description: 'Secret with the S3 credentials for outputDir' })),
  outputDir: Type.String({ minLength: 1 }),
});

/** Knowledge-base summary in a LifelongLearningJob status. */
export const KnowledgeBaseStatusSchema = Type.Object({
  AIModels: Type.Object({
    numberOfAIModels: Type.Integer(),
    listOfAIModels: Type.Optional(
      Type.Array(Type.Object({ modelID: Type.String(), averagePrecision: Type.Number(), numberOfTrainSamples: Type.Integer() })),
    ),
  }),
  AIClasses: Type.Object({
    numberOfAIClasses: Type.Integer(),
    listOfAIClasses: Type.Optional(Type.Array(Type.String())),
  }),
  samples: Type.Object({
    numberOfLabeledUnseenSample: Type.Integer(),
    numberOfUnseenSample: Type.Integer(),
  }),
});

/** Status of a LifelongLearningJob. */
export const LifelongLearningJobStatusSchema = Type.Object({
  conditions: Type.Optional(Type.Array(JobConditionSchema)),
  knowledgeBase: Type.Optional(KnowledgeBaseStatusSchema),
  startTime: Type.Optional(Timestamp()),
  completionTime: Type.Optional(Timestamp()),
  round: Type.Optional(RoundSchema),
});

/** A LifelongLearningJob object. */
export const LifelongLearningJobSchema = SednaObjectSchema(SednaKind.LifelongLearningJob, LifelongLearningJobSpecSchema, LifelongLearningJobStatusSchema);

/** Spec of a LifelongLearningJob. */
export type LifelongLearningJobSpec = Static<typeof LifelongLearningJobSpecSchema>;
/** Knowledge-base summary. */
export type KnowledgeBaseStatus = Static<typeof KnowledgeBaseStatusSchema>;
/** Status of a LifelongLearningJob. */
export type LifelongLearningJobStatus = Static<typeof LifelongLearningJobStatusSchema>;
/** A LifelongLearningJob object. */
export type LifelongLearningJob = Static<typeof LifelongLearningJobSchema>;
