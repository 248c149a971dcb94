/**
 * Validation of one document: ajv against the kind's schema, then the rules a schema cannot say
 * (./rules.ts). Every problem becomes a {@link ValidationIssue}; nothing throws.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { LEGACY_API_VERSION, SEDNA_API_VERSION, SednaKind } from './constants.js';
import { k8sDefinitions } from './generated/k8s.js';
import { didYouMean, dottedPath, type SourcePosition, type ValidationIssue } from './issues.js';
import { getKindInfo } from './kinds.js';
import { normalizeLegacyIncrementalLearningJob } from './legacy.js';
import { checkRules, type RuleIssue } from './rules.js';
import { MESSAGE_KEY } from './schemas/helpers.js';
import { K8S_SCHEMA_ID } from './schemas/k8s.js';
import { LegacyIncrementalLearningJobSchema, type LegacyIncrementalLearningJob } from './schemas/legacy.js';
import type { SednaObject } from './objects.js';
import type { JsonSchema } from './jsonSchema.js';

type Segment = string | number;

/** Options of {@link validateDocument}. */
export interface ValidateOptions {
  /** Finds a field in the source text, to give issues a position (see `SourceDocument.locate`). */
  locate?: (path: readonly Segment[]) => SourcePosition | undefined;
  /** Index of the document in its stream, copied into the issues. */
  documentIndex?: number;
  /**
   * Check the annotations the GM reads (`sedna.io/deadlines` of a learning job); default true, as
   * `sedna validate` and `sedna apply` do. The GM and the LC pass false: they take an object already
   * stored, whose bad annotation the GM reports without stopping the job (it keeps its own settings).
   */
  annotations?: boolean;
}

/** Outcome of {@link validateDocument}. */
export type ValidationResult =
  | {
      valid: true;
      /** The object in the sedna.io form (a document of the older form is normalised; otherwise the input itself). */
      object: SednaObject;
      /** True when the input was of the older form (`edgeai.io/v1alpha1`). */
      legacy: boolean;
      issues: [];
    }
  | { valid: false; issues: ValidationIssue[] };

const SEDNA_KINDS_LIST = Object.values(SednaKind);

/** Extra keywords the schemas carry: Kubernetes' extensions and our message annotation. */
const VENDOR_KEYWORDS = [
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  MESSAGE_KEY,
];

let ajvInstance: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function getAjv(): Ajv {
  if (ajvInstance) return ajvInstance;
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, strictRequired: false });
  // ajv-formats is CommonJS: under ESM its default import is module.exports, under tsup's CJS output `.default`.
  const mod = addFormatsModule as unknown as { default?: (a: Ajv, f: string[]) => Ajv } & ((a: Ajv, f: string[]) => Ajv);
  (mod.default ?? mod)(ajv, ['date-time']);
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  ajv.addFormat('float', { type: 'number', validate: () => true });
  ajv.addVocabulary(VENDOR_KEYWORDS);
  ajv.addSchema({ $id: K8S_SCHEMA_ID, definitions: k8sDefinitions });
  ajvInstance = ajv;
  return ajv;
}

function validatorFor(key: string, schema: TSchema): ValidateFunction {
  let fn = compiled.get(key);
  if (!fn) {
    fn = getAjv().compile(schema);
    compiled.set(key, fn);
  }
  return fn;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Who a document is, for the issue lines: kind, namespace (default "default") and name. */
function identify(doc: unknown): Pick<ValidationIssue, 'kind' | 'namespace' | 'name'> {
  if (!isObject(doc)) return { kind: '', namespace: 'default', name: '' };
  const meta = isObject(doc.metadata) ? doc.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : typeof meta.generateName === 'string' ? `${meta.generateName}*` : '';
  return {
    kind: typeof doc.kind === 'string' ? doc.kind : '',
    namespace: typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default',
    name,
  };
}

function valueAt(root: unknown, path: readonly Segment[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
    else if (isObject(cur) && typeof seg === 'string') cur = cur[seg];
    else return undefined;
  }
  return cur;
}

/** JSON pointer -> path segments, with array indices as numbers (decided by the data, not the text). */
function pointerToSegments(root: unknown, pointer: string): Segment[] {
  if (pointer === '') return [];
  const out: Segment[] = [];
  let cur = root;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(token)) {
      const index = Number(token);
      out.push(index);
      cur = cur[index];
    } else {
      out.push(token);
      cur = isObject(cur) ? cur[token] : undefined;
    }
  }
  return out;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'an object (a map of fields)',
  array: 'a list',
  null: 'null',
};

