// TestLearningJob: a learning-job kind that exists only in this test. It runs the shared rounds (train,
// eval, deploy) with no model of its own: a round starts once `threshold` new samples are in the
// dataset, the train and eval workers write what they saw, and the deploy stage is published by the LC.
import { Type, type Static } from '@sinclair/typebox';
import { JobConditionSchema, ObjectMetaSchema, PodTemplateSpecSchema, SEDNA_API_VERSION, SEDNA_GROUP, type KindInfo, type SednaKind } from '@sedna-ts/api-types';

export const KIND = 'TestLearningJob';
export const RESOURCE_KIND = 'testlearningjob';
export const PLURAL = 'testlearningjobs';

const Name = Type.String({ minLength: 1, maxLength: 253 });

export const TestLearningJobSpecSchema = Type.Object({
  dataset: Type.Object({ name: Name }, { description: 'The Dataset whose samples start a round' }),
  outputDir: Type.String({ minLength: 1, description: 'Host folder the workers write under (<outputDir>/<stage>/<round>)' }),
  trainSpec: Type.Object({ template: PodTemplateSpecSchema }),
  evalSpec: Type.Object({ template: PodTemplateSpecSchema }),
  threshold: Type.Integer({ minimum: 1, description: 'New samples that start a round' }),
});

export const TestLearningJobStatusSchema = Type.Object({
  conditions: Type.Optional(Type.Array(JobConditionSchema)),
  round: Type.Optional(Type.Integer({ minimum: 0 })),
  startTime: Type.Optional(Type.String()),
  completionTime: Type.Optional(Type.String()),
  lastRoundEnded: Type.Optional(Type.Integer({ minimum: 0, description: 'The last round whose deploy stage completed' })),
});

export const TestLearningJobSchema = Type.Object({
  apiVersion: Type.Literal(SEDNA_API_VERSION),
  kind: Type.Literal(KIND),
  metadata: ObjectMetaSchema,
  spec: TestLearningJobSpecSchema,
  status: Type.Optional(TestLearningJobStatusSchema),
});

export type TestLearningJob = Static<typeof TestLearningJobSchema>;
export type TestLearningJobStatus = Static<typeof TestLearningJobStatusSchema>;

/**
 * What api-types' CRD generator takes. `KindInfo.kind` is typed as one of api-types' six kinds
 * (`SednaKind`); the generator itself uses it only as a name, hence the cast.
 */
export const testLearningJobInfo: KindInfo = {
  kind: KIND as SednaKind,
  listKind: `${KIND}List`,
  plural: PLURAL,
  singular: RESOURCE_KIND,
  shortNames: ['tlj'],
  description: 'A learning-job kind defined by a test: rounds start on a sample count, deploy is published by the LC',
  schema: TestLearningJobSchema,
  printerColumns: [],
  learningJob: true,
};

/** The group every Sedna kind, this one too, is served in. */
export const GROUP = SEDNA_GROUP;

/** Problems of a job's spec, each naming the kind, the job, the field path and the value. */
export function validateTestLearningJob(job: TestLearningJob): string[] {
  const where = `${KIND} ${job.metadata.namespace ?? 'default'}/${job.metadata.name ?? ''}`;
  const spec = (job.spec ?? {}) as Partial<TestLearningJob['spec']>;
  const problems: string[] = [];
  const bad = (path: string, value: unknown, what: string) => problems.push(`${where}: ${path}: ${JSON.stringify(value) ?? 'undefined'} ${what}`);
  if (typeof spec.dataset?.name !== 'string' || spec.dataset.name === '') bad('spec.dataset.name', spec.dataset?.name, 'is not a Dataset name');
  if (typeof spec.outputDir !== 'string' || !spec.outputDir.startsWith('/')) bad('spec.outputDir', spec.outputDir, 'is not an absolute host path');
  if (!Number.isInteger(spec.threshold) || (spec.threshold as number) < 1) bad('spec.threshold', spec.threshold, 'is not a whole number of samples, 1 or more');
  for (const stage of ['trainSpec', 'evalSpec'] as const) {
    const containers = spec[stage]?.template?.spec?.containers;
    if (!Array.isArray(containers) || containers.length === 0) bad(`spec.${stage}.template.spec.containers`, containers, 'names no container');
  }
  return problems;
}
