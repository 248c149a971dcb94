/**
 * Who a worker is and what it may report. The bearer token of `POST /sedna/workers/{name}/info` is
 * checked with this node's token (`@sedna-ts/api-types/tokens`):
 *
 * - A current-form token names the job (namespace, kind, name), the pod, its node and its role. A
 *   report is accepted only about that job, from that pod, of a kind the role sends (train reports from
 *   the train worker, eval from the eval worker, deploy and inference from the inference worker).
 * - A train or eval report is accepted only for the stage, round and attempt whose (S, Starting)
 *   condition names the pod (the GM names each pod it creates).
 * - An old-form token (made by a GM before worker tokens named their job) names only the pod. It is
 *   accepted while the pod is the current worker of its stage in the job the report names: the latest
 *   condition of that stage that names a worker names it. Once the job has moved on to another pod, the old token is refused,
 *   so an upgrade lets running rounds finish and nothing more.
 */
import {
  isLegacyWorkerToken,
  verifyLegacyWorkerToken,
  verifyWorkerToken,
  type WorkerRole,
  type WorkerTokenClaims,
} from '@sedna-ts/api-types/tokens';
import type { WorkerKind, WorkerReport, WorkerReportReply } from '@sedna-ts/api-types';
import type { LcJob } from '../jobs/jobKind.js';
import { conditionsOf, findWorker, stageOf } from '../jobs/jobView.js';
import { WORKER_AUTH_ANNOTATION, WORKER_AUTH_NONE, workerAuthOptOut } from '@sedna-ts/api-types/contract';

/**
 * A worker whose token checked out; or `none`: a request without a token, taken only about a job that
 * opts in with `sedna.io/worker-auth: none` and only from that job's own pods (`unauthenticatedProblem`).
 */
export type WorkerPrincipal = { form: 'current'; claims: WorkerTokenClaims } | { form: 'legacy'; pod: string } | { form: 'none' };

/** The outcome of `authenticateWorker`. */
export type Authentication = { ok: true; principal: WorkerPrincipal } | { ok: false; reply: WorkerReportReply };

const ROLE_OF_KIND: Readonly<Record<WorkerKind, WorkerRole>> = { train: 'train', eval: 'eval', deploy: 'inference', inference: 'inference' };

/** A refusal reply. */
function refuse(status: number, message: string): { ok: false; reply: WorkerReportReply } {
  return { ok: false, reply: { status, message } };
}

/**
 * Checks the bearer token of worker `name` (the `{name}` of the URL) with this node's token.
 *
 * @param nodeKey this node's token, or undefined while the GM has not given it (a 503: retry).
 */
export function authenticateWorker(name: string, token: string | undefined, nodeKey: string | undefined, nodeName: string): Authentication {
  // No token: the report handler decides once it knows the job (its sedna.io/worker-auth opt-in).
  if (!token) return { ok: true, principal: { form: 'none' } };
  if (nodeKey === undefined) return refuse(503, `worker ${name}: the GM has not accepted the LC of node ${nodeName} yet, so its worker tokens cannot be checked; retry`);
  if (isLegacyWorkerToken(token)) {
    if (verifyLegacyWorkerToken(nodeKey, name, token)) return { ok: true, principal: { form: 'legacy', pod: name } };
    return refuse(403, `worker ${name}: the token is not the one of this worker on node ${nodeName}`);
  }
  const check = verifyWorkerToken(nodeKey, token);
  if (!check.ok) return refuse(403, `worker ${name}: ${check.reason}`);
  const { claims } = check;
  if (claims.node !== nodeName) return refuse(403, `worker ${name}: the token is for a worker on node ${claims.node}, not on node ${nodeName}`);
  if (claims.pod !== name) return refuse(403, `worker ${name}: the token is the one of worker pod ${claims.pod}`);
  return { ok: true, principal: { form: 'current', claims } };
}

/**
 * Whether a current-form principal may send `report` at all (its job and its role), before the job is
 * looked up: undefined when it may, else the 403 message. Old-form principals are bound to the job by
 * `bindingProblem` instead.
 */
export function scopeProblem(principal: WorkerPrincipal, report: WorkerReport): string | undefined {
  if (principal.form !== 'current') return undefined;
  const { claims } = principal;
  const named = `${report.ownerKind} ${report.namespace}/${report.ownerName}`;
  if (claims.namespace !== report.namespace || claims.kind !== report.ownerKind || claims.job !== report.ownerName) {
    return `worker ${report.name}: its token is for ${claims.kind} ${claims.namespace}/${claims.job}, not for ${named}`;
  }
  const role = ROLE_OF_KIND[report.kind];
  if (claims.role !== role) return `worker ${report.name}: it is the ${claims.role} worker of ${named}; ${report.kind} reports come from its ${role} worker`;
  return undefined;
}

