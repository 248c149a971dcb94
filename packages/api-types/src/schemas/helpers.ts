/**
 * Schema builders shared by the kind schemas. They emit JSON Schema that ajv validates and that a
 * CustomResourceDefinition accepts as it is (no `const`, no `patternProperties`).
 */
import { Type, type TSchema, type TUnsafe, type SchemaOptions, type Static } from '@sinclair/typebox';

/** DNS-1123 subdomain: what Kubernetes accepts as the name of most objects (Datasets, Models, Secrets, nodes). */
export const DNS1123_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** DNS-1123 label: what Kubernetes accepts as a namespace name. */
export const DNS1123_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** HH:MM between 00:00 and 24:00 (24:00 is the end of the day, as the original's samples write it). */
export const HHMM = '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';

/**
 * Message used instead of ajv's generic one when the value fails this schema's `pattern` or `format`.
 * The key is ours; the CRD generator removes it.
 */
export const MESSAGE_KEY = 'x-sedna-message';

/** A string that is one of `values`; typed as their union. */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/** An object with arbitrary keys whose values all match `value` (`additionalProperties`, as Kubernetes writes maps). */
export function MapOf<T extends TSchema>(value: T, options: SchemaOptions = {}): TUnsafe<Record<string, Static<T>>> {
  return Type.Unsafe<Record<string, Static<T>>>({ ...options, type: 'object', additionalProperties: value });
}

/** The name of another object in the same namespace: a DNS-1123 subdomain of at most 253 characters. */
export function ObjectName(options: SchemaOptions = {}) {
  return Type.String({
    minLength: 1,
    maxLength: 253,
    pattern: DNS1123_SUBDOMAIN,
    [MESSAGE_KEY]: 'is not a valid name (lower-case letters, digits, "-" and ".", starting and ending with a letter or digit)',
    ...options,
  });
}

/** An RFC 3339 timestamp, as Kubernetes writes metav1.Time. */
export function Timestamp(options: SchemaOptions = {}) {
  return Type.String({ format: 'date-time', [MESSAGE_KEY]: 'is not an RFC 3339 time', ...options });
}

/**
 * A metric value: a number or a list of numbers (one per class). A CRD cannot type "number or list"
 * structurally, so the generated CRD keeps the value as free JSON and validation stays with ajv.
 */
export const MetricValueSchema = Type.Unsafe<number | number[]>({
  anyOf: [{ type: 'number' }, { type: 'array', items: { type: 'number' } }],
  'x-kubernetes-preserve-unknown-fields': true,
  [MESSAGE_KEY]: 'must be a number or a list of numbers',
});

/** Metrics keyed by name (`precision`, `recall`, `precision_delta`, ...). */
export const MetricMapSchema = MapOf(MetricValueSchema);
