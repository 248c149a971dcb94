/**
 * The older form of an IncrementalLearningJob in the seeds (`apiVersion: edgeai.io/v1alpha1`): each stage
 * names a script and a framework (`workerSpec`) instead of a pod template, and the job carries the node.
 * Validated as written, then normalised (../legacy.ts) so nothing after the CLI sees a workerSpec.
 */
import { Type, type Static } from '@sinclair/typebox';
import { LEGACY_API_VERSION, SednaKind } from '../constants.js';
import { MESSAGE_KEY, ObjectName, StringEnum } from './helpers.js';
import { HardExampleMiningSchema, Strict, TriggerSchema } from './common.js';
import { DeployModelSchema, JobDatasetSchema } from './incrementalLearningJob.js';
import { ObjectMetaSchema } from './k8s.js';
import { FRAMEWORK_IMAGES } from '../frameworks.js';

/** Environment variable names Kubernetes accepts. */
const ENV_NAME = '^[-._a-zA-Z][-._a-zA-Z0-9]*$';

/** A worker of the older form: a script in a folder, run by a framework, with parameters as environment. */
export const WorkerSpecSchema = Strict({
  scriptDir: Type.String({ minLength: 1, description: 'Folder of the script; the working directory of the worker' }),
  scriptBootFile: Type.String({ minLength: 1, description: 'Script to run, relative to scriptDir' }),
  frameworkType: StringEnum(Object.keys(FRAMEWORK_IMAGES) as Array<keyof typeof FRAMEWORK_IMAGES>, {
    description: 'Framework of the script; chooses the worker image',
  }),
  frameworkVersion: Type.Optional(Type.String()),
  parameters: Type.Optional(
    Type.Array(
      Strict({
        key: Type.String({ minLength: 1, pattern: ENV_NAME, [MESSAGE_KEY]: 'is not a valid environment variable name' }),
        value: Type.String(),
      }),
    ),
  ),
});

/** Spec of an IncrementalLearningJob in the older form. */
export const LegacyIncrementalLearningJobSpecSchema = Strict({
  dataset: JobDatasetSchema,
  nodeName: Type.Optional(ObjectName({ description: 'Node the workers run on' })),
  outputDir: Type.String({ minLength: 1 }),
  initialModel: Strict({ name: ObjectName() }),
  trainSpec: Strict({ workerSpec: WorkerSpecSchema, trigger: TriggerSchema }),
  evalSpec: Strict({ workerSpec: WorkerSpecSchema, initialEvalModel: Type.Optional(Strict({ name: ObjectName() })) }),
  deploySpec: Strict({
    model: DeployModelSchema,
    trigger: TriggerSchema,
    hardExampleMining: Type.Optional(HardExampleMiningSchema),
    workerSpec: Type.Optional(WorkerSpecSchema),
  }),
  credentialName: Type.Optional(ObjectName()),
  maxRounds: Type.Optional(Type.Integer({ minimum: 1 })),
});

/** An IncrementalLearningJob in the older form. */
export const LegacyIncrementalLearningJobSchema = Strict({
  apiVersion: StringEnum([LEGACY_API_VERSION]),
  kind: StringEnum([SednaKind.IncrementalLearningJob]),
  metadata: ObjectMetaSchema,
  spec: LegacyIncrementalLearningJobSpecSchema,
});

/** A worker of the older form. */
export type WorkerSpec = Static<typeof WorkerSpecSchema>;
/** An IncrementalLearningJob in the older form. */
export type LegacyIncrementalLearningJob = Static<typeof LegacyIncrementalLearningJobSchema>;
