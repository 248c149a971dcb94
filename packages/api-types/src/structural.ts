/**
 * Checks that a CRD's openAPIV3Schema is structural and uses only what apiextensions.k8s.io/v1 accepts,
 * as the Kubernetes API server does when a CustomResourceDefinition is created
 * (kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions, "structural schema").
 */
import type { JsonSchema } from './jsonSchema.js';

const JSON_SCHEMA_PROPS = new Set([
  'description', 'type', 'format', 'title', 'default', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum',
  'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'multipleOf', 'enum', 'maxProperties',
  'minProperties', 'required', 'items', 'allOf', 'oneOf', 'anyOf', 'not', 'properties', 'additionalProperties',
  'patternProperties', 'dependencies', 'additionalItems', 'definitions', 'externalDocs', 'example', 'nullable', '$ref',
  '$schema', 'id', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys', 'x-kubernetes-list-type', 'x-kubernetes-map-type', 'x-kubernetes-validations',
]);
/** Part of JSONSchemaProps, but rejected by apiextensions.k8s.io/v1 validation. */
const FORBIDDEN = new Set(['$ref', '$schema', 'id', 'definitions', 'dependencies', 'additionalItems', 'patternProperties']);
const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);
const NOT_IN_JUNCTORS = ['description', 'type', 'default', 'additionalProperties', 'nullable'];
const JUNCTORS = ['allOf', 'anyOf', 'oneOf', 'not'] as const;

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIntOrStringPattern(list: unknown): boolean {
  return (
    Array.isArray(list) &&
    list.length === 2 &&
    isSchema(list[0]) &&
    isSchema(list[1]) &&
    Object.keys(list[0]).length === 1 &&
    Object.keys(list[1]).length === 1 &&
    list[0].type === 'integer' &&
    list[1].type === 'string'
  );
}

/** Fields and items named inside a junctor must also be named outside it (rule 2). */
function junctorCoverage(schema: JsonSchema, junctorSchema: JsonSchema, path: string, out: string[]): void {
  for (const key of NOT_IN_JUNCTORS) {
    if (key in junctorSchema) out.push(`${path}: ${key} is not allowed inside allOf, anyOf, oneOf or not`);
  }
  if (isSchema(junctorSchema.properties)) {
    const outside = isSchema(schema.properties) ? schema.properties : {};
    for (const name of Object.keys(junctorSchema.properties)) {
      if (!(name in outside)) out.push(`${path}.properties.${name}: must also be specified outside the junctor`);
    }
  }
  if (junctorSchema.items !== undefined && schema.items === undefined) out.push(`${path}.items: must also be specified outside the junctor`);
  for (const j of JUNCTORS) {
    const inner = junctorSchema[j];
    for (const [i, s] of (Array.isArray(inner) ? inner : isSchema(inner) ? [inner] : []).entries()) {
      if (isSchema(s)) junctorCoverage(schema, s, `${path}.${j}[${i}]`, out);
    }
  }
}

function check(schema: JsonSchema, path: string, isRoot: boolean, out: string[]): void {
  for (const key of Object.keys(schema)) {
    if (!JSON_SCHEMA_PROPS.has(key)) out.push(`${path}: unknown field ${key}`);
    else if (FORBIDDEN.has(key)) out.push(`${path}: ${key} is not supported in apiextensions.k8s.io/v1`);
  }
  if (schema.uniqueItems === true) out.push(`${path}: uniqueItems cannot be true`);
  if (schema['x-kubernetes-preserve-unknown-fields'] === false) out.push(`${path}: x-kubernetes-preserve-unknown-fields must be true or absent`);
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (schema.type === undefined) {
    if (!intOrString && !preserve) out.push(`${path}: type is required`);
  } else if (typeof schema.type !== 'string' || !TYPES.has(schema.type)) {
    out.push(`${path}: type must be one of ${[...TYPES].join(', ')}`);
  }
  if (intOrString && schema.type !== undefined) out.push(`${path}: x-kubernetes-int-or-string needs no type`);
  if (schema.properties !== undefined && schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
    out.push(`${path}: properties and additionalProperties are mutually exclusive`);
  }
  if (isRoot && isSchema(schema.properties) && isSchema(schema.properties.metadata)) {
    const meta = schema.properties.metadata;
    const allowed = new Set(['type', 'description', 'properties']);
    for (const key of Object.keys(meta)) if (!allowed.has(key)) out.push(`${path}.properties.metadata: only name and generateName may be restricted`);
    if (isSchema(meta.properties)) {
      for (const name of Object.keys(meta.properties)) {
        if (name !== 'name' && name !== 'generateName') out.push(`${path}.properties.metadata.properties.${name}: only name and generateName may be restricted`);
      }
    }
  }
  for (const j of JUNCTORS) {
    const value = schema[j];
    if (value === undefined) continue;
    if (intOrString && (j === 'anyOf' || j === 'allOf') && isIntOrStringPattern(value)) continue;
    const list = Array.isArray(value) ? value : [value];
    list.forEach((s, i) => {
      if (isSchema(s)) junctorCoverage(schema, s, `${path}.${j}[${i}]`, out);
    });
  }
  if (isSchema(schema.properties)) {
    for (const [name, sub] of Object.entries(schema.properties)) {
      if (isSchema(sub)) check(sub, `${path}.properties.${name}`, false, out);
    }
  }
  if (isSchema(schema.additionalProperties)) check(schema.additionalProperties, `${path}.additionalProperties`, false, out);
  if (isSchema(schema.items)) check(schema.items, `${path}.items`, false, out);
  else if (schema.items !== undefined) out.push(`${path}.items: must be a single schema`);
}

/**
 * Violations of the structural-schema rules and of what apiextensions.k8s.io/v1 accepts, one line each
 * (`<path>: <problem>`); empty when the schema is fine.
 */
export function structuralSchemaViolations(openAPIV3Schema: JsonSchema): string[] {
  const out: string[] = [];
  check(openAPIV3Schema, 'openAPIV3Schema', true, out);
  return out;
}
