/**
 * Rules a JSON Schema cannot say, checked after the schema: an object needs a name (of at most 63
 * characters for kinds with workers, whose pods carry it in a label), and within a pod template every
 * volume mount names a volume of the pod and container names are unique (Kubernetes rejects such a pod
 * only when the controller creates it, long after `apply`); a learning job's `sedna.io/deadlines`
 * annotation is a JSON object of known deadlines with good durations.
 */
import { DEADLINES_ANNOTATION, parseDeadlines } from './deadlines.js';
import type { ValidationIssue } from './issues.js';
import { getKindInfo } from './kinds.js';

type Path = Array<string | number>;
/** An issue of a rule, before the object's identity is added. */
export type RuleIssue = Pick<ValidationIssue, 'value' | 'message'> & { segments: Path };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function get(root: unknown, path: Path): unknown {
  let cur = root;
  for (const seg of path) {
    if (typeof seg === 'number') cur = Array.isArray(cur) ? cur[seg] : undefined;
    else cur = isObject(cur) ? cur[seg] : undefined;
  }
  return cur;
}

/** Where each kind keeps its pod templates. */
function templatePaths(doc: Record<string, unknown>): Path[] {
  switch (doc.kind) {
    case 'IncrementalLearningJob':
    case 'LifelongLearningJob':
      return [
        ['spec', 'trainSpec', 'template'],
        ['spec', 'evalSpec', 'template'],
        ['spec', 'deploySpec', 'template'],
      ];
    case 'JointInferenceService':
      return [
        ['spec', 'edgeWorker', 'template'],
        ['spec', 'cloudWorker', 'template'],
      ];
    case 'FederatedLearningJob': {
      const workers = get(doc, ['spec', 'trainingWorkers']);
      const paths: Path[] = [['spec', 'aggregationWorker', 'template']];
      if (Array.isArray(workers)) workers.forEach((_, i) => paths.push(['spec', 'trainingWorkers', i, 'template']));
      return paths;
    }
    default:
      return [];
  }
}

function checkTemplate(doc: unknown, templatePath: Path, out: RuleIssue[]): void {
  const podSpec = get(doc, [...templatePath, 'spec']);
  if (!isObject(podSpec)) return;
  const volumes = Array.isArray(podSpec.volumes) ? podSpec.volumes : [];
  const volumeNames = volumes.flatMap((v) => (isObject(v) && typeof v.name === 'string' ? [v.name] : []));
  const seenContainers = new Set<string>();
  for (const list of ['initContainers', 'containers'] as const) {
    const containers = podSpec[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((container, ci) => {
      if (!isObject(container)) return;
      const base: Path = [...templatePath, 'spec', list, ci];
      if (typeof container.name === 'string') {
        if (seenContainers.has(container.name)) {
          out.push({ segments: [...base, 'name'], value: container.name, message: 'is the name of another container of the pod' });
        }
        seenContainers.add(container.name);
      }
      const mounts = container.volumeMounts;
      if (!Array.isArray(mounts)) return;
      mounts.forEach((mount, mi) => {
        if (!isObject(mount) || typeof mount.name !== 'string' || volumeNames.includes(mount.name)) return;
        const known = volumeNames.length > 0 ? `volumes: ${volumeNames.join(', ')}` : 'the pod has no volumes';
        out.push({ segments: [...base, 'volumeMounts', mi, 'name'], value: mount.name, message: `names no volume of the pod (${known})` });
      });
    });
  }
}

/** Options of {@link checkRules}. */
export interface RuleOptions {
  /** Check the annotations the GM reads (`sedna.io/deadlines`); default true. */
  annotations?: boolean;
}

/** The `sedna.io/deadlines` annotation of a learning job: a JSON object of known deadlines with good durations. */
function checkDeadlines(doc: Record<string, unknown>, out: RuleIssue[]): void {
  const annotations = get(doc, ['metadata', 'annotations']);
  const value = isObject(annotations) ? annotations[DEADLINES_ANNOTATION] : undefined;
  if (value === undefined || typeof doc.kind !== 'string' || !getKindInfo(doc.kind)?.learningJob) return;
  const path: Path = ['metadata', 'annotations', DEADLINES_ANNOTATION];
  if (typeof value !== 'string') return; // the schema says annotations are strings
  for (const issue of parseDeadlines(value).issues) {
    out.push({ segments: issue.key === undefined ? path : [...path, issue.key], value: issue.value, message: issue.message });
  }
}

/** Issues of the rules for a document of a known kind (checked defensively: the schema may have failed). */
export function checkRules(doc: Record<string, unknown>, options: RuleOptions = {}): RuleIssue[] {
  const out: RuleIssue[] = [];
  if (options.annotations !== false) checkDeadlines(doc, out);
  const metadata = doc.metadata;
  if (isObject(metadata) && metadata.name === undefined && (typeof metadata.generateName !== 'string' || metadata.generateName === '')) {
    out.push({ segments: ['metadata', 'name'], value: undefined, message: 'is required' });
  }
  const templates = templatePaths(doc);
  // Worker pods carry the object's name as a label value (`<kind>.sedna.io/name`), which holds at most 63 characters.
  if (templates.length > 0 && isObject(metadata) && typeof metadata.name === 'string' && metadata.name.length > 63) {
    out.push({ segments: ['metadata', 'name'], value: metadata.name, message: `is ${metadata.name.length} characters long: at most 63, as its workers carry it in a label` });
  }
  for (const path of templates) checkTemplate(doc, path, out);
  // A relative outputDir would be resolved against each component's working directory (the LC's, a pod's).
  const spec = doc.spec;
  if (isObject(spec) && typeof spec.outputDir === 'string' && spec.outputDir !== '' && !spec.outputDir.startsWith('/') && !/^[a-z][a-z0-9+.-]*:\/\//i.test(spec.outputDir)) {
    out.push({ segments: ['spec', 'outputDir'], value: spec.outputDir, message: 'is not an absolute path or a URL (s3://...): a relative one would be read against the working directory of each part' });
  }
  return out;
}
