/**
 * Host paths handed to a worker, mounted the way the original does (sedna-notes 3.4): the parent folder
 * of a path is a hostPath volume mounted under `/home/data/<folder>`, and the env value is
 * `/home/data/<path>`. A URL with a scheme (s3://, http://) is passed as it is. The embedded node agent
 * maps the mount paths back to host paths, so one pod spec serves a machine and a cluster alike.
 */
import path from 'node:path';
import type { V1Volume, V1VolumeMount } from '@kubernetes/client-node';

/** Where host paths appear inside worker containers (`DATA_PATH_PREFIX`). */
export const DATA_PATH_PREFIX = '/home/data';

/** Whether a URL is a host path (absolute, without a scheme). */
export function isHostPath(url: string): boolean {
  return path.posix.isAbsolute(url) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url);
}

/** `base/part/...` for a host path or a URL (`s3://b/x` keeps its `//`, unlike path.join). */
export function joinUrl(base: string, ...parts: string[]): string {
  return [base.replace(/\/+$/, ''), ...parts.map((p) => p.replace(/^\/+|\/+$/g, ''))].join('/');
}

/**
 * A Kubernetes volume name for a host folder, as the original builds it: lower case, `[a-z0-9-]`, at
 * most 63 characters, no `-` at either end (a trailing one becomes `z`).
 */
export function volumeNameForPath(folder: string): string {
  let name = folder
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63);
  if (name.endsWith('-')) name = `${name.slice(0, -1)}z`;
  return name || 'root';
}

/** The host-path volumes and mounts a worker needs, collected while its env is built. */
export class HostPathMounts {
  private readonly byFolder = new Map<string, { volume: V1Volume; mount: V1VolumeMount }>();
  private readonly usedNames: Set<string>;

  /** `takenNames`: volume names the pod template already uses. */
  constructor(takenNames: Iterable<string> = []) {
    this.usedNames = new Set(takenNames);
  }

  /** Whether any host path was mounted (then the worker gets DATA_PATH_PREFIX). */
  get any(): boolean {
    return this.byFolder.size > 0;
  }

  /**
   * The env value of a URL: for a host path, `/home/data<path>` with the parent folder mounted
   * (`DirectoryOrCreate` when the worker writes there, else `Directory`: it must exist); anything else
   * as it is.
   */
  envValue(url: string, options: { writable?: boolean } = {}): string {
    if (!isHostPath(url)) return url;
    const normalized = path.posix.normalize(url).replace(/\/+$/, '') || '/';
    const folder = path.posix.dirname(normalized);
    const existing = this.byFolder.get(folder);
    if (existing) {
      // A folder both read and written must be creatable.
      if (options.writable && existing.volume.hostPath) existing.volume.hostPath.type = 'DirectoryOrCreate';
    } else {
      const name = this.uniqueName(volumeNameForPath(folder));
      this.byFolder.set(folder, {
        volume: { name, hostPath: { path: folder, type: options.writable ? 'DirectoryOrCreate' : 'Directory' } },
        mount: { name, mountPath: path.posix.join(DATA_PATH_PREFIX, folder) },
      });
    }
    return path.posix.join(DATA_PATH_PREFIX, normalized);
  }

  /** The env value of several URLs, `;`-joined (MODEL_URLS). */
  envValues(urls: readonly string[]): string {
    return urls.map((url) => this.envValue(url)).join(';');
  }

  /** The volumes to add to the pod. */
  volumes(): V1Volume[] {
    return [...this.byFolder.values()].map((v) => v.volume);
  }

  /** The mounts to add to every container. */
  mounts(): V1VolumeMount[] {
    return [...this.byFolder.values()].map((v) => v.mount);
  }

  private uniqueName(base: string): string {
    let name = base;
    for (let n = 2; this.usedNames.has(name); n++) {
      const suffix = `-${n}`;
      name = `${base.slice(0, 63 - suffix.length)}${suffix}`;
    }
    this.usedNames.add(name);
    return name;
  }
}
