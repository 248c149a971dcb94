/**
 * The registry of Sedna kinds: names as the API server and kubectl know them (plural, singular, short
 * names), the schema of each, and the columns `kubectl get` prints.
 */
import type { TSchema } from '@sinclair/typebox';
import { SednaKind } from './constants.js';
import { DatasetSchema } from './schemas/dataset.js';
import { FederatedLearningJobSchema } from './schemas/federatedLearningJob.js';
import { IncrementalLearningJobSchema } from './schemas/incrementalLearningJob.js';
import { JointInferenceServiceSchema } from './schemas/jointInferenceService.js';
import { LifelongLearningJobSchema } from './schemas/lifelongLearningJob.js';
import { ModelSchema } from './schemas/model.js';

/** A column of `kubectl get` (a CRD `additionalPrinterColumns` entry). */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** What the API server and clients need to know about one Sedna kind. */
export interface KindInfo {
  kind: SednaKind;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  description: string;
  schema: TSchema;
  printerColumns: readonly PrinterColumn[];
  /**
   * A learning job: rounds of train, eval and deploy recorded as conditions, worker pods labelled
   * `<singular>.sedna.io/name`, manual triggers (IncrementalLearningJob, LifelongLearningJob).
   */
  learningJob: boolean;
}

const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const learningJobColumns: readonly PrinterColumn[] = [
  { name: 'Stage', type: 'string', jsonPath: '.status.conditions[-1].stage', description: 'Stage of the current round' },
  { name: 'Status', type: 'string', jsonPath: '.status.conditions[-1].type', description: 'State of the stage' },
  { name: 'Round', type: 'integer', jsonPath: '.status.round', description: 'Round in progress or last finished' },
  age,
];

function info(
  kind: SednaKind,
  plural: string,
  shortNames: readonly string[],
  description: string,
  schema: TSchema,
  printerColumns: readonly PrinterColumn[],
  learningJob = false,
): KindInfo {
  return { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(), shortNames, description, schema, printerColumns, learningJob };
}

/** Every Sedna kind, in the order their CRDs are printed. */
export const SEDNA_KINDS: readonly KindInfo[] = Object.freeze([
  info(SednaKind.Dataset, 'datasets', ['ds'], 'Dataset: an index of samples on a node, watched by that node\'s local controller', DatasetSchema, [
    { name: 'Samples', type: 'integer', jsonPath: '.status.numberOfSamples', description: 'Samples in the index' },
    { name: 'Node', type: 'string', jsonPath: '.spec.nodeName', description: 'Node that holds the data' },
    age,
  ]),
  info(SednaKind.Model, 'models', [], 'Model: where a model is and its format', ModelSchema, [
    { name: 'Format', type: 'string', jsonPath: '.spec.format' },
    { name: 'URL', type: 'string', jsonPath: '.spec.url', priority: 1 },
    age,
  ]),
  info(
    SednaKind.IncrementalLearningJob,
    'incrementallearningjobs',
    ['il', 'incrementaljob', 'ij'],
    'IncrementalLearningJob: rounds of train, eval and deploy triggered by new samples on an edge node',
    IncrementalLearningJobSchema,
    learningJobColumns,
    true,
  ),
  info(
    SednaKind.LifelongLearningJob,
    'lifelonglearningjobs',
    ['ll'],
    'LifelongLearningJob: incremental rounds whose models are kept in a knowledge base',
    LifelongLearningJobSchema,
    [
      ...learningJobColumns.slice(0, 3),
      { name: 'Models', type: 'integer', jsonPath: '.status.knowledgeBase.AIModels.numberOfAIModels', description: 'Task models in the knowledge base' },
      { name: 'Unseen', type: 'integer', jsonPath: '.status.knowledgeBase.samples.numberOfUnseenSample', description: 'Unseen samples kept on the edge' },
      { name: 'Serving', type: 'integer', jsonPath: '.status.servingIndex.round', description: 'Round of the KB index serving', priority: 1 },
      age,
    ],
    true,
  ),
  info(
    SednaKind.JointInferenceService,
    'jointinferenceservices',
    ['ji'],
    'JointInferenceService: an edge model that sends hard examples to a cloud model',
    JointInferenceServiceSchema,
    [{ name: 'Status', type: 'string', jsonPath: '.status.conditions[-1].type' }, age],
  ),
  info(
    SednaKind.FederatedLearningJob,
    'federatedlearningjobs',
    ['fl'],
    'FederatedLearningJob: training workers on several nodes and an aggregation worker',
    FederatedLearningJobSchema,
    [
      { name: 'Status', type: 'string', jsonPath: '.status.phase' },
      { name: 'Round', type: 'integer', jsonPath: '.status.round' },
      age,
    ],
  ),
]);

/**
 * The learning-job kinds ({@link KindInfo.learningJob}), in registry order: what `sedna trigger`,
 * `sedna logs` and `sedna describe` treat as jobs with rounds.
 *
 * @example
 * LEARNING_JOB_KINDS.map((k) => k.kind); // ['IncrementalLearningJob', 'LifelongLearningJob']
 */
export const LEARNING_JOB_KINDS: readonly KindInfo[] = Object.freeze(SEDNA_KINDS.filter((k) => k.learningJob));

/** The kind info of `kind`, or undefined when it is not a Sedna kind. */
export function getKindInfo(kind: string): KindInfo | undefined {
  return SEDNA_KINDS.find((k) => k.kind === kind);
}

/**
 * Resolves what a user types for a resource (`il`, `incrementallearningjobs`, `IncrementalLearningJob`,
 * `incrementallearningjob.sedna.io`), case-insensitively, as kubectl does. Undefined when nothing matches.
 */
export function resolveKind(resource: string): KindInfo | undefined {
  const wanted = resource.toLowerCase().replace(/\.sedna\.io$/, '');
  return SEDNA_KINDS.find(
    (k) => k.plural === wanted || k.singular === wanted || k.kind.toLowerCase() === wanted || k.shortNames.includes(wanted),
  );
}
