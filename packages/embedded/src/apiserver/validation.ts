import { isPlainObject, type KubeObject } from './kubeObject.js';
import { type SchemaIssue } from './schema.js';
import { isLabelKey, isLabelValue } from './selectors.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Whether `name` is a DNS-1123 subdomain (the rule for most object names). */
export function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && DNS_SUBDOMAIN.test(name);
}

/** Whether `name` is a DNS-1123 label (the rule for namespace names). */
export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name);
}

/**
 * Checks the metadata every object shares: the name (a DNS-1123 subdomain, or label for namespaces),
 * label keys and values, annotation keys and the total annotation size, finalizer names and owner
 * references.
 */
export function validateMetadata(o: KubeObject, nameRule: 'subdomain' | 'label'): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const m = o.metadata;
  const name = m.name ?? '';
  if (nameRule === 'label' ? !isDnsLabel(name) : !isDnsSubdomain(name)) {
    issues.push({
      field: 'metadata.name',
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 ${nameRule} must consist of lower case alphanumeric characters${nameRule === 'subdomain' ? ", '-' or '.'" : " or '-'"}, and must start and end with an alphanumeric character`,
    });
  }
  if (m.labels !== undefined) {
    if (!isPlainObject(m.labels)) issues.push({ field: 'metadata.labels', reason: 'FieldValueTypeInvalid', message: 'Invalid value: must be a map of strings' });
    else {
      for (const [k, v] of Object.entries(m.labels)) {
        if (!isLabelKey(k)) issues.push({ field: 'metadata.labels', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(k)}: name part must consist of alphanumeric characters, '-', '_' or '.'` });
        if (typeof v !== 'string' || !isLabelValue(v)) {
          issues.push({ field: `metadata.labels`, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(v)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character` });
        }
      }
    }
  }
  if (m.annotations !== undefined) {
    if (!isPlainObject(m.annotations)) issues.push({ field: 'metadata.annotations', reason: 'FieldValueTypeInvalid', message: 'Invalid value: must be a map of strings' });
    else {
      let size = 0;
      for (const [k, v] of Object.entries(m.annotations)) {
        if (!isLabelKey(k)) issues.push({ field: 'metadata.annotations', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(k)}: name part must consist of alphanumeric characters, '-', '_' or '.'` });
        if (typeof v !== 'string') issues.push({ field: `metadata.annotations.${k}`, reason: 'FieldValueTypeInvalid', message: 'Invalid value: must be a string' });
        size += k.length + String(v).length;
      }
      if (size > 256 * 1024) issues.push({ field: 'metadata.annotations', reason: 'FieldValueTooLong', message: `Too long: must have at most 262144 bytes` });
    }
  }
  (m.finalizers ?? []).forEach((f, i) => {
    if (typeof f !== 'string' || !isLabelKey(f)) issues.push({ field: `metadata.finalizers[${i}]`, reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(f)}: a finalizer name must be a qualified name` });
  });
  (m.ownerReferences ?? []).forEach((r, i) => {
    for (const f of ['apiVersion', 'kind', 'name', 'uid'] as const) {
      if (typeof r?.[f] !== 'string' || r[f] === '') issues.push({ field: `metadata.ownerReferences[${i}].${f}`, reason: 'FieldValueRequired', message: 'Required value' });
    }
  });
  return issues;
}