/** Whether a train or eval report must wait for the GM's update that names its pod. */
export function awaitsWorkerName(job: LcJob, report: WorkerReport): boolean {
  if (report.kind !== 'train' && report.kind !== 'eval') return false;
  return findWorker(job, report.name) === undefined;
}

/**
 * Whether `report` is bound to `job`: for train and eval, a condition of the job names the pod for that
 * stage; for old-form tokens, the latest condition of the report's stage names the pod (inference
 * statistics excepted: they are counted, not forwarded). Undefined when bound, else the reply.
 */
export function bindingProblem(job: LcJob, principal: WorkerPrincipal, report: WorkerReport): WorkerReportReply | undefined {
  const stage = stageOf(report.kind);
  const named = `${job.kind ?? 'job'} ${report.namespace}/${report.ownerName}`;
  if (report.kind === 'train' || report.kind === 'eval') {
    const worker = findWorker(job, report.name);
    if (!worker) {
      // The GM names the pod before it creates it: only an LC that has not heard of it yet gets here.
      return { status: 503, message: `worker ${report.name}: no condition of ${named} known to this LC names it yet; retry` };
    }
    if (worker.stage !== stage) return { status: 403, message: `worker ${report.name}: it is the ${worker.stage} worker of ${named} (round ${worker.round}, attempt ${worker.attempt}), not its ${stage} worker` };
  }
  if (principal.form === 'legacy' && report.kind !== 'inference') {
    const current = conditionsOf(job).filter((c) => c.stage === stage && c.data.worker !== undefined).at(-1)?.data.worker;
    if (current !== report.name) {
      return { status: 403, message: `worker ${report.name}: an old-form token is accepted only from the current ${stage} worker of ${named}, which is ${current ? `pod ${current}` : 'not named'}` };
    }
  }
  return undefined;
}

/** The refusal of a report without a token, naming the opt-in. */
export function noTokenMessage(name: string, job: string, optIn: boolean | { error: string }): string {
  const why = optIn === false ? `${job} does not take reports without a token (its annotation ${WORKER_AUTH_ANNOTATION}: ${WORKER_AUTH_NONE} would let its own pods report without one)` : `${job}: ${(optIn as { error: string }).error}`;
  return `worker ${name}: no Authorization: Bearer <SEDNA_WORKER_TOKEN> header; ${why}`;
}

/**
 * Whether a report without a token (principal `none`) is taken: the job opts in (`sedna.io/worker-auth:
 * none`), and the URL's worker is a pod the job's current conditions name, on this node: the current
 * worker of the report's stage (the latest condition of that stage naming a worker names it) for train
 * and eval, the serving inference worker (named by the latest Deploy condition) for deploy and
 * inference. `nodeOf(stage)` is the node the job runs that stage's worker on. Undefined when taken, else
 * the reply (401 without the opt-in, 403 from another pod).
 */
export function unauthenticatedProblem(job: LcJob, report: WorkerReport, nodeName: string, nodeOf: (stage: 'Train' | 'Eval' | 'Deploy') => string | undefined): WorkerReportReply | undefined {
  const named = `${job.kind ?? 'job'} ${report.namespace}/${report.ownerName}`;
  const optIn = workerAuthOptOut(job.metadata.annotations);
  if (optIn !== true) return { status: 401, message: noTokenMessage(report.name, named, optIn) };
  const stage = stageOf(report.kind) ?? 'Deploy';
  const current = conditionsOf(job).filter((c) => c.stage === stage && c.data.worker !== undefined).at(-1)?.data.worker;
  const which = stage === 'Deploy' ? 'serving inference' : stage.toLowerCase();
  if (current !== report.name) {
    return { status: 403, message: `worker ${report.name}: without a token (${WORKER_AUTH_ANNOTATION}: ${WORKER_AUTH_NONE}) ${report.kind === 'eval' || report.kind === 'inference' ? 'an' : 'a'} ${report.kind} report is taken only from the current ${which} worker of ${named}, which is ${current ? `pod ${current}` : 'not named yet'}` };
  }
  const node = nodeOf(stage);
  if (node !== nodeName) return { status: 403, message: `worker ${report.name}: the ${which} worker of ${named} runs on node ${node ?? '(unknown)'}, not on node ${nodeName}; without a token only the pods of this node report here` };
  return undefined;
}
