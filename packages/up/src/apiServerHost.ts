/**
 * Runs `sedna up`'s embedded API server in a worker thread (apiServerThread.ts, through threads.ts):
 * its request handling, LMDB commits and watch fan-out get an event loop (and a core) of their own
 * instead of sharing the GM's and the LC's. Its clients reach it over HTTPS as before.
 */
import { writeFileAtomic } from '@sedna-ts/internal';
import { builtThreadFile, launchThread, type PartLogger } from './threads.js';

/** What the thread needs to start the server. */
export interface ApiServerThreadData {
  dataDir: string;
  /** 0: an ephemeral port. */
  port: number;
}

/** What the thread sends once the server listens. */
export interface ApiServerThreadReady {
  url: string;
  port: number;
  token: string;
  /** The server's kubeconfig (YAML). */
  kubeconfig: string;
}

/** The API server in its thread. */
export interface ApiServerThread {
  url: string;
  port: number;
  token: string;
  /** The server's kubeconfig (YAML): one cluster, user and context. */
  kubeconfig(): string;
  /** Writes the kubeconfig to `path` durably, mode 0600 (temp file, fsync, rename). */
  writeKubeconfig(path: string): Promise<void>;
  /** Resolves with the exit code and error if the thread ends without close() (a crash of the server). */
  ended: Promise<{ code: number; error?: string }>;
  /** Stops listening, ends watches, finishes queued writes, closes the store; then ends the thread. */
  close(): Promise<void>;
}

/**
 * Starts the embedded API server in a worker thread; resolves once it listens, rejects with the
 * server's own message (a port in use, a folder served by another process) when it cannot start.
 */
export async function startApiServerThread(data: ApiServerThreadData, logger: PartLogger, file = builtThreadFile('apiServerThread')): Promise<ApiServerThread> {
  const thread = await launchThread<ApiServerThreadReady>(file, data, logger);
  const { url, port, token, kubeconfig } = thread.value;
  return {
    url,
    port,
    token,
    kubeconfig: () => kubeconfig,
    writeKubeconfig: (path) => writeFileAtomic(path, kubeconfig, { mode: 0o600 }),
    ended: thread.ended,
    close: () => thread.stop(),
  };
}
