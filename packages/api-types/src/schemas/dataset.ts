/** Dataset: an index file of samples on a node, which the node's LC watches. */
import { Type, type Static } from '@sinclair/typebox';
import { SednaKind } from '../constants.js';
import { ObjectName, Timestamp } from './helpers.js';
import { Strict, SednaObjectSchema } from './common.js';

/** Spec of a Dataset. */
export const DatasetSpecSchema = Strict({
  url: Type.String({ minLength: 1, description: 'Index file: a host path on the node or an s3:// URL; one sample per line' }),
  format: Type.String({ minLength: 1, description: 'Index format: txt or csv' }),
  nodeName: ObjectName({ description: 'Node whose local controller watches the dataset' }),
  credentialName: Type.Optional(ObjectName({ description: 'Secret with the S3 credentials for url' })),
});

/** Status of a Dataset, written by the controller from its LC's reports. */
export const DatasetStatusSchema = Type.Object({
  numberOfSamples: Type.Integer({ minimum: 0, description: 'Samples in the index' }),
  updateTime: Type.Optional(Timestamp()),
});

/** A Dataset object. */
export const DatasetSchema = SednaObjectSchema(SednaKind.Dataset, DatasetSpecSchema, DatasetStatusSchema);

/** Spec of a Dataset. */
export type DatasetSpec = Static<typeof DatasetSpecSchema>;
/** Status of a Dataset. */
export type DatasetStatus = Static<typeof DatasetStatusSchema>;
/** A Dataset object. */
export type Dataset = Static<typeof DatasetSchema>;
