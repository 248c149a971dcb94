/** Writing objects to the API server: apply (create or merge-patch), delete, and waiting for a deletion. */
import type { KubeClient } from './client.js';
import { apiVersionOf, collectionPath, displayKind, objectPath, type ApiResource } from './discovery.js';
import { CliError } from './errors.js';
import { describeManifest, type Manifest } from './manifests.js';
import { applyConfiguration, lastApplied, threeWayMergePatch } from './mergePatch.js';
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
 * Waits until an object is gone (its finalizers done). Calls `onSlow` once with the finalizers still
 * on it when that takes more than `slowAfterMs`.
 */
export async function waitGone(
  client: KubeClient,
  resource: ApiResource,
  namespace: string | undefined,
  name: string,
  options: { signal?: AbortSignal; slowAfterMs?: number; onSlow?: (finalizers: string[]) => void } = {},
): Promise<void> {
  const started = Date.now();
  let delay = 50;
  let warned = false;
  for (;;) {
    let live: KubeObject;
    try {
      live = await client.get<KubeObject>(objectPath(resource, namespace, name));
    } catch (error) {
      if (error instanceof CliError && error.status === 404) return;
      throw error;
    }
    if (options.signal?.aborted) return;
    if (!warned && Date.now() - started > (options.slowAfterMs ?? 5000)) {
      warned = true;
      options.onSlow?.(live.metadata?.finalizers ?? []);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(1000, delay * 2);
  }
}
