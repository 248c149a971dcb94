/**
 * What a worker reads and writes, made available the way the original does it (docs/original/worker-contract.md#storage),
 * in one form for one machine and a cluster:
 * - a host path (no scheme): its parent folder is a hostPath volume mounted under `/home/data`, and the
 *   env value is `/home/data/<path>`;
 * - an `s3://`, `http://` or `https://` URL the worker reads: fetched before the workers start by the
 *   `storage-initializer` init container into the emptyDir `sedna-storage-initializer` (read-write at
 *   `/downloads` there, read-only in the workers); the env value is `/downloads/<host><path>`;
 * - an index file (indirect): the init container reads it and fetches the files it lists (`@` before
 *   the destination); a host-path index is mounted into the init container only;
 * - an `s3://` URL the worker writes (an output folder): passed as it is, with the S3 settings of its
 *   credential in the worker's env;
 * - anything else: passed as it is.
 * Credentials come from the Secret a `credentialName` names (annotations `s3-endpoint`, `s3-usehttps`;
 * data `ACCESS_KEY_ID`, `SECRET_ACCESS_KEY`); the keys reach containers through `secretKeyRef`, so they
 * never appear in a pod spec or a log.
 */
import path from 'node:path';
import type { V1Container, V1EnvVar, V1ResourceRequirements, V1Secret, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import {
  DOWNLOADS_DIR,
  ENV as INITIALIZER_ENV,
  formatInitializerArgs,
  INDIRECT_URL_MARK,
  STORAGE_INITIALIZER_CONTAINER_NAME,
  STORAGE_INITIALIZER_IMAGE,
} from '@sedna-ts/storage-initializer/contract';
import { ControllerError } from '../errors.js';
import { DATA_PATH_PREFIX, isHostPath, volumeNameForPath } from './hostPathMounts.js';

/** Where the init container puts what it fetches, and where workers find it (read-only): the initializer's contract. */
export const DOWNLOADS_PATH = DOWNLOADS_DIR;
/** The emptyDir volume the init container fills (the original's name). */
export const STORAGE_INITIALIZER_VOLUME = 'sedna-storage-initializer';
/** Name of the (first) init container (the original's). */
export const STORAGE_INITIALIZER_CONTAINER = STORAGE_INITIALIZER_CONTAINER_NAME;
/** Image of the init container unless the GM config names another. The node agent of `sedna up` maps it to the local launcher. */
export const DEFAULT_STORAGE_INITIALIZER_IMAGE = STORAGE_INITIALIZER_IMAGE;
/** Resources of the init container, as the original (cpu 1, memory 1Gi), stated as requests too. */
export const DEFAULT_STORAGE_INITIALIZER_RESOURCES: V1ResourceRequirements = {
  requests: { cpu: '1', memory: '1Gi' },
  limits: { cpu: '1', memory: '1Gi' },
};

/** Secret annotation: the S3 endpoint, `host:port` (a URL with a scheme is taken as it is). */
export const S3_ENDPOINT_ANNOTATION = 's3-endpoint';
/** Secret annotation: `"0"` for http, anything else (or absent) for https. */
export const S3_USE_HTTPS_ANNOTATION = 's3-usehttps';
/** Secret data keys (and env names) of the S3 keys. */
export const ACCESS_KEY_ID = 'ACCESS_KEY_ID';
export const SECRET_ACCESS_KEY = 'SECRET_ACCESS_KEY';
/** Env name of the S3 endpoint. */
export const S3_ENDPOINT_URL = 'S3_ENDPOINT_URL';

const DOWNLOAD_SCHEMES = new Set(['s3:', 'http:', 'https:']);

/** The Secret a URL's credentials come from, and who names it (for messages). */
export interface Credential {
  /** `credentialName`: a Secret in the job's namespace. */
  secretName: string;
  /** The object whose `credentialName` it is, e.g. `Dataset default/helmet-data`. */
  usedBy: string;
}

/** How a worker uses a URL. */
export interface UrlUse {
  /** The worker writes there (an output folder): a host folder is `DirectoryOrCreate`, a remote URL is passed as it is. */
  writable?: boolean;
  /** An index file whose lines name the files to fetch (the initializer's indirect download). */
  indirect?: boolean;
  /** Where the S3 credentials of the URL come from; none: anonymous (or the node's own identity). */
  credential?: Credential | undefined;
}

/** One download of the init container. */
export interface Download {
  /** What to fetch: a URL, or the container path of a host-path index. */
  source: string;
  /** The folder it goes to, under /downloads. */
  destination: string;
  indirect: boolean;
  credential?: Credential | undefined;
}

/** How the GM builds the init container. */
export interface StorageInitializerSettings {
  image: string;
  resources: V1ResourceRequirements;
}

interface HostFolder {
  volume: V1Volume;
  mount: V1VolumeMount;
  /** Mounted into the workers (a path they use) and/or the init containers (an index they read). */
  workers: boolean;
  init: boolean;
}

function isUrlWithScheme(url: string): URL | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** `/downloads/<host><path>` of a URL, as the original (`filepath.Join` of host and path). */
function downloadPath(url: URL): string {
  let pathname = url.pathname;
  try {
    pathname = decodeURIComponent(pathname);
  } catch {
    // keep it encoded: a path that is not valid percent-encoding is still a path
  }
  return path.posix.join(DOWNLOADS_PATH, url.host + pathname);
}

/**
 * The env that gives a container the S3 settings of a credential: `S3_ENDPOINT_URL` (from the
 * annotations, not secret) and `ACCESS_KEY_ID`, `SECRET_ACCESS_KEY` as `secretKeyRef`s.
 *
 * @throws ControllerError `NOT_FOUND` when the Secret does not exist, `INVALID_CREDENTIAL` when it has
 *   one S3 key without the other.
 */
export function credentialEnv(credential: Credential, secret: V1Secret | undefined, namespace: string): V1EnvVar[] {
  const where = `Secret ${namespace}/${credential.secretName} (credentialName of ${credential.usedBy})`;
  if (!secret) throw new ControllerError('NOT_FOUND', `${where} not found`);
  const env: V1EnvVar[] = [];
  const endpoint = secret.metadata?.annotations?.[S3_ENDPOINT_ANNOTATION]?.trim();
  if (endpoint) {
    const https = secret.metadata?.annotations?.[S3_USE_HTTPS_ANNOTATION]?.trim() !== '0';
    env.push({ name: S3_ENDPOINT_URL, value: /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `${https ? 'https' : 'http'}://${endpoint}` });
  }
  const has = (key: string): boolean => secret.data?.[key] !== undefined || secret.stringData?.[key] !== undefined;
  const keys = [ACCESS_KEY_ID, SECRET_ACCESS_KEY].filter(has);
  if (keys.length === 1) {
    const missing = keys[0] === ACCESS_KEY_ID ? SECRET_ACCESS_KEY : ACCESS_KEY_ID;
    throw new ControllerError('INVALID_CREDENTIAL', `${where}: data.${missing} is missing (give both S3 keys, or neither for anonymous access)`);
  }
  for (const key of keys) env.push({ name: key, valueFrom: { secretKeyRef: { name: credential.secretName, key } } });
  return env;
}

/**
 * The volumes, mounts, init containers and env of what one worker pod reads and writes, collected
 * while its env is built (`envValue`) and then applied to the pod.
 *
 * @example
 * ```ts
 * const storage = new WorkerStorage();
 * const env = { BASE_MODEL_URL: storage.envValue('s3://models/base.onnx', { credential }) }; // /downloads/models/base.onnx
 * const inits = storage.initContainers(settings, secrets, 'default');                          // storage-initializer
 * ```
 */
export class WorkerStorage {
  private readonly folders = new Map<string, HostFolder>();
  private readonly usedNames: Set<string>;
  private readonly pairs: Download[] = [];
  private readonly written: Credential[] = [];

  /** `takenNames`: volume names the pod template already uses. */
  constructor(takenNames: Iterable<string> = []) {
    this.usedNames = new Set(takenNames);
  }

  /** Whether a host path is mounted into the workers (then they get DATA_PATH_PREFIX). */
  get anyHostPath(): boolean {
    return [...this.folders.values()].some((f) => f.workers);
  }

  /** The downloads of the init container(s), in order. */
  get downloads(): readonly Download[] {
    return this.pairs;
  }

  /**
   * The env value of a URL for a worker (see the module comment), recording what the pod needs for it.
   */
  envValue(url: string, use: UrlUse = {}): string {
    if (isHostPath(url)) {
      const normalized = path.posix.normalize(url).replace(/\/+$/, '') || '/';
      if (use.indirect && !use.writable) {
        // The init container reads the index through its mount and fetches what it lists.
        const indexPath = this.hostFolder(normalized, { writable: false, workers: false });
        const target = path.posix.join(DOWNLOADS_PATH, normalized);
        this.addDownload({ source: indexPath, destination: path.posix.dirname(target), indirect: true, credential: use.credential });
        return target;
      }
      return this.hostFolder(normalized, { writable: use.writable === true, workers: true });
    }
    const parsed = isUrlWithScheme(url);
    if (!parsed || !DOWNLOAD_SCHEMES.has(parsed.protocol)) return url;
    if (use.writable) {
      // No download for what the worker writes; it reaches S3 itself with the credential's settings.
      if (parsed.protocol === 's3:' && use.credential) this.written.push(use.credential);
      return url;
    }
    const target = downloadPath(parsed);
    this.addDownload({
      source: url,
      destination: path.posix.dirname(target),
      indirect: use.indirect === true,
      // Only S3 takes credentials; an http(s) URL is fetched as it is.
      credential: parsed.protocol === 's3:' ? use.credential : undefined,
    });
    return target;
  }

  /** The env value of several URLs, `;`-joined (MODEL_URLS), each with its own use. */
  envValues(urls: readonly string[], use: (url: string) => UrlUse = () => ({})): string {
    return urls.map((url) => this.envValue(url, use(url))).join(';');
  }

  /** The volumes to add to the pod: host folders, then the downloads emptyDir. */
  volumes(): V1Volume[] {
    const volumes = [...this.folders.values()].map((f) => f.volume);
    if (this.pairs.length > 0) volumes.push({ name: STORAGE_INITIALIZER_VOLUME, emptyDir: {} });
    return volumes;
  }

  /** The mounts to add to every worker container: host folders, then /downloads read-only. */
  workerMounts(): V1VolumeMount[] {
    const mounts = [...this.folders.values()].filter((f) => f.workers).map((f) => f.mount);
    if (this.pairs.length > 0) mounts.push({ name: STORAGE_INITIALIZER_VOLUME, mountPath: DOWNLOADS_PATH, readOnly: true });
    return mounts;
  }

  /**
   * The env the workers need for the S3 URLs they write: the settings of the one credential they use.
   *
   * @throws ControllerError `NOT_FOUND`, `INVALID_CREDENTIAL` (see credentialEnv), or `INVALID_CREDENTIAL`
   *   when written URLs need two different Secrets (one worker has one set of S3 env variables).
   */
  workerEnv(secrets: ReadonlyMap<string, V1Secret>, namespace: string): V1EnvVar[] {
    const distinct = this.written.filter((c, i) => this.written.findIndex((d) => d.secretName === c.secretName) === i);
    if (distinct.length === 0) return [];
    if (distinct.length > 1) {
      const named = distinct.map((c) => `Secret ${namespace}/${c.secretName} (credentialName of ${c.usedBy})`).join(' and ');
      throw new ControllerError('INVALID_CREDENTIAL', `${named}: the worker writes to S3 with two credentials, and one worker holds one set of S3 variables`);
    }
    const credential = this.written[0] as Credential;
    return credentialEnv(credential, secrets.get(credential.secretName), namespace);
  }

  /**
   * The init containers that fetch the downloads before the workers start: `storage-initializer` with
   * args `[src1, dst1, src2, dst2, ...]` (an indirect destination after `@`), the emptyDir read-write at
   * /downloads, host folders of indexes, and the S3 settings of the downloads' credential. Downloads
   * that need different Secrets go to one init container each (`storage-initializer-2`, ...), since an
   * initializer holds one set of S3 variables; the original put them in one and the first Secret won.
   *
   * @throws ControllerError `NOT_FOUND` or `INVALID_CREDENTIAL` for a credential's Secret.
   */
  initContainers(settings: StorageInitializerSettings, secrets: ReadonlyMap<string, V1Secret>, namespace: string): V1Container[] {
    if (this.pairs.length === 0) return [];
    const groups: { credential: Credential | undefined; pairs: Download[] }[] = [];
    for (const pair of this.pairs) {
      if (!pair.credential) continue;
      const group = groups.find((g) => g.credential?.secretName === pair.credential?.secretName);
      if (group) group.pairs.push(pair);
      else groups.push({ credential: pair.credential, pairs: [pair] });
    }
    const anonymous = this.pairs.filter((p) => !p.credential);
    if (groups.length === 0) groups.push({ credential: undefined, pairs: anonymous });
    else (groups[0] as { pairs: Download[] }).pairs.unshift(...anonymous);

    const initMounts: V1VolumeMount[] = [
      { name: STORAGE_INITIALIZER_VOLUME, mountPath: DOWNLOADS_PATH },
      ...[...this.folders.values()].filter((f) => f.init).map((f) => ({ ...f.mount, readOnly: true })),
    ];
    return groups.map((group, i) => ({
      name: i === 0 ? STORAGE_INITIALIZER_CONTAINER : `${STORAGE_INITIALIZER_CONTAINER}-${i + 1}`,
      image: settings.image,
      imagePullPolicy: 'IfNotPresent',
      args: formatInitializerArgs(group.pairs),
      env: [...(group.credential ? credentialEnv(group.credential, secrets.get(group.credential.secretName), namespace) : []), { name: INITIALIZER_ENV.indirectUrlMark, value: INDIRECT_URL_MARK }],
      resources: structuredClone(settings.resources),
      terminationMessagePolicy: 'FallbackToLogsOnError',
      volumeMounts: initMounts.map((m) => ({ ...m })),
    }));
  }

  /** Names of the Secrets this pod's URLs need. */
  secretNames(): string[] {
    return [...new Set([...this.pairs.flatMap((p) => (p.credential ? [p.credential.secretName] : [])), ...this.written.map((c) => c.secretName)])];
  }

  private addDownload(download: Download): void {
    const same = this.pairs.find((p) => p.source === download.source && p.destination === download.destination && p.indirect === download.indirect);
    if (!same) this.pairs.push(download);
  }

  /** Mounts the parent folder of a host path and returns the path's container path under /home/data. */
  private hostFolder(normalized: string, options: { writable: boolean; workers: boolean }): string {
    const folder = path.posix.dirname(normalized);
    const existing = this.folders.get(folder);
    if (existing) {
      // A folder both read and written must be creatable.
      if (options.writable && existing.volume.hostPath) existing.volume.hostPath.type = 'DirectoryOrCreate';
      if (options.workers) existing.workers = true;
      else existing.init = true;
    } else {
      const name = this.uniqueName(volumeNameForPath(folder));
      this.folders.set(folder, {
        volume: { name, hostPath: { path: folder, type: options.writable ? 'DirectoryOrCreate' : 'Directory' } },
        mount: { name, mountPath: path.posix.join(DATA_PATH_PREFIX, folder) },
        workers: options.workers,
        init: !options.workers,
      });
    }
    return path.posix.join(DATA_PATH_PREFIX, normalized);
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
