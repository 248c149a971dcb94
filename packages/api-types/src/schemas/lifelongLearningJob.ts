/** LifelongLearningJob: like incremental learning, with the models kept in a knowledge base. */
import { Type, type Static } from '@sinclair/typebox';
import { SednaKind } from '../constants.js';
import { MetricMapSchema, ObjectName, StringEnum, Timestamp } from './helpers.js';
import { DeploymentRecordSchema, JobConditionSchema, RollbackOutcomeSchema, RoundSchema, Strict, TriggerSchema, SednaObjectSchema } from './common.js';
import { JobDatasetSchema } from './incrementalLearningJob.js';
import { PodTemplateSpecSchema } from './k8s.js';

/** Spec of a LifelongLearningJob. */
export const LifelongLearningJobSpecSchema = Strict({
  dataset: JobDatasetSchema,
  trainSpec: Strict({ template: PodTemplateSpecSchema, trigger: TriggerSchema }),
  evalSpec: Strict({ template: PodTemplateSpecSchema }),
  deploySpec: Strict({ template: PodTemplateSpecSchema }),
  credentialName: Type.Optional(ObjectName({ description: 'Secret with the S3 credentials for outputDir' })),
  outputDir: Type.String({ minLength: 1, description: 'Where round data, the KB index and trained models go: a host path' }),
  maxRounds: Type.Optional(Type.Integer({ minimum: 1, description: 'Ours: the job completes after this many rounds; without it, rounds go on forever' })),
});

/** Knowledge-base summary in a LifelongLearningJob status. */
export const KnowledgeBaseStatusSchema = Type.Object({
  AIModels: Type.Object({
    numberOfAIModels: Type.Integer(),
    listOfAIModels: Type.Optional(
      Type.Array(
        Type.Object({
          modelID: Type.String(),
          averagePrecision: Type.Number({ description: 'The first metric of the model (the original\'s meaning)' }),
          numberOfTrainSamples: Type.Integer(),
          task: Type.Optional(Type.String({ description: 'Ours: the task group the model serves' })),
          metrics: Type.Optional(Type.Unsafe<Record<string, number>>({ ...MetricMapSchema, description: 'Ours: every metric of the model, from the last eval (else from training)' })),
          round: Type.Optional(Type.Integer({ minimum: 0, description: 'Ours: the round that trained it' })),
        }),
      ),
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

/** The index a lifelong-learning job's inference worker serves (ours). */
export const ServingIndexSchema = Type.Object({
  url: Type.String({ description: 'The deployed KB index (<outputDir>/deploy/index.json)' }),
  createTime: Type.String({ description: 'Its create_time, which the inference worker reports when it serves it' }),
  round: Type.Integer({ minimum: 0, description: 'The round that made it' }),
});

/** What the end of a lifelong-learning round decided (ours). */
export const LifelongDecisionSchema = Type.Object({
  round: Type.Integer({ minimum: 0 }),
  decision: StringEnum(['Deploy', 'Keep', 'Rollback'], { description: 'Deploy: the index with the new task models was deployed; Keep: no task changed, the serving index stays; Rollback: `sedna rollback` served an earlier round\'s index again' }),
  reason: Type.String(),
  deployed: Type.Array(Type.String(), { description: 'Task groups whose new model was deployed' }),
  dropped: Type.Array(
    Type.Object({ task: Type.String(), modelID: Type.String(), scores: Type.Unsafe<Record<string, number>>(MetricMapSchema), reason: Type.String() }),
    { description: 'Task groups whose new model the eval dropped (their previous model stays), with the scores' },
  ),
  index: Type.Optional(Type.Object({ url: Type.String(), createTime: Type.String() })),
  time: Timestamp(),
  from: Type.Optional(Type.Object({ round: Type.Integer({ minimum: 0 }), url: Type.String() }, { description: 'Rollback: the index that served before' })),
  to: Type.Optional(Type.Object({ round: Type.Integer({ minimum: 0 }), url: Type.String() }, { description: 'Rollback: the round whose index serves again, and that index' })),
});

/** Status of a LifelongLearningJob. */
export const LifelongLearningJobStatusSchema = Type.Object({
  conditions: Type.Optional(Type.Array(JobConditionSchema)),
  knowledgeBase: Type.Optional(KnowledgeBaseStatusSchema),
  servingIndex: Type.Optional(ServingIndexSchema),
  lastDecision: Type.Optional(LifelongDecisionSchema),
  deployments: Type.Optional(Type.Array(DeploymentRecordSchema, { description: 'The KB indexes that served, oldest first (the newest 50): what `sedna rollback` can go back to' })),
  lastRollback: Type.Optional(RollbackOutcomeSchema),
  rollbackRounds: Type.Optional(Type.Integer({ minimum: 0, description: 'Rounds that only deployed an earlier model (sedna rollback); spec.maxRounds counts the others' })),
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
/** The index a lifelong-learning job serves. */
export type ServingIndex = Static<typeof ServingIndexSchema>;
/** What the end of a lifelong-learning round decided. */
export type LifelongDecision = Static<typeof LifelongDecisionSchema>;
/** Status of a LifelongLearningJob. */
export type LifelongLearningJobStatus = Static<typeof LifelongLearningJobStatusSchema>;
/** A LifelongLearningJob object. */
export type LifelongLearningJob = Static<typeof LifelongLearningJobSchema>;
