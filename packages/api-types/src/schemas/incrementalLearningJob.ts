/** IncrementalLearningJob: rounds of train, eval and deploy on new samples of a dataset. */
import { Type, type Static } from '@sinclair/typebox';
import { SednaKind } from '../constants.js';
import { ObjectName, Timestamp } from './helpers.js';
import {
  DeployDecisionSchema,
  DeploymentRecordSchema,
  RollbackOutcomeSchema,
  HardExampleMiningSchema,
  JobConditionSchema,
  ModelInfoSchema,
  RoundSchema,
  SednaObjectSchema,
  Strict,
  TriggerSchema,
} from './common.js';
import { PodTemplateSpecSchema } from './k8s.js';

/** The dataset of a learning job and the share of new samples that goes to training (the rest to evaluation). */
export const JobDatasetSchema = Strict({
  name: ObjectName({ description: 'Dataset name' }),
  trainProb: Type.Number({ minimum: 0, maximum: 1, description: 'Share of new samples used for training, in [0, 1]; the rest are for evaluation' }),
});

/** The deploy model of an incremental learning job and how the inference worker receives updates. */
export const DeployModelSchema = Strict({
  name: ObjectName({ description: 'Model the inference worker serves and a passing round replaces' }),
  hotUpdateEnabled: Type.Optional(Type.Boolean({ description: 'Swap the model in the running inference worker instead of restarting it' })),
  pollPeriodSeconds: Type.Optional(
    Type.Integer({ minimum: 1, default: 60, format: 'int64', description: 'How often the inference worker checks for a new model, in seconds' }),
  ),
});

/** Spec of an IncrementalLearningJob. */
export const IncrementalLearningJobSpecSchema = Strict({
  dataset: JobDatasetSchema,
  initialModel: Strict(
    { name: ObjectName({ description: 'Model the first round trains from' }) },
    { description: 'Base model of the first round' },
  ),
  trainSpec: Strict({ template: PodTemplateSpecSchema, trigger: TriggerSchema }, { description: 'Train worker and its trigger' }),
  evalSpec: Strict(
    {
      initialEvalModel: Type.Optional(Strict({ name: ObjectName() }, { description: 'Model the new one is compared with, instead of the deployed one' })),
      template: PodTemplateSpecSchema,
    },
    { description: 'Eval worker' },
  ),
  deploySpec: Strict(
    {
      model: DeployModelSchema,
      trigger: TriggerSchema,
      hardExampleMining: Type.Optional(HardExampleMiningSchema),
      template: Type.Optional(PodTemplateSpecSchema),
    },
    { description: 'Deploy gate, and the inference worker if there is a template (without one the deploy stage only publishes the model)' },
  ),
  credentialName: Type.Optional(ObjectName({ description: 'Secret with the S3 credentials for outputDir' })),
  outputDir: Type.String({ minLength: 1, description: 'Where round data and trained models go: a host path or an s3:// URL' }),
  maxRounds: Type.Optional(Type.Integer({ minimum: 1, description: 'Ours: the job completes after this many rounds; without it, rounds go on forever' })),
});

/** Status of an IncrementalLearningJob. */
export const IncrementalLearningJobStatusSchema = Type.Object({
  conditions: Type.Optional(Type.Array(JobConditionSchema, { description: 'Append-only; the last is the current stage and state' })),
  startTime: Type.Optional(Timestamp()),
  completionTime: Type.Optional(Timestamp({ description: 'Set when maxRounds rounds have finished' })),
  round: Type.Optional(RoundSchema),
  lastGoodModel: Type.Optional(Type.Object(ModelInfoSchema.properties, { description: 'The model serving now (starts as the deploy Model)' })),
  lastDecision: Type.Optional(Type.Object(DeployDecisionSchema.properties, { description: 'The deploy gate verdict of the last round that reached it' })),
  deployments: Type.Optional(Type.Array(DeploymentRecordSchema, { description: 'The models that served, oldest first (the newest 50): what `sedna rollback` can go back to' })),
  lastRollback: Type.Optional(RollbackOutcomeSchema),
  rollbackRounds: Type.Optional(Type.Integer({ minimum: 0, description: 'Rounds that only deployed an earlier model (sedna rollback); spec.maxRounds counts the others' })),
});

/** An IncrementalLearningJob object. */
export const IncrementalLearningJobSchema = SednaObjectSchema(SednaKind.IncrementalLearningJob, IncrementalLearningJobSpecSchema, IncrementalLearningJobStatusSchema);

/** Dataset of a learning job. */
export type JobDataset = Static<typeof JobDatasetSchema>;
/** Deploy model of an incremental learning job. */
export type DeployModel = Static<typeof DeployModelSchema>;
/** Spec of an IncrementalLearningJob. */
export type IncrementalLearningJobSpec = Static<typeof IncrementalLearningJobSpecSchema>;
/** Status of an IncrementalLearningJob. */
export type IncrementalLearningJobStatus = Static<typeof IncrementalLearningJobStatusSchema>;
/** An IncrementalLearningJob object. */
export type IncrementalLearningJob = Static<typeof IncrementalLearningJobSchema>;
