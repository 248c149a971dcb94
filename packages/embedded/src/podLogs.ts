import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { ApiServerError } from './apiserver/errors.js';
import { isPlainObject, type KubeObject } from './apiserver/kubeObject.js';

/**
 * Where the log of one container of a pod lives, shared by the node agent (which writes it) and the
 * API server (which serves it as `pods/log`): `<root>/<namespace>/<pod>/<container>.log`, and
 * `<container>.previous.log` for the run before the current one. `root` defaults to
 * `<dataDir>/pods`.
 */
export function podLogPath(root: string, namespace: string, pod: string, container: string, previous = false): string {
  return path.join(root, namespace, pod, `${container}${previous ? '.previous' : ''}.log`);
}

/** The parameters of a `pods/log` request. */
export interface LogOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  tailLines?: number;
  limitBytes?: number;
}

/** Where the log bytes go (the HTTP response, in the server). */
export interface LogSink {
  write(chunk: Buffer): boolean;
  /** Whether the client went away. */
  readonly closed: boolean;
}

type Rec = Record<string, unknown>;

function names(list: unknown): string[] {
  return Array.isArray(list) ? list.filter(isPlainObject).map((c) => String(c.name)) : [];
}

/**
 * Chooses the container a log request is about, as the kubelet does: the one named, the only one,
 * or the `kubectl.kubernetes.io/default-container` annotation.
 *
 * @throws ApiServerError `BadRequest` when the choice is ambiguous or the name is not a container of the pod.
 */
export function chooseContainer(pod: KubeObject, requested: string | undefined): string {
  const spec = (isPlainObject(pod.spec) ? pod.spec : {}) as Rec;
  const main = names(spec.containers);
  const init = names(spec.initContainers);
  const name = pod.metadata.name ?? '';
  if (requested) {
    if (!main.includes(requested) && !init.includes(requested)) {
      throw new ApiServerError('BadRequest', `container ${requested} is not valid for pod ${name}`);
    }
    return requested;
  }
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated && main.includes(annotated)) return annotated;
  if (main.length === 1) return main[0] as string;
  throw new ApiServerError(
    'BadRequest',
    `a container name must be specified for pod ${name}, choose one of: [${main.join(' ')}]${init.length ? ` or one of the init containers: [${init.join(' ')}]` : ''}`,
  );
}

function containerState(pod: KubeObject, container: string): Rec | undefined {
  const status = (isPlainObject(pod.status) ? pod.status : {}) as Rec;
  for (const list of [status.containerStatuses, status.initContainerStatuses]) {
    if (!Array.isArray(list)) continue;
    const found = list.find((c) => isPlainObject(c) && c.name === container) as Rec | undefined;
    if (found) return (isPlainObject(found.state) ? found.state : {}) as Rec;
  }
  return undefined;
}

/** Whether a container has stopped for good (terminated, in a pod that will not run it again). */
function finished(pod: KubeObject | undefined, uid: string | undefined, container: string): boolean {
  if (!pod || pod.metadata.uid !== uid) return true;
  const phase = isPlainObject(pod.status) ? pod.status.phase : undefined;
  if (phase === 'Succeeded' || phase === 'Failed') return true;
  return containerState(pod, container)?.terminated !== undefined && pod.metadata.deletionTimestamp !== undefined;
}

/** The byte offset where the last `lines` lines of a file start. */
async function tailOffset(file: string, size: number, lines: number): Promise<number> {
  if (lines <= 0) return size;
  const fh = await open(file, 'r');
  try {
    const chunk = 64 * 1024;
    let pos = size;
    let seen = 0;
    // A final newline ends the last line rather than starting an empty one.
    let skipLast = true;
    while (pos > 0) {
      const len = Math.min(chunk, pos);
      pos -= len;
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, pos);
      for (let i = len - 1; i >= 0; i--) {
        if (buf[i] !== 0x0a) {
          skipLast = false;
          continue;
        }
        if (skipLast) {
          skipLast = false;
          continue;
        }
        seen++;
        if (seen === lines) return pos + i + 1;
      }
    }
    return 0;
  } finally {
    await fh.close();
  }
}

/**
 * Streams a container's log to `sink`: the whole file or its last `tailLines`, at most
 * `limitBytes`, and with `follow` whatever is appended until the container stops for good, the pod
 * goes away or the client leaves. `readPod` returns the pod's current object.
 *
 * @throws ApiServerError `BadRequest` when there is no such log yet (container waiting, no previous run).
 */
export async function streamPodLog(
  root: string,
  pod: KubeObject,
  options: LogOptions,
  sink: LogSink,
  readPod: () => KubeObject | undefined,
  pollMs = 200,
): Promise<void> {
  const container = chooseContainer(pod, options.container);
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  const file = podLogPath(root, ns, name, container, options.previous);
  let info = await stat(file).catch(() => undefined);
  if (!info) {
    if (options.previous) throw new ApiServerError('BadRequest', `previous terminated container "${container}" in pod "${name}" not found`);
    const waiting = containerState(pod, container)?.waiting as Rec | undefined;
    if (!containerState(pod, container)?.running && !containerState(pod, container)?.terminated) {
      const reason = waiting?.reason ? String(waiting.reason) : 'ContainerCreating';
      throw new ApiServerError('BadRequest', `container "${container}" in pod "${name}" is waiting to start: ${reason}`);
    }
    return;
  }
  let offset = options.tailLines !== undefined ? await tailOffset(file, info.size, options.tailLines) : 0;
  let budget = options.limitBytes ?? Infinity;
  const uid = pod.metadata.uid;
  const ino = info.ino;
  const pump = async (upTo: number): Promise<void> => {
    if (upTo <= offset || budget <= 0) return;
    const fh = await open(file, 'r');
    try {
      while (offset < upTo && budget > 0 && !sink.closed) {
        const len = Math.min(64 * 1024, upTo - offset, budget);
        const buf = Buffer.alloc(len);
        const { bytesRead } = await fh.read(buf, 0, len, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        budget -= bytesRead;
        sink.write(buf.subarray(0, bytesRead));
      }
    } finally {
      await fh.close();
    }
  };
  await pump(info.size);
  if (!options.follow || options.previous) return;
  for (;;) {
    if (sink.closed || budget <= 0) return;
    await new Promise((r) => setTimeout(r, pollMs));
    const done = finished(readPod(), uid, container);
    info = await stat(file).catch(() => undefined);
    if (!info || info.ino !== ino) return;
    await pump(info.size);
    if (done) return;
  }
}
