/**
 * The Kubernetes objects of deploy/: the files the kustomization lists, read as kubectl would, and
 * checked offline against the Kubernetes schemas (kubernetes-models' JSON schemas, and client-node's
 * typed models for fields no schema knows, which a JSON schema without `additionalProperties: false`
 * lets through).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as read from a file. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** An object and the file (relative to deploy/) it comes from. */
export interface LoadedObject {
  file: string;
  object: KubeObject;
}

/** The objects of every file a kustomization lists, in order. */
export function loadKustomization(dir: string): { resources: string[]; objects: LoadedObject[] } {
  const kustomization = parseAllDocuments(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'))[0]?.toJS() as { resources?: string[] };
  const resources = kustomization.resources ?? [];
  const objects: LoadedObject[] = [];
  for (const file of resources) {
    for (const doc of parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const object = doc.toJS() as KubeObject | null;
      if (object) objects.push({ file, object });
    }
  }
  return { resources, objects };
}

/** `kubectl kustomize <dir>`: the objects kubectl would apply (no cluster needed). */
export function kubectlKustomize(dir: string): Promise<KubeObject[]> {
  return new Promise((resolve, reject) => {
    execFile('kubectl', ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kubectl kustomize ${dir}: ${stderr || error.message}`));
      else resolve(parseAllDocuments(stdout).map((d) => d.toJS() as KubeObject).filter(Boolean));
    });
  });
}

/** The kubernetes-models module of each kind deploy/ uses. */
const MODELS: Record<string, string> = {
  'v1/Namespace': 'kubernetes-models/v1/Namespace',
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount',
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/PersistentVolumeClaim': 'kubernetes-models/v1/PersistentVolumeClaim',
  'v1/Service': 'kubernetes-models/v1/Service',
  'v1/Pod': 'kubernetes-models/v1/Pod',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'apps/v1/DaemonSet': 'kubernetes-models/apps/v1/DaemonSet',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding',
  'rbac.authorization.k8s.io/v1/Role': 'kubernetes-models/rbac.authorization.k8s.io/v1/Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding',
  'apiextensions.k8s.io/v1/CustomResourceDefinition': 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition',
};

/** client-node's model name of a kind (`apps/v1` `Deployment` -> `V1Deployment`). */
function clientNodeType(apiVersion: string, kind: string): string {
  const version = apiVersion.split('/').at(-1) as string;
  return `${version[0]?.toUpperCase()}${version.slice(1)}${kind}`;
}

/** Paths present in `original` that `roundTrip` lost: fields the typed model does not know. */
function lostFields(original: unknown, roundTrip: unknown, at = ''): string[] {
  if (Array.isArray(original)) {
    if (!Array.isArray(roundTrip)) return [at];
    return original.flatMap((v, i) => lostFields(v, roundTrip[i], `${at}[${i}]`));
  }
  if (original !== null && typeof original === 'object') {
    if (roundTrip === null || typeof roundTrip !== 'object') return [at];
    const r = roundTrip as Record<string, unknown>;
    return Object.entries(original).flatMap(([k, v]) => (k in r ? lostFields(v, r[k], at ? `${at}.${k}` : k) : [at ? `${at}.${k}` : k]));
  }
  return [];
}

/**
 * Validates an object against the Kubernetes schema of its kind. Resolves to the problems found (empty:
 * valid): what kubernetes-models' schema refuses (types, enums, formats, required fields), and fields
 * the kind does not have (client-node's typed model drops them on a round trip).
 */
export async function validateObject(object: KubeObject): Promise<string[]> {
  const key = `${object.apiVersion}/${object.kind}`;
  const module = MODELS[key];
  if (!module) return [`${key}: no Kubernetes schema known for this kind`];
  const problems: string[] = [];
  const loaded = (await import(module)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = loaded[object.kind] as new (data: unknown) => { validate(): void };
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(...(error as Error).message.split(', ').map((m) => m.replace(/^data\//, '')));
  }
  const type = clientNodeType(object.apiVersion, object.kind);
  const roundTrip = ObjectSerializer.serialize(ObjectSerializer.deserialize(object, type, ''), type, '');
  for (const field of lostFields(object, roundTrip)) problems.push(`${field}: unknown field of ${object.kind}`);
  return problems;
}
