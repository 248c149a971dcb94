/**
 * kubectl's client-side apply as a JSON merge patch (RFC 7386): the fields the user's file sets are
 * made to match, the fields an earlier apply set and the file no longer has are removed, and everything
 * else (a controller's finalizers, annotations, status, defaults) stays as it is.
 */
import { sameJson } from '@sedna-ts/internal';

/** Where kubectl (and so we) keep the configuration of the last apply, so both tools interoperate. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

type JsonMap = Record<string, unknown>;

function isMap(value: unknown): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The merge patch that brings `current` (the live object) to `modified` (the file) where the file
 * speaks, and removes what `original` (the last applied file) set and `modified` dropped. Lists are
 * replaced as a whole when they differ (merge patch semantics). Empty when nothing needs to change.
 */
export function threeWayMergePatch(original: unknown, modified: JsonMap, current: unknown): JsonMap {
  const patch: JsonMap = {};
  const live = isMap(current) ? current : {};
  const before = isMap(original) ? original : {};
  for (const [key, value] of Object.entries(modified)) {
    if (value === undefined || value === null) continue;
    const now = live[key];
    if (isMap(value) && isMap(now)) {
      const sub = threeWayMergePatch(before[key], value, now);
      if (Object.keys(sub).length > 0) patch[key] = sub;
    } else if (!sameJson(value, now)) {
      patch[key] = value;
    }
  }
  for (const key of Object.keys(before)) {
    if (key in modified && modified[key] !== null && modified[key] !== undefined) continue;
    if (live[key] !== undefined) patch[key] = null;
  }
  return patch;
}

/** Fields a user's file must not send back: the server owns them. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'managedFields', 'selfLink'];

/**
 * The object as apply sends it: no status (it is the controllers'), no server-owned metadata, no null
 * fields, and the last-applied annotation holding this very configuration.
 */
export function applyConfiguration(object: Record<string, unknown>): JsonMap {
  const clean = JSON.parse(JSON.stringify(object, (_k, v: unknown) => (v === null ? undefined : v))) as JsonMap;
  delete clean.status;
  const metadata: JsonMap = isMap(clean.metadata) ? { ...clean.metadata } : {};
  for (const field of SERVER_METADATA) delete metadata[field];
  const annotations: JsonMap = isMap(metadata.annotations) ? { ...metadata.annotations } : {};
  delete annotations[LAST_APPLIED_ANNOTATION];
  const recorded = { ...clean, metadata: { ...metadata, annotations } };
  return { ...clean, metadata: { ...metadata, annotations: { ...annotations, [LAST_APPLIED_ANNOTATION]: `${JSON.stringify(recorded)}\n` } } };
}

/** The configuration of the last apply recorded on a live object, if any. */
export function lastApplied(live: unknown): JsonMap | undefined {
  const text = isMap(live) && isMap(live.metadata) && isMap(live.metadata.annotations) ? live.metadata.annotations[LAST_APPLIED_ANNOTATION] : undefined;
  if (typeof text !== 'string') return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    return isMap(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
