import { cloneJson } from './patch.js';
import { isPlainObject } from './kubeObject.js';

/** The part of a CRD's openAPIV3Schema the server applies: types, pruning, defaults, basic checks. */
export interface StructuralSchema {
  type?: string;
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: StructuralSchema | boolean;
  items?: StructuralSchema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  anyOf?: StructuralSchema[];
  oneOf?: StructuralSchema[];
  allOf?: StructuralSchema[];
  [key: string]: unknown;
}

/** A field-level problem found while applying a schema. */
export interface SchemaIssue {
  field: string;
  /** `FieldValueRequired`, `FieldValueInvalid`, `FieldValueNotSupported`, `FieldValueTypeInvalid`. */
  reason: string;
  message: string;
}

/** What applying a schema did: the issues found and the unknown fields it pruned. */
export interface SchemaResult {
  issues: SchemaIssue[];
  pruned: string[];
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function preserves(schema: StructuralSchema): boolean {
  return schema['x-kubernetes-preserve-unknown-fields'] === true;
}

/**
 * Applies defaults and prunes unknown fields in place (the way the apiextensions server does before
 * storing), then validates types, required fields, enums and bounds. Returns the issues and the
 * pruned field paths; `value` is changed in place.
 */
export function applySchema(value: Record<string, unknown>, schema: StructuralSchema): SchemaResult {
  const result: SchemaResult = { issues: [], pruned: [] };
  // metadata, apiVersion and kind are handled by the server itself, never pruned.
  const props = schema.properties ?? {};
  for (const [key, sub] of Object.entries(props)) {
    if (key === 'metadata' || key === 'apiVersion' || key === 'kind') continue;
    if (value[key] === undefined && sub.default !== undefined) value[key] = cloneJson(sub.default);
  }
  for (const key of Object.keys(value)) {
    if (key === 'metadata' || key === 'apiVersion' || key === 'kind') continue;
    const sub = props[key];
    if (sub) value[key] = walk(value[key], sub, key, result);
    else if (!preserves(schema)) {
      delete value[key];
      result.pruned.push(key);
    }
  }
  for (const req of schema.required ?? []) {
    if (value[req] === undefined) result.issues.push({ field: req, reason: 'FieldValueRequired', message: 'Required value' });
  }
  return result;
}

function walk(value: unknown, schema: StructuralSchema, path: string, result: SchemaResult): unknown {
  if (value === null) {
    if (schema.nullable) return null;
    // The apiextensions server drops a null for a non-nullable field that has no default.
    return schema.default !== undefined ? cloneJson(schema.default) : undefined;
  }
  if (schema['x-kubernetes-int-or-string']) {
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) {
      result.issues.push({ field: path, reason: 'FieldValueTypeInvalid', message: `Invalid value: ${JSON.stringify(value)}: must be an integer or a string` });
    }
    return value;
  }
  const actual = typeOf(value);
  const type = schema.type;
  if (type && !(type === actual || (type === 'number' && actual === 'integer'))) {
    result.issues.push({ field: path, reason: 'FieldValueTypeInvalid', message: `Invalid value: "${actual}": ${path} in body must be of type ${type}: "${actual}"` });
    return value;
  }
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    result.issues.push({
      field: path,
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`,
    });
  }
  if (isPlainObject(value) && (type === 'object' || schema.properties || schema.additionalProperties)) {
    const props = schema.properties ?? {};
    for (const [key, sub] of Object.entries(props)) {
      if (value[key] === undefined && sub.default !== undefined) value[key] = cloneJson(sub.default);
    }
    const extra = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    for (const key of Object.keys(value)) {
      const sub = props[key] ?? extra;
      if (sub) {
        const next = walk(value[key], sub, join(path, key), result);
        if (next === undefined) delete value[key];
        else value[key] = next;
      } else if (!preserves(schema) && schema.additionalProperties !== true && !schema['x-kubernetes-embedded-resource']) {
        delete value[key];
        result.pruned.push(join(path, key));
      }
    }
    for (const req of schema.required ?? []) {
      if (value[req] === undefined) result.issues.push({ field: join(path, req), reason: 'FieldValueRequired', message: 'Required value' });
    }
    const n = Object.keys(value).length;
    if (schema.minProperties !== undefined && n < schema.minProperties) {
      result.issues.push({ field: path, reason: 'FieldValueInvalid', message: `Invalid value: should have at least ${schema.minProperties} properties` });
    }
    if (schema.maxProperties !== undefined && n > schema.maxProperties) {
      result.issues.push({ field: path, reason: 'FieldValueTooMany', message: `Too many: ${n}: must have at most ${schema.maxProperties} items` });
    }
  } else if (Array.isArray(value)) {
    if (schema.items) {
      for (let i = 0; i < value.length; i++) value[i] = walk(value[i], schema.items, `${path}[${i}]`, result) ?? null;
    }
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      result.issues.push({ field: path, reason: 'FieldValueInvalid', message: `Invalid value: ${value.length}: should have at least ${schema.minItems} items` });
    }
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      result.issues.push({ field: path, reason: 'FieldValueTooMany', message: `Too many: ${value.length}: must have at most ${schema.maxItems} items` });
    }
  } else if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      result.issues.push({ field: path, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: should be at least ${schema.minLength} chars long` });
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      result.issues.push({ field: path, reason: 'FieldValueTooLong', message: `Too long: may not be more than ${schema.maxLength} bytes` });
    }
    if (schema.pattern !== undefined) {
      let re: RegExp | undefined;
      try {
        re = new RegExp(schema.pattern, 'u');
      } catch {
        re = undefined;
      }
      if (re && !re.test(value)) {
        result.issues.push({ field: path, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${path} in body should match '${schema.pattern}'` });
      }
    }
  } else if (typeof value === 'number') {
    const { minimum, maximum } = schema;
    if (minimum !== undefined && (schema.exclusiveMinimum ? value <= minimum : value < minimum)) {
      result.issues.push({ field: path, reason: 'FieldValueInvalid', message: `Invalid value: ${value}: ${path} in body should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${minimum}` });
    }
    if (maximum !== undefined && (schema.exclusiveMaximum ? value >= maximum : value > maximum)) {
      result.issues.push({ field: path, reason: 'FieldValueInvalid', message: `Invalid value: ${value}: ${path} in body should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${maximum}` });
    }
  }
  return value;
}
