/**
 * Whether a Global Manager runs, and which kinds of job it handles, from the GM's Leases: any Lease
 * labelled `sedna.io/global-manager: "true"` (in any namespace: `sedna/sedna-gm` on a cluster,
 * `default/sedna-gm` under `sedna up`) whose holder is set and whose `renewTime +
 * leaseDurationSeconds` is still ahead is a running GM; its `sedna.io/kinds` annotation lists the kinds
 * it handles. `sedna apply` and `sedna describe` use it to say when a stored job has no controller.
 */
import { SEDNA_GROUP, SEDNA_KINDS, SednaKind } from '@sedna-ts/api-types';
import { GM_LEASE_LABEL, KINDS_ANNOTATION } from '@sedna-ts/api-types/contract';
import type { KubeClient } from './client.js';

/** What the Leases say: no GM runs, or one (or more) runs and handles these kinds. */
export type GmPresence = { running: false } | { running: true; kinds: readonly string[] };

/** The parts of a coordination.k8s.io/v1 Lease read here. */
export interface GmLease {
  metadata?: { annotations?: Record<string, string> };
  spec?: { holderIdentity?: string | null; renewTime?: string | null; leaseDurationSeconds?: number | null };
}

/** The GM Leases, in every namespace. */
const LEASES_PATH = '/apis/coordination.k8s.io/v1/leases';

/**
 * The Sedna kinds nothing happens to without a controller: every kind but Dataset and Model, which
 * only describe what jobs refer to (read by the GM and the LCs on behalf of the jobs).
 */
export const CONTROLLED_KINDS: ReadonlySet<string> = new Set(
  SEDNA_KINDS.map((k) => k.kind).filter((kind) => kind !== SednaKind.Dataset && kind !== SednaKind.Model),
);

/**
 * Whether objects of `kind` in `group` need a controller: every sedna.io kind but Dataset and Model,
 * including kinds api-types does not know (a kind added as a plug-in of the GM has its own CRD).
 */
export function needsController(group: string, kind: string): boolean {
  return group === SEDNA_GROUP && kind !== SednaKind.Dataset && kind !== SednaKind.Model;
}

function isLive(lease: GmLease, now: number): boolean {
  const spec = lease.spec ?? {};
  if (!spec.holderIdentity || !spec.renewTime || !spec.leaseDurationSeconds) return false;
  const renewed = Date.parse(spec.renewTime);
  return !Number.isNaN(renewed) && renewed + spec.leaseDurationSeconds * 1000 > now;
}

/**
 * What `leases` (the labelled ones) say at `now`. Undefined when a running GM does not say which
 * kinds it handles (a GM older than the annotation): then nothing can be told.
 *
 * @example
 * gmPresenceOf([], Date.now()); // { running: false }
 */
export function gmPresenceOf(leases: readonly GmLease[], now: number): GmPresence | undefined {
  const live = leases.filter((l) => isLive(l, now));
  if (live.length === 0) return { running: false };
  const kinds = new Set<string>();
  for (const lease of live) {
    const annotation = lease.metadata?.annotations?.[KINDS_ANNOTATION];
    if (annotation === undefined) return undefined;
    for (const kind of annotation.split(',')) if (kind.trim()) kinds.add(kind.trim());
  }
  return { running: true, kinds: [...kinds] };
}

/**
 * Reads the GM Leases from the server. Undefined when they cannot be read (no coordination.k8s.io API,
 * a user not allowed to list Leases, any other failure): callers then say nothing rather than fail.
 */
export async function readGmPresence(client: KubeClient, now: () => number = Date.now): Promise<GmPresence | undefined> {
  try {
    const list = await client.get<{ items?: GmLease[] }>(LEASES_PATH, { query: { labelSelector: `${GM_LEASE_LABEL}=true` } });
    return gmPresenceOf(list.items ?? [], now());
  } catch {
    return undefined;
  }
}

/**
 * Why nothing acts on objects of `kind`: `no global manager is running`, or `no controller acts on it
 * (the global manager handles: IncrementalLearningJob)`. Undefined when a GM handles the kind, or when
 * the Leases could not be read.
 */
export function whyNoController(kind: string, presence: GmPresence | undefined): string | undefined {
  if (!presence) return undefined;
  if (!presence.running) return 'no global manager is running';
  if (presence.kinds.includes(kind)) return undefined;
  return `no controller acts on it (the global manager handles: ${presence.kinds.length > 0 ? presence.kinds.join(', ') : 'no kind'})`;
}
