/**
 * Who a request speaks for: the worker token of `Authorization: Bearer`, checked with the token of the
 * node its claims name (derived from the GM secret, as the GM derives it for the node's LC). The token's
 * job is the only one whose index and files the request opens.
 */
import { nodeToken, readWorkerTokenClaims, verifyWorkerToken, type WorkerTokenClaims } from '@sedna-ts/api-types/tokens';
import { KnowledgeBaseError } from './errors.js';

/** The kind of job whose workers use the knowledge base (a token's `kind`). */
export const KB_JOB_KIND = 'lifelonglearningjob';

/** A Kubernetes name the job folder is made of: one path segment, never `.` or `..`. */
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** The job a verified token opens. */
export interface JobIdentity {
  namespace: string;
  job: string;
  /** `<namespace>/<job>`: the key of the job's index. */
  key: string;
  claims: WorkerTokenClaims;
}

/**
 * Checks the `Authorization` header against the GM secret.
 *
 * @throws KnowledgeBaseError `UNAUTHENTICATED` (no bearer token, not a worker token, not issued with
 *   this secret), `FORBIDDEN` (a token of another kind of job).
 */
export function authenticate(authorization: string | undefined, secret: string): JobIdentity {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) {
    throw new KnowledgeBaseError('UNAUTHENTICATED', authorization ? 'Authorization: not of the form "Bearer <worker token>"' : 'Authorization: missing; send "Bearer <worker token>" (the worker\'s SEDNA_WORKER_TOKEN)');
  }
  const token = match[1] as string;
  const claims = readWorkerTokenClaims(token);
  if (!claims) throw new KnowledgeBaseError('UNAUTHENTICATED', 'Authorization: the token is not a worker token (sw1.<claims>.<mac>)');
  const check = verifyWorkerToken(nodeToken(secret, claims.node), token);
  if (!check.ok) throw new KnowledgeBaseError('UNAUTHENTICATED', `Authorization: ${check.reason}`);
  const { namespace, kind, job } = check.claims;
  if (kind !== KB_JOB_KIND) throw new KnowledgeBaseError('FORBIDDEN', `the token is for ${kind} ${namespace}/${job}: the knowledge base serves ${KB_JOB_KIND} workers only`);
  for (const [field, value] of [['ns', namespace], ['job', job]] as const) {
    if (!NAME.test(value)) throw new KnowledgeBaseError('FORBIDDEN', `the token's ${field} ${JSON.stringify(value)} is not a Kubernetes name`);
  }
  return { namespace, job, key: `${namespace}/${job}`, claims: check.claims };
}

/**
 * Refuses a request that names another job than its token's: `?job=<name>` or `?job=<namespace>/<name>`,
 * or an index whose `namespace`/`job` are another's.
 *
 * @throws KnowledgeBaseError `FORBIDDEN` naming both jobs.
 */
export function requireSameJob(identity: JobIdentity, named: string | undefined, where: string): void {
  if (named === undefined) return;
  const key = named.includes('/') ? named : `${identity.namespace}/${named}`;
  if (key !== identity.key) throw new KnowledgeBaseError('FORBIDDEN', `${where} names job ${JSON.stringify(key)} but the token is for job ${JSON.stringify(identity.key)}`);
}
