import { isPlainObject, type KubeObject, rfc3339 } from './kubeObject.js';
import { jsonPathField, type FieldReader, type ResourceType } from './resources.js';
import { type SchemaIssue, type StructuralSchema } from './schema.js';
import { crdColumns, type CrdPrinterColumn } from './table.js';
import { isDnsLabel } from './validation.js';

/** The finalizer that keeps a CRD until its custom resources are deleted. */
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

/** The parts of a CRD the server reads. */
export interface CrdSpec {
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
  versions: {
    name: string;
    served: boolean;
    storage: boolean;
    schema?: { openAPIV3Schema?: StructuralSchema };
    subresources?: { status?: object; scale?: object };
    additionalPrinterColumns?: CrdPrinterColumn[];
    selectableFields?: { jsonPath: string }[];
  }[];
}

function spec(crd: KubeObject): CrdSpec {
  return crd.spec as CrdSpec;
}

/**
 * Checks a CRD the way the apiextensions server does for what we rely on: the name is
 * `<plural>.<group>`, names and scope are set, at least one version, exactly one storage version,
 * printer column paths compile. Fills in the defaults (singular, listKind, conversion).
 */
export function validateCrd(crd: KubeObject): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const add = (field: string, reason: string, message: string): void => {
    issues.push({ field, reason, message });
  };
  if (!isPlainObject(crd.spec)) {
    add('spec', 'FieldValueRequired', 'Required value');
    return issues;
  }
  const s = crd.spec as Partial<CrdSpec> & Record<string, unknown>;
  if (typeof s.group !== 'string' || !s.group.includes('.')) add('spec.group', 'FieldValueInvalid', `Invalid value: ${JSON.stringify(s.group)}: should be a domain with at least one dot`);
  if (s.scope !== 'Namespaced' && s.scope !== 'Cluster') add('spec.scope', 'FieldValueNotSupported', `Unsupported value: ${JSON.stringify(s.scope)}: supported values: "Cluster", "Namespaced"`);
  const names = isPlainObject(s.names) ? (s.names as CrdSpec['names']) : undefined;
  if (!names) add('spec.names', 'FieldValueRequired', 'Required value');
  else {
    if (typeof names.plural !== 'string' || !isDnsLabel(names.plural)) add('spec.names.plural', 'FieldValueInvalid', `Invalid value: ${JSON.stringify(names.plural)}: a lowercase RFC 1123 label is required`);
    if (typeof names.kind !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(names.kind)) add('spec.names.kind', 'FieldValueRequired', 'Required value: a kind is required');
    names.singular ??= typeof names.kind === 'string' ? names.kind.toLowerCase() : '';
    names.listKind ??= `${names.kind}List`;
    if (crd.metadata.name !== `${names.plural}.${String(s.group)}`) {
      add('metadata.name', 'FieldValueInvalid', `Invalid value: ${JSON.stringify(crd.metadata.name)}: must be spec.names.plural+"."+spec.group`);
    }
  }
  if (!Array.isArray(s.versions) || s.versions.length === 0) add('spec.versions', 'FieldValueRequired', 'Required value: must have exactly one version marked as storage version');
  else {
    const storage = s.versions.filter((v) => v.storage === true);
    if (storage.length !== 1) add('spec.versions', 'FieldValueInvalid', 'Invalid value: must have exactly one version marked as storage version');
    s.versions.forEach((v, i) => {
      if (typeof v.name !== 'string' || !/^v\d+((alpha|beta)\d+)?$|^[a-z0-9]+$/.test(v.name)) add(`spec.versions[${i}].name`, 'FieldValueInvalid', `Invalid value: ${JSON.stringify(v.name)}`);
      if (typeof v.served !== 'boolean') add(`spec.versions[${i}].served`, 'FieldValueRequired', 'Required value');
      (v.additionalPrinterColumns ?? []).forEach((c, j) => {
        try {
          crdColumns([c]);
        } catch (error) {
          add(`spec.versions[${i}].additionalPrinterColumns[${j}].jsonPath`, 'FieldValueInvalid', `Invalid value: ${JSON.stringify(c.jsonPath)}: ${(error as Error).message}`);
        }
      });
    });
  }
  s.conversion ??= { strategy: 'None' };
  return issues;
}

/** The status the server gives an accepted CRD: names accepted, Established, stored versions. */
export function establishedStatus(crd: KubeObject, previous: unknown, now: Date): Record<string, unknown> {
  const s = spec(crd);
  const prev = isPlainObject(previous) ? previous : {};
  const stamp = rfc3339(now);
  const prevConditions = Array.isArray(prev.conditions) ? (prev.conditions as Record<string, unknown>[]) : [];
  const keep = (type: string): string => String(prevConditions.find((c) => c.type === type && c.status === 'True')?.lastTransitionTime ?? stamp);
  const storageVersion = s.versions.find((v) => v.storage)?.name ?? '';
  const stored = Array.isArray(prev.storedVersions) ? (prev.storedVersions as string[]) : [];
  const conditions = [
    { type: 'NamesAccepted', status: 'True', lastTransitionTime: keep('NamesAccepted'), reason: 'NoConflicts', message: 'no conflicts found' },
    { type: 'Established', status: 'True', lastTransitionTime: keep('Established'), reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
  ];
  if (crd.metadata.deletionTimestamp) {
    conditions.push({ type: 'Terminating', status: 'True', lastTransitionTime: stamp, reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' });
  }
  return {
    conditions,
    acceptedNames: { ...s.names },
    storedVersions: stored.includes(storageVersion) ? stored : [...stored, storageVersion],
  };
}

/** The resources a CRD serves, one per served version, and its versions in preference order. */
export function crdResourceTypes(crd: KubeObject): { types: ResourceType[]; versionOrder: string[] } {
  const s = spec(crd);
  const storageVersion = s.versions.find((v) => v.storage)?.name ?? s.versions[0]?.name ?? '';
  const types = s.versions
    .filter((v) => v.served)
    .map((v): ResourceType => {
      const fields: Record<string, FieldReader> = {};
      for (const f of v.selectableFields ?? []) fields[f.jsonPath.replace(/^\./, '')] = jsonPathField(f.jsonPath);
      const schema = v.schema?.openAPIV3Schema;
      return {
        group: s.group,
        version: v.name,
        resource: s.names.plural,
        kind: s.names.kind,
        listKind: s.names.listKind ?? `${s.names.kind}List`,
        singular: s.names.singular ?? s.names.kind.toLowerCase(),
        namespaced: s.scope === 'Namespaced',
        shortNames: s.names.shortNames ?? [],
        categories: s.names.categories ?? [],
        hasStatus: v.subresources?.status !== undefined,
        extraSubresources: [],
        storage: `${s.group}/${s.names.plural}`,
        storageApiVersion: `${s.group}/${storageVersion}`,
        fields,
        columns: crdColumns(v.additionalPrinterColumns),
        ...(schema ? { schema } : {}),
        terminating: crd.metadata.deletionTimestamp !== undefined,
        custom: true,
      };
    });
  return { types, versionOrder: s.versions.map((v) => v.name) };
}