function quoteList(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

function schemaOf(error: ErrorObject): JsonSchema {
  return (isObject(error.parentSchema) ? error.parentSchema : {}) as JsonSchema;
}

/** One ajv error as path segments, value and a message in words. */
function describe(error: ErrorObject, doc: unknown): { segments: Segment[]; value: unknown; message: string } {
  const segments = pointerToSegments(doc, error.instancePath);
  const value = valueAt(doc, segments);
  const parent = schemaOf(error);
  const custom = typeof parent[MESSAGE_KEY] === 'string' ? (parent[MESSAGE_KEY] as string) : undefined;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { segments: [...segments, String(params.missingProperty)], value: undefined, message: 'is required' };
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const known = isObject(parent.properties) ? Object.keys(parent.properties) : [];
      const hint = didYouMean(field, known);
      const message = hint ? `is not a known field: did you mean "${hint}"?` : `is not a known field (known: ${known.join(', ')})`;
      return { segments: [...segments, field], value: valueAt(doc, [...segments, field]), message };
    }
    case 'type': {
      const types = Array.isArray(params.type) ? (params.type as string[]) : [String(params.type)];
      return { segments, value, message: `must be ${types.map((t) => TYPE_WORDS[t] ?? t).join(' or ')}` };
    }
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
      const hint = typeof value === 'string' ? didYouMean(value, allowed.filter((v): v is string => typeof v === 'string')) : undefined;
      const list = `must be one of ${quoteList(allowed)}`;
      return { segments, value, message: hint !== undefined ? `${list}: did you mean ${JSON.stringify(hint)}?` : list };
    }
    case 'pattern':
      return { segments, value, message: custom ?? `does not match ${String(params.pattern)}` };
    case 'format': {
      const format = String(params.format);
      if (custom) return { segments, value, message: custom };
      if (format === 'int32') return { segments, value, message: 'is out of the int32 range' };
      return { segments, value, message: `is not a valid ${format}` };
    }
    case 'minimum':
    case 'maximum': {
      if (typeof parent.minimum === 'number' && typeof parent.maximum === 'number') {
        return { segments, value, message: `must be between ${parent.minimum} and ${parent.maximum}` };
      }
      return { segments, value, message: `must be ${error.keyword === 'minimum' ? '>=' : '<='} ${String(params.limit)}` };
    }
    case 'exclusiveMinimum':
      return { segments, value, message: `must be > ${String(params.limit)}` };
    case 'exclusiveMaximum':
      return { segments, value, message: `must be < ${String(params.limit)}` };
    case 'minLength':
      return { segments, value, message: params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters long` };
    case 'maxLength':
      return { segments, value, message: `must be at most ${String(params.limit)} characters long` };
    case 'minItems':
      return { segments, value, message: `must have at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}` };
    case 'maxItems':
      return { segments, value, message: `must have at most ${String(params.limit)} items` };
    case 'anyOf':
    case 'oneOf':
      if (custom) return { segments, value, message: custom };
      if (parent['x-kubernetes-int-or-string'] === true) return { segments, value, message: 'must be an integer or a string' };
      return { segments, value, message: 'does not match any allowed form' };
    default:
      return { segments, value, message: error.message ?? `fails ${error.keyword}` };
  }
}

/** ajv errors -> issues: one per field (the first problem found there), anyOf branches folded into the anyOf. */
function schemaIssues(errors: readonly ErrorObject[], doc: unknown): Array<{ segments: Segment[]; value: unknown; message: string }> {
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.instancePath));
  const seen = new Set<string>();
  const out: Array<{ segments: Segment[]; value: unknown; message: string }> = [];
  for (const error of errors) {
    if (anyOfPaths.has(error.instancePath) && error.keyword !== 'anyOf' && error.keyword !== 'oneOf') continue;
    const described = describe(error, doc);
    const key = dottedPath(described.segments);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(described);
  }
  return out;
}

/**
 * How deep a document may nest. Its checks recurse once per level (the schema, the copy of an older
 * form): deeper, they overflowed the stack and the issue named no field (found by the fault suite's
 * mutated documents). As deep as `parseDocuments` lets a text nest.
 */
const MAX_VALUE_DEPTH = 500;

/** The path (its first 8 segments) of a value nested deeper than `max` in `value`, found without recursion. */
function pathPastDepth(value: unknown, max: number): Segment[] | undefined {
  const work: Array<{ value: unknown; path: Segment[]; depth: number }> = [{ value, path: [], depth: 0 }];
  while (work.length > 0) {
    const { value: v, path, depth } = work.pop() as (typeof work)[number];
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return path;
    const at = (key: Segment) => (path.length < 8 ? [...path, key] : path);
    if (Array.isArray(v)) v.forEach((item: unknown, i) => work.push({ value: item, path: at(i), depth: depth + 1 }));
    else for (const [key, item] of Object.entries(v)) work.push({ value: item, path: at(key), depth: depth + 1 });
  }
  return undefined;
}

/**
 * Validates one parsed document as a Sedna object: apiVersion and kind, the kind's schema, and the rules
 * beyond the schema. A document of the older form (`edgeai.io/v1alpha1`) is validated as written and, when
 * valid, returned normalised to the sedna.io form. Never throws.
 *
 * @example
 * const result = validateDocument(YAML.parse(text));
 * if (!result.valid) for (const issue of result.issues) console.error(formatIssue(issue));
 */
export function validateDocument(doc: unknown, options: ValidateOptions = {}): ValidationResult {
  const who = identify(doc);
  const issues: ValidationIssue[] = [];
  const push = (code: ValidationIssue['code'], segments: readonly Segment[], value: unknown, message: string): void => {
    const issue: ValidationIssue = { code, ...who, path: dottedPath(segments), value, message };
    const position = locateNearest(options.locate, segments);
    if (position) issue.position = position;
    if (options.documentIndex !== undefined) issue.documentIndex = options.documentIndex;
    issues.push(issue);
  };
  try {
    if (!isObject(doc)) {
      push('kind', [], doc, 'is not an object: a document must be a map with apiVersion, kind, metadata and spec');
      return { valid: false, issues };
    }
    const tooDeep = pathPastDepth(doc, MAX_VALUE_DEPTH);
    if (tooDeep) {
      push('too-large', tooDeep, undefined, `nests deeper than ${MAX_VALUE_DEPTH} levels`);
      return { valid: false, issues };
    }
    const apiVersion = doc.apiVersion;
    const kind = doc.kind;
    if (apiVersion === undefined) push('schema', ['apiVersion'], undefined, `is required (${SEDNA_API_VERSION})`);
    else if (apiVersion !== SEDNA_API_VERSION && apiVersion !== LEGACY_API_VERSION) {
      const hint = typeof apiVersion === 'string' ? didYouMean(apiVersion, [SEDNA_API_VERSION]) : undefined;
      push('kind', ['apiVersion'], apiVersion, hint ? `is not a Sedna API version: did you mean "${hint}"?` : `is not a Sedna API version (expected ${SEDNA_API_VERSION})`);
    }
    if (kind === undefined) push('schema', ['kind'], undefined, 'is required');
    else if (typeof kind !== 'string' || !getKindInfo(kind)) {
      const hint = typeof kind === 'string' ? didYouMean(kind, SEDNA_KINDS_LIST) : undefined;
      push('kind', ['kind'], kind, hint ? `is not a Sedna kind: did you mean "${hint}"?` : `is not a Sedna kind (${SEDNA_KINDS_LIST.join(', ')})`);
    }
    if (issues.length > 0) return { valid: false, issues };

    const info = getKindInfo(kind as string)!;
    const legacy = apiVersion === LEGACY_API_VERSION;
    let object: unknown = doc;
    let validate: ValidateFunction;
    if (legacy && info.kind === SednaKind.IncrementalLearningJob) {
      validate = validatorFor('legacy:IncrementalLearningJob', LegacyIncrementalLearningJobSchema);
    } else {
      validate = validatorFor(info.kind, info.schema);
      if (legacy) object = { ...structuredClone(doc), apiVersion: SEDNA_API_VERSION };
    }
    if (!validate(object)) {
      for (const { segments, value, message } of schemaIssues(validate.errors ?? [], object)) push('schema', segments, value, message);
    }
    const rules: RuleIssue[] = checkRules(object as Record<string, unknown>, options.annotations === false ? { annotations: false } : {});
    for (const r of rules) push('rule', r.segments, r.value, r.message);
    if (issues.length > 0) return { valid: false, issues };
    if (legacy && info.kind === SednaKind.IncrementalLearningJob) {
      object = normalizeLegacyIncrementalLearningJob(doc as unknown as LegacyIncrementalLearningJob);
    }
    return { valid: true, object: object as SednaObject, legacy, issues: [] };
  } catch (error) {
    push('internal', [], undefined, `validation failed: ${error instanceof Error ? error.message : String(error)}`);
    return { valid: false, issues };
  }
}

/** Position of the deepest existing node on `segments` (a missing field points at its parent). */
function locateNearest(
  locate: ValidateOptions['locate'],
  segments: readonly Segment[],
): SourcePosition | undefined {
  if (!locate) return undefined;
  for (let n = segments.length; n >= 0; n--) {
    const position = locate(segments.slice(0, n));
    if (position) return position;
  }
  return undefined;
}
