/**
 * Synchronous, deferred loading of dependencies that only some workers use, so that a worker's start-up
 * does not pay for them: a train or eval worker never serves /metrics (prom-client) and rarely reads a
 * YAML PARAMETERS file (yaml). Each of those packages costs a worker process 40-60 ms of CPU to import,
 * on a node that may start hundreds of workers. `import.meta.url` is the ESM build's; tsup's shims give
 * the CJS build the same.
 */
import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/** A function that requires `id` on its first call and returns the same module afterwards. */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireHere(id) as T);
}
