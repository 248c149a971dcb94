import { type V1ConfigMap, type V1Container, type V1Pod, type V1Secret } from '@kubernetes/client-node';
import { expandVars } from './command.js';
import { NodeAgentError } from './errors.js';

/** The names of the configMaps and secrets a pod reads (env, envFrom and volumes), per kind. */
export interface PodReferences {
  configMaps: Set<string>;
  secrets: Set<string>;
}

/** The data of the configMaps and secrets a pod reads, decoded to text; `null` when absent. */
export interface ResolvedSources {
  configMaps: ReadonlyMap<string, Readonly<Record<string, string>> | null>;
  secrets: ReadonlyMap<string, Readonly<Record<string, string>> | null>;
}

/** What the downward API of the agent knows about the running pod beyond its own object. */
export interface DownwardInfo {
  podIP: string;
  hostIP: string;
}

/** Every container of the pod, init containers first, with the field path that names it. */
export function podContainers(pod: V1Pod): { container: V1Container; field: string; init: boolean }[] {
  return [
    ...(pod.spec?.initContainers ?? []).map((container, i) => ({ container, field: `spec.initContainers[${i}]`, init: true })),
    ...(pod.spec?.containers ?? []).map((container, i) => ({ container, field: `spec.containers[${i}]`, init: false })),
  ];
}

/** Collects the configMaps and secrets referenced by the pod, so they can be fetched before it starts. */
export function podReferences(pod: V1Pod): PodReferences {
  const refs: PodReferences = { configMaps: new Set(), secrets: new Set() };
  for (const { container } of podContainers(pod)) {
    for (const source of container.envFrom ?? []) {
      if (source.configMapRef?.name) refs.configMaps.add(source.configMapRef.name);
      if (source.secretRef?.name) refs.secrets.add(source.secretRef.name);
    }
    for (const variable of container.env ?? []) {
      if (variable.valueFrom?.configMapKeyRef?.name) refs.configMaps.add(variable.valueFrom.configMapKeyRef.name);
      if (variable.valueFrom?.secretKeyRef?.name) refs.secrets.add(variable.valueFrom.secretKeyRef.name);
    }
  }
  for (const volume of pod.spec?.volumes ?? []) {
    if (volume.configMap?.name) refs.configMaps.add(volume.configMap.name);
    if (volume.secret?.secretName) refs.secrets.add(volume.secret.secretName);
  }
  return refs;
}

/** The text content of a configMap (`data`, then `binaryData` decoded as UTF-8). */
export function configMapText(configMap: V1ConfigMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(configMap.binaryData ?? {})) out[key] = Buffer.from(value, 'base64').toString('utf8');
  Object.assign(out, configMap.data ?? {});
  return out;
}

/** The text content of a secret (`data` decoded from base64, then any `stringData` a server kept as is). */
export function secretText(secret: V1Secret): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret.data ?? {})) out[key] = Buffer.from(value, 'base64').toString('utf8');
  Object.assign(out, secret.stringData ?? {});
  return out;
}

/**
 * Resolves a downward-API `fieldRef` path against the pod: metadata.name, metadata.namespace,
 * metadata.uid, metadata.labels['k'], metadata.annotations['k'], spec.nodeName,
 * spec.serviceAccountName, status.podIP(s) and status.hostIP(s).
 *
 * @returns undefined for a path the agent does not serve.
 */
export function downwardField(pod: V1Pod, fieldPath: string, info: DownwardInfo): string | undefined {
  const keyed = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (keyed) {
    const map = keyed[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations;
    return map?.[keyed[2] as string] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return info.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return info.hostIP;
    default:
      return undefined;
  }
}

/**
 * Builds a container's environment the way the kubelet does: `envFrom` sources first, in order, then
 * `env` entries, later names overriding earlier ones. `env[].value` may refer to variables defined
 * before it as `$(NAME)`. Secret and configMap keys come from `sources`; an absent source or key is
 * skipped when marked optional and an error otherwise.
 *
 * @param where names the container in errors, e.g. `Pod default/train: spec.containers[0]`.
 * @throws NodeAgentError `ContainerConfig` naming the field path and the missing source, key or field.
 */
export function buildContainerEnv(
  pod: V1Pod,
  container: Pick<V1Container, 'env' | 'envFrom'>,
  where: string,
  sources: ResolvedSources,
  info: DownwardInfo,
): Record<string, string> {
  const env: Record<string, string> = {};
  (container.envFrom ?? []).forEach((source, index) => {
    const field = `${where}.envFrom[${index}]`;
    const ref = source.configMapRef ?? source.secretRef;
    const kind = source.configMapRef ? 'configMap' : 'secret';
    if (!ref?.name) throw new NodeAgentError('ContainerConfig', `${field}: neither configMapRef nor secretRef names a source`);
    const data = (kind === 'configMap' ? sources.configMaps : sources.secrets).get(ref.name);
    if (!data) {
      if (ref.optional) return;
      throw new NodeAgentError('ContainerConfig', `${field}.${kind}Ref: ${kind} ${JSON.stringify(ref.name)} not found`);
    }
    for (const [key, value] of Object.entries(data)) env[`${source.prefix ?? ''}${key}`] = value;
  });
  (container.env ?? []).forEach((variable, index) => {
    const field = `${where}.env[${index}]`;
    if (variable.valueFrom === undefined) {
      env[variable.name] = expandVars(variable.value ?? '', (name) => env[name]);
      return;
    }
    const { fieldRef, configMapKeyRef, secretKeyRef, resourceFieldRef } = variable.valueFrom;
    if (fieldRef) {
      const value = downwardField(pod, fieldRef.fieldPath, info);
      if (value === undefined) {
        throw new NodeAgentError('ContainerConfig', `${field}.valueFrom.fieldRef.fieldPath: ${JSON.stringify(fieldRef.fieldPath)} is not supported`);
      }
      env[variable.name] = value;
    } else if (configMapKeyRef || secretKeyRef) {
      const ref = (configMapKeyRef ?? secretKeyRef) as { name?: string; key: string; optional?: boolean };
      const kind = configMapKeyRef ? 'configMap' : 'secret';
      const data = (kind === 'configMap' ? sources.configMaps : sources.secrets).get(ref.name ?? '');
      const value = data?.[ref.key];
      if (value === undefined) {
        if (ref.optional) return;
        const what = data ? `key ${JSON.stringify(ref.key)} not found in ${kind} ${JSON.stringify(ref.name)}` : `${kind} ${JSON.stringify(ref.name)} not found`;
        throw new NodeAgentError('ContainerConfig', `${field}.valueFrom.${kind}KeyRef: ${what}`);
      }
      env[variable.name] = value;
    } else if (resourceFieldRef) {
      throw new NodeAgentError('ContainerConfig', `${field}.valueFrom.resourceFieldRef: ${JSON.stringify(resourceFieldRef.resource)} is not supported by the node agent`);
    } else {
      throw new NodeAgentError('ContainerConfig', `${field}.valueFrom: no source given`);
    }
  });
  return env;
}
