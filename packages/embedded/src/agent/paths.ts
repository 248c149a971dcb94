import path from 'node:path';
import { type V1Container, type V1Pod } from '@kubernetes/client-node';
import { expandVars } from './command.js';
import { NodeAgentError } from './errors.js';

/** Where a pod volume lives on this machine. */
export type PlannedVolume =
  | { name: string; kind: 'hostPath'; hostPath: string; hostPathType: string }
  | { name: string; kind: 'emptyDir'; hostPath: string }
  | { name: string; kind: 'configMap' | 'secret'; hostPath: string; sourceName: string; optional: boolean; items?: { key: string; path: string }[] };

/** A container path prefix and the host path it stands for. */
export interface PathMapping {
  mountPath: string;
  hostPath: string;
}

/** The folder of one pod under the data dir; the API server reads `<container>.log` files from it. */
export function podDirectory(dataDir: string, namespace: string, name: string): string {
  return path.join(dataDir, 'pods', namespace, name);
}

/** The folder backing an emptyDir, configMap or secret volume of a pod. */
export function podVolumeDirectory(podDir: string, volumeName: string): string {
  return path.join(podDir, 'volumes', volumeName);
}

/**
 * Decides where every volume of the pod lives: a hostPath volume is its own path; emptyDir, configMap
 * and secret volumes get a folder of their own under the pod folder.
 *
 * @throws NodeAgentError `ContainerConfig` for a volume type the agent cannot provide.
 */
export function planVolumes(pod: V1Pod, podDir: string, where: string): Map<string, PlannedVolume> {
  const planned = new Map<string, PlannedVolume>();
  (pod.spec?.volumes ?? []).forEach((volume, index) => {
    const field = `${where}: spec.volumes[${index}]`;
    const name = volume.name;
    if (volume.hostPath) {
      if (!path.isAbsolute(volume.hostPath.path)) {
        throw new NodeAgentError('ContainerConfig', `${field}.hostPath.path: ${JSON.stringify(volume.hostPath.path)} is not an absolute path`);
      }
      planned.set(name, { name, kind: 'hostPath', hostPath: path.resolve(volume.hostPath.path), hostPathType: volume.hostPath.type ?? '' });
    } else if (volume.emptyDir) {
      planned.set(name, { name, kind: 'emptyDir', hostPath: podVolumeDirectory(podDir, name) });
    } else if (volume.configMap || volume.secret) {
      const kind = volume.configMap ? 'configMap' : 'secret';
      const sourceName = volume.configMap ? volume.configMap.name : volume.secret?.secretName;
      if (!sourceName) throw new NodeAgentError('ContainerConfig', `${field}.${kind}: no ${kind === 'secret' ? 'secretName' : 'name'}`);
      const items = (volume.configMap ?? volume.secret)?.items?.map((item) => ({ key: item.key, path: item.path }));
      planned.set(name, {
        name,
        kind,
        hostPath: podVolumeDirectory(podDir, name),
        sourceName,
        optional: (volume.configMap ?? volume.secret)?.optional ?? false,
        ...(items ? { items } : {}),
      });
    } else {
      const type = Object.keys(volume).find((key) => key !== 'name') ?? 'unknown';
      throw new NodeAgentError(
        'ContainerConfig',
        `${field}: volume ${JSON.stringify(name)} of type ${type} is not supported by the node agent (hostPath, emptyDir, configMap and secret are)`,
      );
    }
  });
  return planned;
}

/**
 * The mount paths of a container and the host paths they map to (`subPath` and `subPathExpr`, the
 * latter expanded with the container's env, are appended to the volume's host path).
 *
 * @throws NodeAgentError `ContainerConfig` for a mount of an undeclared volume or a relative mount path.
 */
export function containerMappings(
  container: Pick<V1Container, 'volumeMounts'>,
  where: string,
  volumes: ReadonlyMap<string, PlannedVolume>,
  env: Readonly<Record<string, string>>,
): PathMapping[] {
  return (container.volumeMounts ?? []).map((mount, index) => {
    const field = `${where}.volumeMounts[${index}]`;
    const volume = volumes.get(mount.name);
    if (!volume) throw new NodeAgentError('ContainerConfig', `${field}.name: ${JSON.stringify(mount.name)} is not a volume of the pod`);
    if (!path.posix.isAbsolute(mount.mountPath)) {
      throw new NodeAgentError('ContainerConfig', `${field}.mountPath: ${JSON.stringify(mount.mountPath)} is not an absolute path`);
    }
    const subPath = mount.subPathExpr ? expandVars(mount.subPathExpr, (name) => env[name]) : (mount.subPath ?? '');
    if (subPath && (path.posix.isAbsolute(subPath) || subPath.split('/').includes('..'))) {
      throw new NodeAgentError('ContainerConfig', `${field}.subPath: ${JSON.stringify(subPath)} must be a relative path without '..'`);
    }
    return { mountPath: trimTrailingSlash(path.posix.normalize(mount.mountPath)), hostPath: subPath ? path.join(volume.hostPath, subPath) : volume.hostPath };
  });
}

function trimTrailingSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

// Characters that may stand right before a path inside a value (lists such as `a;b`, `PATH`-like
// `a:b`, `--flag=/x`, the storage initializer's `@/x`, quoted JSON, shell text) or right after one.
const BOUNDARY = new Set([' ', '\t', '\n', ';', ':', ',', '=', '@', '"', "'"]);

/**
 * Returns a function that rewrites container paths to host paths in a string: wherever a mount path
 * starts the string or follows a separator (space, `;`, `:`, `,`, `=`, `@` or a quote), and ends at a
 * path boundary (`/`, a separator or the end), it is replaced by its host path. The longest mount path
 * wins, so `/data/models` beats `/data`, and `/data2` is never taken for `/data`. A mount at `/` is
 * never rewritten (every absolute path would match it).
 */
export function createPathRewriter(mappings: readonly PathMapping[]): (value: string) => string {
  const ordered = mappings
    .filter((m) => m.mountPath !== '/' && m.mountPath !== '')
    .sort((a, b) => b.mountPath.length - a.mountPath.length);
  if (ordered.length === 0) return (value) => value;
  return (value) => {
    let out = '';
    let i = 0;
    while (i < value.length) {
      if (i === 0 || BOUNDARY.has(value[i - 1] as string)) {
        const match = ordered.find((m) => value.startsWith(m.mountPath, i) && endsAtBoundary(value, i + m.mountPath.length));
        if (match) {
          out += match.hostPath;
          i += match.mountPath.length;
          continue;
        }
      }
      out += value[i];
      i++;
    }
    return out;
  };
}

function endsAtBoundary(value: string, end: number): boolean {
  const next = value[end];
  return next === undefined || next === '/' || BOUNDARY.has(next);
}
