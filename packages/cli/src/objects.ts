/** Writing objects to the API server: apply (create or merge-patch), delete, and waiting for a deletion. */
import type { KubeClient } from './client.js';
import { apiVersionOf, collectionPath, displayKind, objectPath, type ApiResource } from './discovery.js';
import { CliError } from './errors.js';
import { describeManifest, type Manifest } from './manifests.js';
import { applyConfiguration, lastApplied, threeWayMergePatch } from './mergePatch.js';
import { pathSegmentProblem } from './names.js';
import type { KubeObject } from './printers.js';
import type { Session } from './session.js';

/** A manifest with the resource that serves it and the namespace it goes to. */
export interface PlacedManifest {
  manifest: Manifest;
  resource: ApiResource;
  /** Undefined for cluster-scoped kinds. */
  namespace: string | undefined;
}

/** `incrementallearningjob.sedna.io/helmet`, as kubectl names objects in its output. */
export function objectRef(p: Pick<PlacedManifest, 'resource'> & { name: string }): string {
  return `${displayKind(p.resource)}/${p.name}`;
}

/**
 * Finds the resource of every manifest and its namespace (the object's own, else `-n`, else the
 * context's). Returns a problem line for each object the server does not serve, or whose namespace
 * contradicts `-n` (as kubectl refuses it).
 */
export async function placeManifests(session: Session, manifests: readonly Manifest[], namespaceFlag: string | undefined): Promise<{ placed: PlacedManifest[]; problems: string[] }> {
  const discovery = await session.resources();
  const placed: PlacedManifest[] = [];
  const problems: string[] = [];
  const fallback = session.namespace({ namespace: namespaceFlag });
  for (const manifest of manifests) {
    const { apiVersion, kind, metadata } = manifest.object;
    const resource = discovery.forKind(apiVersion, kind);
    if (!resource) {
      const hint = manifest.sedna ? `: register the Sedna CRDs (\`sedna up\` does; on a cluster: sedna crds | kubectl apply -f -)` : '';
      problems.push(`${manifest.path}: ${describeManifest(manifest)}: kind ${kind} of ${apiVersion} is not served by the API server at ${session.client.server}${hint}`);
      continue;
    }
    if (resource.namespaced && metadata.namespace && namespaceFlag && metadata.namespace !== namespaceFlag) {
      problems.push(`${manifest.path}: ${describeManifest(manifest)}: metadata.namespace: "${metadata.namespace}" is not the namespace given with -n ("${namespaceFlag}")`);
      continue;
    }
    if (!metadata.name) {
      problems.push(`${manifest.path}: ${describeManifest(manifest)}: metadata.name: is required to apply or delete (generateName is for create)`);
      continue;
    }
    // A name or namespace that is no path segment would make the object's URL that of its collection or namespace.
    const badName = pathSegmentProblem(metadata.name);
    const badNamespace = resource.namespaced && metadata.namespace ? pathSegmentProblem(metadata.namespace) : undefined;
    if (badName || badNamespace) {
      const [field, value, problem] = badName ? ['metadata.name', metadata.name, badName] : ['metadata.namespace', metadata.namespace, badNamespace];
      problems.push(`${manifest.path}: ${describeManifest(manifest)}: ${field}: ${JSON.stringify(value)}: invalid resource name: ${problem}`);
      continue;
    }
    placed.push({ manifest, resource, namespace: resource.namespaced ? metadata.namespace || fallback : undefined });
  }
  return { placed, problems };
}

/** What apply did to an object. */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

const MAX_CONFLICT_RETRIES = 5;

/**
 * Applies one object: created when absent, else merge-patched (the fields of the file, and removal of
 * fields an earlier apply set and the file dropped) guarded by the live resourceVersion, re-read and
 * retried on 409. `dryRun` asks the server to check without storing.
 */
export async function applyObject(client: KubeClient, p: PlacedManifest, options: { dryRun?: boolean } = {}): Promise<ApplyOutcome> {
  const name = p.manifest.object.metadata.name!;
  const desired = applyConfiguration({ ...p.manifest.object, apiVersion: apiVersionOf(p.resource) });
  if (p.namespace) (desired.metadata as Record<string, unknown>).namespace = p.namespace;
  const query = { dryRun: options.dryRun ? 'All' : undefined, fieldManager: 'sedna' };
  for (let attempt = 0; ; attempt++) {
    let live: KubeObject | undefined;
    try {
      live = await client.get<KubeObject>(objectPath(p.resource, p.namespace, name));
    } catch (error) {
      if (!(error instanceof CliError && error.status === 404)) throw error;
    }
    try {
      if (!live) {
        await client.request('POST', collectionPath(p.resource, p.namespace), { body: desired, query });
        return 'created';
      }
      const patch = threeWayMergePatch(lastApplied(live), desired, live);
      if (Object.keys(patch).length === 0) return 'unchanged';
      // The resourceVersion makes the patch fail with 409 if someone wrote in between: then re-read.
      const metadata = { ...((patch.metadata as Record<string, unknown> | undefined) ?? {}), resourceVersion: live.metadata?.resourceVersion ?? null };
      await client.request('PATCH', objectPath(p.resource, p.namespace, name), {
        body: { ...patch, metadata },
        contentType: 'application/merge-patch+json',
        query,
      });
      return 'configured';
    } catch (error) {
      const retry = error instanceof CliError && error.status === 409 && attempt < MAX_CONFLICT_RETRIES;
      if (!retry) throw error;
    }
  }
}

/** Deletes one object (dependents in the background, as kubectl). Resolves false when it was already gone. */
export async function deleteObject(client: KubeClient, resource: ApiResource, namespace: string | undefined, name: string): Promise<boolean> {
  try {
    await client.request('DELETE', objectPath(resource, namespace, name), { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } });
    return true;
  } catch (error) {
    if (error instanceof CliError && error.status === 404) return false;
    throw error;
  }
}

/**
 * Waits until an object is gone (its finalizers done), at most `timeoutMs`. Calls `onSlow` once with the
 * finalizers still on it when that takes more than `slowAfterMs`. Resolves to the finalizers still on
 * the object at the deadline (or when `signal` aborts), or undefined once it is gone.
 */
export async function waitGone(
  client: KubeClient,
  resource: ApiResource,
  namespace: string | undefined,
  name: string,
  options: { timeoutMs: number; signal?: AbortSignal; slowAfterMs?: number; onSlow?: (finalizers: string[]) => void },
): Promise<string[] | undefined> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let delay = 50;
  let warned = false;
  for (;;) {
    let live: KubeObject;
    try {
      // Each read within what is left of the wait (a last one at the deadline gets a second to answer).
      const left = deadline - Date.now();
      live = await client.get<KubeObject>(objectPath(resource, namespace, name), { timeoutMs: Math.min(client.timeoutMs, Math.max(1000, left)) });
    } catch (error) {
      if (error instanceof CliError && error.status === 404) return undefined;
      // The last read ran out of the wait's own time: the object is still there as far as we know.
      if (error instanceof CliError && error.code === 'UNREACHABLE' && Date.now() >= deadline) return [];
      throw error;
    }
    const finalizers = live.metadata?.finalizers ?? [];
    if (options.signal?.aborted || Date.now() >= deadline) return finalizers;
    if (!warned && Date.now() - started > (options.slowAfterMs ?? 5000)) {
      warned = true;
      options.onSlow?.(finalizers);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now()))));
    delay = Math.min(1000, delay * 2);
  }
}
