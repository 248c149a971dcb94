/**
 * Host paths in worker pods, as the original names them (docs/original/worker-contract.md#storage): a host path is mounted under
 * `/home/data`, through a hostPath volume named after its folder. The embedded node agent maps the
 * mount paths back to host paths, so one pod spec serves a machine and a cluster alike. The mounting
 * itself is `WorkerStorage`'s.
 */
import path from 'node:path';

import { DATA_PATH_PREFIX } from '@sedna-ts/api-types/contract';

/** Where host paths appear inside worker containers (`DATA_PATH_PREFIX`), from the contract. */
export { DATA_PATH_PREFIX };

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
