/**
 * The tokens of the GM-LC-worker chain (`@sedna-ts/api-types/tokens`), the one definition the GM, the
 * LC and any other service that checks a worker (a knowledge base) share:
 *
 * - A node's token is hex HMAC-SHA256(GM secret, node name). The GM recomputes it when an LC connects,
 *   so one LC cannot speak for another; the LC keys its workers' tokens with it.
 * - A worker's token names what it may speak for: the job (namespace, kind, name), the pod, the pod's
 *   node and the worker's role (train, eval, inference), but not the round (an inference worker lives
 *   across rounds). It is `sw1.<claims>.<mac>`: the claims as base64url JSON, and base64url
 *   HMAC-SHA256(node token, `sedna-worker-token/v1.` + claims). The LC of the node checks the mac with
 *   its node token; a service that holds the GM secret derives the node token from the claims' node.
 * - The old form, hex HMAC-SHA256(node token, pod name), named only the pod. It is still recognised so
 *   that the pods created before an upgrade can finish their rounds; see `verifyLegacyWorkerToken`.
 *
 * Every comparison is in constant time. This module uses `node:crypto`: it is a separate subpath from
 * the browser-safe parts of api-types.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The role of a worker pod: which reports it may send. */
export type WorkerRole = 'train' | 'eval' | 'inference';

/** What a worker token speaks for. */
export interface WorkerTokenClaims {
  /** Namespace of the job and the pod. */
  namespace: string;
  /** The job's kind in lower case, as in reports' `ownerKind` (e.g. `incrementallearningjob`). */
  kind: string;
  /** The job's name. */
  job: string;
  /** The worker pod's name (the `{name}` of `/sedna/workers/{name}/info`). */
  pod: string;
  /** The node the pod runs on (whose LC checks the token). */
  node: string;
  /** The worker's role. */
  role: WorkerRole;
}

/** The prefix of the current worker-token form. */
export const WORKER_TOKEN_PREFIX = 'sw1';
const MAC_CONTEXT = 'sedna-worker-token/v1.';
const ROLES: readonly WorkerRole[] = ['train', 'eval', 'inference'];
const LEGACY_FORM = /^[0-9a-f]{64}$/;
/** Longest token accepted for parsing: claims are short names, so anything longer is not ours. */
const MAX_TOKEN_LENGTH = 4096;

function hmac(key: string, message: string): Buffer {
  return createHmac('sha256', key).update(message, 'utf8').digest();
}

/** Compares two strings in constant time (for equal lengths; unequal lengths are simply unequal). */
export function tokensEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The token of the LC of `nodeName`: hex HMAC-SHA256 of the node name keyed by the GM secret. */
export function nodeToken(secret: string, nodeName: string): string {
  return hmac(secret, nodeName).toString('hex');
}

/**
 * The token of a worker pod, keyed by the token of the pod's node.
 *
 * @example
 * const token = mintWorkerToken(nodeToken(secret, 'edge-1'), {
 *   namespace: 'default', kind: 'incrementallearningjob', job: 'helmet', pod: 'helmet-train-x7k2q', node: 'edge-1', role: 'train',
 * });
 */
export function mintWorkerToken(nodeTokenValue: string, claims: WorkerTokenClaims): string {
  const { namespace, kind, job, pod, node, role } = claims;
  const body = Buffer.from(JSON.stringify({ ns: namespace, kind, job, pod, node, role }), 'utf8').toString('base64url');
  return `${WORKER_TOKEN_PREFIX}.${body}.${hmac(nodeTokenValue, MAC_CONTEXT + body).toString('base64url')}`;
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/**
 * The claims of a current-form worker token, NOT verified: for finding the node whose token checks it
 * (a service holding the GM secret). Undefined when `token` is not of that form.
 */
export function readWorkerTokenClaims(token: string): WorkerTokenClaims | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== WORKER_TOKEN_PREFIX || !/^[A-Za-z0-9_-]+$/.test(parts[1] as string)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const { ns, kind, job, pod, node, role } = raw as Record<string, unknown>;
  if (![ns, kind, job, pod, node].every(isNonEmptyString) || !ROLES.includes(role as WorkerRole)) return undefined;
  return { namespace: ns as string, kind: kind as string, job: job as string, pod: pod as string, node: node as string, role: role as WorkerRole };
}

/** The outcome of `verifyWorkerToken`. */
export type WorkerTokenCheck = { ok: true; claims: WorkerTokenClaims } | { ok: false; reason: string };

/**
 * Checks a current-form worker token against the token of the node it must belong to.
 *
 * @returns the verified claims, or why the token is refused (not of this form, or not made with this
 *   node's token: another node's, or forged).
 */
export function verifyWorkerToken(nodeTokenValue: string, token: string): WorkerTokenCheck {
  const claims = readWorkerTokenClaims(token);
  if (!claims) return { ok: false, reason: 'the token is not a worker token' };
  const [, body, mac] = token.split('.') as [string, string, string];
  const expected = hmac(nodeTokenValue, MAC_CONTEXT + body).toString('base64url');
  if (!tokensEqual(mac, expected)) return { ok: false, reason: `the token was not issued for a worker on node ${JSON.stringify(claims.node)} by this node's credentials` };
  return { ok: true, claims };
}

/** Whether `token` has the form of the old worker tokens (64 lower-case hex digits). */
export function isLegacyWorkerToken(token: string): boolean {
  return LEGACY_FORM.test(token);
}

/**
 * Checks an old-form worker token: hex HMAC-SHA256(node token, pod name). It names no job, so whoever
 * accepts one must bind the pod to the job another way (the LC: a condition of the job names the pod).
 */
export function verifyLegacyWorkerToken(nodeTokenValue: string, pod: string, token: string): boolean {
  return isLegacyWorkerToken(token) && tokensEqual(token, hmac(nodeTokenValue, pod).toString('hex'));
}

/** An old-form worker token: only for tests and for replaying pods made by an older GM. */
export function legacyWorkerToken(nodeTokenValue: string, pod: string): string {
  return hmac(nodeTokenValue, pod).toString('hex');
}
