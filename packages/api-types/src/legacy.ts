/**
 * Normalisation of the older form of the seeds (`apiVersion: edgeai.io/v1alpha1`) to the sedna.io form.
 * Pure: the input is never changed, the output shares nothing with it.
 */
import { LEGACY_API_VERSION, SEDNA_API_VERSION, SednaKind } from './constants.js';
import { FRAMEWORK_IMAGES, type FrameworkType } from './frameworks.js';
import type { Container, PodTemplateSpec } from './generated/k8s.js';
import type { IncrementalLearningJob } from './schemas/incrementalLearningJob.js';
import type { LegacyIncrementalLearningJob, WorkerSpec } from './schemas/legacy.js';

/** Annotation on a normalised pod template: the `frameworkType` it was made from. */
export const FRAMEWORK_TYPE_ANNOTATION = 'sedna.io/framework-type';
/** Annotation on a normalised pod template: the `frameworkVersion` it was made from. */
export const FRAMEWORK_VERSION_ANNOTATION = 'sedna.io/framework-version';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `doc` is an object of the older form (`apiVersion: edgeai.io/v1alpha1`). */
export function isLegacyObject(doc: unknown): boolean {
  return isObject(doc) && doc.apiVersion === LEGACY_API_VERSION;
}

/**
 * The pod template for one worker of the older form: the job's node, one container named
 * `<stage>-worker` that runs `scriptBootFile` in `scriptDir` (`workingDir` = scriptDir,
 * `args` = [scriptBootFile]), `parameters` as environment variables, and the image of `frameworkType`.
 */
export function workerSpecToPodTemplate(worker: WorkerSpec, containerName: string, nodeName: string | undefined): PodTemplateSpec {
  const container: Container = {
    name: containerName,
    image: FRAMEWORK_IMAGES[worker.frameworkType.toLowerCase() as FrameworkType] ?? FRAMEWORK_IMAGES.nodejs,
    imagePullPolicy: 'IfNotPresent',
    workingDir: worker.scriptDir,
    args: [worker.scriptBootFile],
  };
  if (worker.parameters && worker.parameters.length > 0) {
    container.env = worker.parameters.map((p) => ({ name: p.key, value: p.value }));
  }
  const annotations: Record<string, string> = { [FRAMEWORK_TYPE_ANNOTATION]: worker.frameworkType };
  if (worker.frameworkVersion !== undefined) annotations[FRAMEWORK_VERSION_ANNOTATION] = worker.frameworkVersion;
  const spec: PodTemplateSpec['spec'] = { containers: [container] };
  if (nodeName !== undefined) spec.nodeName = nodeName;
  return { metadata: { annotations }, spec };
}

/**
 * Converts an IncrementalLearningJob of the older form to the sedna.io form: each `workerSpec` becomes a
 * pod template ({@link workerSpecToPodTemplate}), `nodeName` moves into the templates, every other field
 * is kept. A job without a deploy `workerSpec` gets no deploy template: it runs no inference worker and
 * its deploy stage only publishes the model.
 *
 * @example
 * const job = normalizeLegacyIncrementalLearningJob(parsedSeedJob);
 * job.spec.trainSpec.template.spec?.containers[0]?.args // ['train.py']
 */
export function normalizeLegacyIncrementalLearningJob(legacy: LegacyIncrementalLearningJob): IncrementalLearningJob {
  const src = structuredClone(legacy);
  const { nodeName, trainSpec, evalSpec, deploySpec, ...rest } = src.spec;
  const spec: IncrementalLearningJob['spec'] = {
    ...rest,
    trainSpec: { template: workerSpecToPodTemplate(trainSpec.workerSpec, 'train-worker', nodeName), trigger: trainSpec.trigger },
    evalSpec: {
      ...(evalSpec.initialEvalModel ? { initialEvalModel: evalSpec.initialEvalModel } : {}),
      template: workerSpecToPodTemplate(evalSpec.workerSpec, 'eval-worker', nodeName),
    },
    deploySpec: {
      model: deploySpec.model,
      trigger: deploySpec.trigger,
      ...(deploySpec.hardExampleMining ? { hardExampleMining: deploySpec.hardExampleMining } : {}),
      ...(deploySpec.workerSpec ? { template: workerSpecToPodTemplate(deploySpec.workerSpec, 'infer-worker', nodeName) } : {}),
    },
  };
  return { apiVersion: SEDNA_API_VERSION, kind: SednaKind.IncrementalLearningJob, metadata: src.metadata, spec };
}
