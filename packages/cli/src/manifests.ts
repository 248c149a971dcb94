/**
 * The objects of manifest files, checked before anything reaches a server. A Sedna document (group
 * sedna.io or the older edgeai.io, or a Sedna kind under another apiVersion, which is then a mistake
 * to report) is validated by @sedna-ts/api-types and normalised to the sedna.io form. Any other
 * document (a Secret with the credentials a job uses, a Namespace, a ConfigMap, ...) is a Kubernetes
 * object the API server validates itself: here it only needs apiVersion, kind and a name.
 */
import {
  LEGACY_API_VERSION,
  SEDNA_GROUP,
  SednaKind,
  didYouMean,
  formatIssue,
  parseDocuments,
  validateDocument,
  type ValidationIssue,
} from '@sedna-ts/api-types';
import type { InputFile } from './inputs.js';
import type { KubeObject } from './printers.js';

/** One object read from a manifest file. */
export interface Manifest {
  /** The file, as the user named it. */
  path: string;
  /** The object, in the sedna.io form for Sedna objects. */
  object: KubeObject & { apiVersion: string; kind: string; metadata: NonNullable<KubeObject['metadata']> };
  /** Validated by @sedna-ts/api-types (false: another Kubernetes object, left to the API server). */
  sedna: boolean;
  /** Written in the older edgeai.io form and normalised. */
  legacy: boolean;
}

/** What {@link readManifests} found. */
export interface ManifestSet {
  /** The objects without problems, in file order. */
  manifests: Manifest[];
  /** One line per problem: `PATH: Kind namespace/name: dotted.path: "value" message` or `PATH:LINE:COL: message`. */
  problems: string[];
  /** Objects in the files, valid or not (items of a List count one each). */
  count: number;
}

const SEDNA_KINDS = Object.values(SednaKind) as string[];
const LEGACY_GROUP = LEGACY_API_VERSION.split('/')[0]!;

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True when a document is meant as a Sedna object: its group is sedna.io or edgeai.io (or a near miss
 * of them), or its kind is a Sedna kind. Such documents get the full Sedna validation; others are
 * Kubernetes objects of other kinds.
 */
export function isSednaDocument(doc: unknown): boolean {
  if (!isMap(doc)) return true;
  const { apiVersion, kind } = doc;
  if (typeof kind === 'string' && SEDNA_KINDS.includes(kind)) return true;
  if (typeof apiVersion !== 'string') return typeof kind !== 'string';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  if (group === '') return false;
  return group === SEDNA_GROUP || group === LEGACY_GROUP || didYouMean(group, [SEDNA_GROUP, LEGACY_GROUP]) !== undefined;
}

/** Formats a problem of file `path` as `validate` prints it. */
export function formatIssueLine(path: string, issue: ValidationIssue): string {
  if ((issue.code === 'syntax' || issue.code === 'too-large') && issue.position) {
    return `${path}:${issue.position.line}:${issue.position.col}: ${issue.message}`;
  }
  return `${path}: ${formatIssue(issue)}`;
}

/** The problems of a document that is not a Sedna object: only what any Kubernetes object needs. */
function checkOtherObject(doc: Record<string, unknown>, documentIndex: number): ValidationIssue[] {
  const metadata = isMap(doc.metadata) ? doc.metadata : undefined;
  const kind = typeof doc.kind === 'string' ? doc.kind : '';
  const namespace = typeof metadata?.namespace === 'string' && metadata.namespace ? metadata.namespace : 'default';
  const name = typeof metadata?.name === 'string' ? metadata.name : '';
  const issue = (path: string, value: unknown, message: string): ValidationIssue => ({ code: 'schema', kind, namespace, name, path, value, message, documentIndex });
  const issues: ValidationIssue[] = [];
  if (typeof doc.apiVersion !== 'string' || doc.apiVersion === '') issues.push(issue('apiVersion', doc.apiVersion, 'is required (e.g. v1)'));
  if (kind === '') issues.push(issue('kind', doc.kind, 'is required (e.g. Secret)'));
  if (!metadata) issues.push(issue('metadata', doc.metadata, 'is required, with a name'));
  else if (name === '') issues.push(issue('metadata.name', metadata.name, 'is required'));
  return issues;
}

/** A `kind: List` (or `<Kind>List`): its items are the objects. */
function listItems(value: unknown): unknown[] | undefined {
  if (!isMap(value) || typeof value.kind !== 'string' || !value.kind.endsWith('List') || !Array.isArray(value.items)) return undefined;
  return value.items;
}

/**
 * Reads the objects of every file: Sedna documents validated and normalised, others checked for
 * apiVersion, kind and name. Never throws: every problem is a line of {@link ManifestSet.problems}.
 */
export function readManifests(files: readonly InputFile[]): ManifestSet {
  const manifests: Manifest[] = [];
  const problems: string[] = [];
  let count = 0;
  for (const file of files) {
    const parsed = parseDocuments(file.text);
    const issues: ValidationIssue[] = [...parsed.issues];
    count += new Set(parsed.issues.map((i) => i.documentIndex)).size;
    for (const doc of parsed.documents) {
      const items = listItems(doc.value);
      const entries = items ? items.map((value, i) => ({ value, prefix: ['items', i] as Array<string | number> })) : [{ value: doc.value, prefix: [] as Array<string | number> }];
      for (const entry of entries) {
        count++;
        const locate = (path: ReadonlyArray<string | number>) => doc.locate([...entry.prefix, ...path]);
        if (isSednaDocument(entry.value)) {
          const result = validateDocument(entry.value, { documentIndex: doc.index, locate });
          if (result.valid) manifests.push({ path: file.path, object: result.object as Manifest['object'], sedna: true, legacy: result.legacy });
          else issues.push(...result.issues);
        } else {
          const found = checkOtherObject(entry.value as Record<string, unknown>, doc.index);
          if (found.length === 0) manifests.push({ path: file.path, object: structuredClone(entry.value) as Manifest['object'], sedna: false, legacy: false });
          else issues.push(...found);
        }
      }
    }
    for (const issue of issues) problems.push(formatIssueLine(file.path, issue));
  }
  return { manifests, problems, count };
}

/** `Kind namespace/name` of a manifest, as the problem lines name objects. */
export function describeManifest(m: Manifest, namespace?: string): string {
  return `${m.object.kind} ${namespace ?? (m.object.metadata.namespace || 'default')}/${m.object.metadata.name ?? `${m.object.metadata.generateName ?? ''}*`}`;
}
