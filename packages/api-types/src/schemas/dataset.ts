/** Dataset: an index file of samples on a node, which the node's LC watches. */
import { Type, type Static } from '@sinclair/typebox';
import { ConditionStatus, SednaKind } from '../constants.js';
import { ObjectName, StringEnum, Timestamp } from './helpers.js';
import { Strict, SednaObjectSchema } from './common.js';

/** Spec of a Dataset. */
export const DatasetSpecSchema = Strict({
  url: Type.String({ minLength: 1, description: 'Index file: a host path on the node or an s3:// URL; one sample per line' }),
  format: Type.String({ minLength: 1, description: 'Index format: txt or csv' }),
  nodeName: ObjectName({ description: 'Node whose local controller watches the dataset' }),
  credentialName: Type.Optional(ObjectName({ description: 'Secret with the S3 credentials for url' })),
});

/**
 * One condition of a Dataset, as Kubernetes writes conditions: the LC's verdict on its index, e.g.
 * `IndexReadable` `False` with reason `PathNotAllowed` when `spec.url` resolves outside the folders the
 * LC may read.
 */
export const DatasetConditionSchema = Type.Object({
  type: Type.String({ minLength: 1, description: 'What the condition is about, e.g. IndexReadable' }),
  status: StringEnum(Object.values(ConditionStatus)),
  reason: Type.Optional(Type.String({ description: 'One CamelCase word, e.g. PathNotAllowed' })),
  message: Type.Optional(Type.String({ description: 'For people: the path, where it resolves and the allowed roots' })),
  lastTransitionTime: Type.Optional(Timestamp()),
});

/** Status of a Dataset, written by the controller from its LC's reports. */
export const DatasetStatusSchema = Type.Object({
  numberOfSamples: Type.Integer({ minimum: 0, description: 'Samples in the index' }),
  updateTime: Type.Optional(Timestamp()),
  conditions: Type.Optional(Type.Array(DatasetConditionSchema, { description: "The LC's verdicts on the index, one per type" })),
});

/** A Dataset object. */
export const DatasetSchema = SednaObjectSchema(SednaKind.Dataset, DatasetSpecSchema, DatasetStatusSchema);

/** Spec of a Dataset. */
export type DatasetSpec = Static<typeof DatasetSpecSchema>;
/** One condition of a Dataset. */
export type DatasetCondition = Static<typeof DatasetConditionSchema>;
/** Status of a Dataset. */
export type DatasetStatus = Static<typeof DatasetStatusSchema>;
/** A Dataset object. */
export type Dataset = Static<typeof DatasetSchema>;
