/**
 * Registering the Sedna CustomResourceDefinitions through the API (what `sedna up` does before the GM
 * starts): create each one, or replace it when ours differs, and wait until the server says it is
 * Established (its kind is served).
 */
import { sednaCustomResourceDefinitions } from '@sedna-ts/api-types';
import { sameJson } from '@sedna-ts/internal';
import type { KubeClient } from '../client.js';
import { CliError } from '../errors.js';
import { threeWayMergePatch } from '../mergePatch.js';

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** What happened to one CRD. */
export interface CrdRegistration {
  name: string;
  outcome: 'created' | 'updated' | 'unchanged';
}

interface CrdObject {
  metadata?: { name?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: { conditions?: Array<{ type?: string; status?: string; message?: string }> };
}

function established(crd: CrdObject): boolean {
  return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true;
}

/**
 * Creates or updates `crds` (default: the six Sedna CRDs of @sedna-ts/api-types) and resolves once all
 * are Established.
 *
 * @throws CliError from the API (UNREACHABLE, INVALID_INPUT when the server rejects a CRD), or
 *   INTERNAL when a CRD is not Established within `timeoutMs` (default 30 s).
 */
export async function registerCrds(
  client: KubeClient,
  options: { crds?: readonly object[]; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<CrdRegistration[]> {
  const crds = (options.crds ?? sednaCustomResourceDefinitions()) as CrdObject[];
  const results: CrdRegistration[] = [];
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '';
    for (let attempt = 0; ; attempt++) {
      let live: CrdObject | undefined;
      try {
        live = await client.get<CrdObject>(`${CRD_PATH}/${name}`);
      } catch (error) {
        if (!(error instanceof CliError && error.status === 404)) throw error;
      }
      try {
        if (!live) {
          await client.request('POST', CRD_PATH, { body: crd });
          results.push({ name, outcome: 'created' });
        } else if (Object.keys(threeWayMergePatch(undefined, crd.spec ?? {}, live.spec)).length === 0 && sameJson(crd.metadata?.labels ?? {}, live.metadata?.labels ?? {})) {
          results.push({ name, outcome: 'unchanged' });
        } else {
          await client.request('PUT', `${CRD_PATH}/${name}`, { body: { ...crd, metadata: { ...crd.metadata, resourceVersion: live.metadata?.resourceVersion } } });
          results.push({ name, outcome: 'updated' });
        }
        break;
      } catch (error) {
        if (!(error instanceof CliError && error.status === 409 && attempt < 5)) throw error;
      }
    }
  }
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (const { name } of results) {
    let delay = 20;
    for (;;) {
      const live = await client.get<CrdObject>(`${CRD_PATH}/${name}`);
      if (established(live)) break;
      if (options.signal?.aborted) throw new CliError('INTERNAL', `registering ${name}: interrupted`);
      if (Date.now() > deadline) {
        const why = live.status?.conditions?.map((c) => `${c.type}=${c.status}${c.message ? ` (${c.message})` : ''}`).join(', ') || 'no conditions';
        throw new CliError('INTERNAL', `CustomResourceDefinition ${name} is not Established: ${why}`);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(500, delay * 2);
    }
  }
  return results;
}
