/** Model: where a model file is and its format. */
import { Type, type Static } from '@sinclair/typebox';
import { SednaKind } from '../constants.js';
import { ObjectName, Timestamp } from './helpers.js';
import { MetricSchema, Strict, SednaObjectSchema } from './common.js';

/** Spec of a Model. */
export const ModelSpecSchema = Strict({
  url: Type.String({ minLength: 1, description: 'Model file or folder: a host path or an s3:// URL' }),
  format: Type.String({ minLength: 1, description: 'Model format, e.g. onnx, pb, ckpt, pth, pkl' }),
  device_soc_versions: Type.Optional(Type.Array(Type.String(), { description: 'Device SoC versions the model is built for' })),
  credentialName: Type.Optional(ObjectName({ description: 'Secret with the S3 credentials for url' })),
});

/** Status of a Model. */
export const ModelStatusSchema = Type.Object({
  updateTime: Type.Optional(Timestamp()),
  metrics: Type.Optional(Type.Array(MetricSchema)),
});

/** A Model object. */
export const ModelSchema = SednaObjectSchema(SednaKind.Model, ModelSpecSchema, ModelStatusSchema);

/** Spec of a Model. */
export type ModelSpec = Static<typeof ModelSpecSchema>;
/** Status of a Model. */
export type ModelStatus = Static<typeof ModelStatusSchema>;
/** A Model object. */
export type Model = Static<typeof ModelSchema>;
