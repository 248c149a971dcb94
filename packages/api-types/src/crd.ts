/**
 * CustomResourceDefinition manifests (apiextensions.k8s.io/v1) produced from the kind schemas: the
 * Kubernetes sub-schemas are inlined, every object inside a pod template keeps unknown fields
 * (`x-kubernetes-preserve-unknown-fields`, so nothing a user writes in a pod is pruned), and what a
 * structural schema cannot hold (closed objects, our message annotations) is left to ajv validation.
 */
import { stringify } from 'yaml';
import { SEDNA_GROUP, SEDNA_VERSION } from './constants.js';
import { k8sDefinitions } from './generated/k8s.js';
import type { JsonSchema } from './jsonSchema.js';
import { SEDNA_KINDS, type KindInfo, type PrinterColumn } from './kinds.js';
import { K8S_SCHEMA_ID } from './schemas/k8s.js';

/** A CustomResourceDefinition as this package emits it (the apiextensions.k8s.io/v1 fields it uses). */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames?: string[]; categories?: string[] };
    scope: 'Namespaced' | 'Cluster';
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: JsonSchema };
      subresources?: { status?: Record<string, never> };
      additionalPrinterColumns?: PrinterColumn[];
    }>;
  };
}

/** `kubectl get sedna` lists every Sedna object through this category. */
export const SEDNA_CATEGORY = 'sedna';

const K8S_REF_PREFIX = `${K8S_SCHEMA_ID}#/definitions/`;
const LOCAL_REF_PREFIX = '#/definitions/';

/** Keys a CRD schema does not accept or that only serve our validation. */
function dropKey(key: string): boolean {
  return key === '$id' || key === '$schema' || key.startsWith('x-sedna');
}

function toCrdSchema(schema: JsonSchema, inK8s: boolean, seen: readonly string[]): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const key = ref.startsWith(K8S_REF_PREFIX)
      ? ref.slice(K8S_REF_PREFIX.length)
      : inK8s && ref.startsWith(LOCAL_REF_PREFIX)
        ? ref.slice(LOCAL_REF_PREFIX.length)
        : undefined;
    const target = key === undefined ? undefined : k8sDefinitions[key];
    if (key === undefined || target === undefined) throw new Error(`cannot resolve $ref ${ref}`);
    if (seen.includes(key)) throw new Error(`recursive Kubernetes type ${key} cannot be inlined in a CRD`);
    const inlined = toCrdSchema(target, true, [...seen, key]);
    const description = schema.description;
    return typeof description === 'string' ? { description, ...inlined } : inlined;
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (dropKey(key)) continue;
    if (key === 'additionalProperties' && typeof value === 'boolean') continue;
    if (key === 'properties' && value && typeof value === 'object') {
      const props: Record<string, JsonSchema> = {};
      for (const [name, sub] of Object.entries(value as Record<string, JsonSchema>)) props[name] = toCrdSchema(sub, inK8s, seen);
      out.properties = props;
    } else if ((key === 'items' || key === 'additionalProperties') && value && typeof value === 'object') {
      out[key] = toCrdSchema(value as JsonSchema, inK8s, seen);
    } else if ((key === 'anyOf' || key === 'oneOf' || key === 'allOf') && Array.isArray(value)) {
      out[key] = value.map((v: JsonSchema) => toCrdSchema(v, inK8s, seen));
    } else {
      out[key] = value;
    }
  }
  // "Number or list" and other untyped values: a structural schema keeps them as free JSON.
  if (out['x-kubernetes-preserve-unknown-fields'] === true && out.type === undefined && out['x-kubernetes-int-or-string'] !== true) {
    delete out.anyOf;
    delete out.oneOf;
  }
  if (inK8s && out.type === 'object' && out.properties !== undefined) out['x-kubernetes-preserve-unknown-fields'] = true;
  return sortKeywords(out);
}

/** Keywords in alphabetical order, as controller-gen writes them; properties keep their declared order. */
function sortKeywords(schema: JsonSchema): JsonSchema {
  const sorted: JsonSchema = {};
  for (const key of Object.keys(schema).sort()) sorted[key] = schema[key];
  return sorted;
}

function rootSchema(info: KindInfo): JsonSchema {
  const props = (info.schema as JsonSchema).properties as Record<string, JsonSchema>;
  const spec = props.spec;
  const status = props.status;
  if (!spec || !status) throw new Error(`${info.kind} schema lacks spec or status`);
  return {
    description: info.description,
    type: 'object',
    properties: {
      apiVersion: {
        description:
          'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.',
        type: 'string',
      },
      kind: {
        description:
          'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. In CamelCase.',
        type: 'string',
      },
      metadata: { type: 'object' },
      spec: toCrdSchema(spec, false, []),
      status: toCrdSchema(status, false, []),
    },
    required: ['spec'],
  };
}

/** Builds the CustomResourceDefinition of one kind from its schema. */
export function buildCustomResourceDefinition(info: KindInfo): CustomResourceDefinition {
  const names: CustomResourceDefinition['spec']['names'] = {
    kind: info.kind,
    listKind: info.listKind,
    plural: info.plural,
    singular: info.singular,
  };
  if (info.shortNames.length > 0) names.shortNames = [...info.shortNames];
  names.categories = [SEDNA_CATEGORY];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${info.plural}.${SEDNA_GROUP}` },
    spec: {
      group: SEDNA_GROUP,
      names,
      scope: 'Namespaced',
      versions: [
        {
          name: SEDNA_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: rootSchema(info) },
          subresources: { status: {} },
          additionalPrinterColumns: info.printerColumns.map((c) => ({ ...c })),
        },
      ],
    },
  };
}

let cached: readonly CustomResourceDefinition[] | undefined;

/**
 * The CustomResourceDefinitions of the six Sedna kinds, as objects ready to create through the
 * Kubernetes API. Each call returns fresh copies, so callers may change them.
 *
 * @example
 * for (const crd of sednaCustomResourceDefinitions()) await api.createCustomResourceDefinition({ body: crd });
 */
export function sednaCustomResourceDefinitions(): CustomResourceDefinition[] {
  cached ??= SEDNA_KINDS.map(buildCustomResourceDefinition);
  return structuredClone(cached) as CustomResourceDefinition[];
}

const HEADER = '# Generated by @sedna-ts/api-types from its schemas: do not edit.\n';

/** One CRD as YAML (the text of packages/api-types/crds/<plural>.sedna.io.yaml). */
export function crdToYaml(crd: CustomResourceDefinition): string {
  return HEADER + stringify(crd, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Several CRDs as one multi-document YAML stream, ready for `kubectl apply -f -`. */
export function crdsToYaml(crds: readonly CustomResourceDefinition[] = sednaCustomResourceDefinitions()): string {
  return HEADER + crds.map((crd) => `---\n${stringify(crd, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('');
}
