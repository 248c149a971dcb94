/**
 * What the LC does with a worker report, for every kind of job: decide who may send it first (a report
 * without a token: only about a job that opts in), then check the body, the worker's scope (its token's
 * job and role), find the job of the kind the report names, wait (a little) for the GM's update that
 * names a train or eval worker, check the worker is bound to the job, and put the upstream message the
 * kind routes it to in the outbox before replying. Every reply is counted once in
 * `sedna_lc_worker_reports_total`, every refusal in `sedna_lc_worker_reports_rejected_total` too.
 */
import { MAX_CONDITION_DATA_BYTES, MAX_REPORT_BYTES, REPORT_REFUSED_REASON, jobFolder, reportRefusalMessage, workerAuthOptOut } from '@sedna-ts/api-types/contract';
import { publishedVersion } from './hotUpdate.js';
import { type Dataset, type WorkerReport, type WorkerReportReply } from '@sedna-ts/api-types';
import { jobWarningFrame, type LcContext } from '../context.js';
import type { LcMetrics } from '../metrics.js';
import { findWorker } from '../jobs/jobView.js';
import type { ReportBody } from './workerApi.js';
import type { LcJob, LcJobKind } from '../jobs/jobKind.js';
import type { JobRegistry } from '../jobs/jobRegistry.js';
import { awaitsWorkerName, bindingProblem, noTokenMessage, scopeProblem, unauthenticatedProblem, type WorkerPrincipal } from './workerAuth.js';
import { REPORT_KINDS, REPORT_STATUSES, parseWorkerReport } from './workerReport.js';

/** What the handler needs. */
export interface ReportHandlerDeps {
  ctx: LcContext;
  jobs: JobRegistry;
  /** Whether the LC is stopping (reports get 503 and are retried). */
  stopping(): boolean;
}

const STOPPING: WorkerReportReply = { status: 503, message: 'the LC is stopping; retry' };

/**
 * Counts one reply of the report route: in `sedna_lc_worker_reports_total` by the report's kind and
 * status (`unknown` when its body did not say) and code, and a refusal (400 and above) in
 * `sedna_lc_worker_reports_rejected_total` by code and `reason` too.
 */
export function countReportReply(metrics: LcMetrics, code: number, reason: string | undefined, report?: { kind: string; status: string }): void {
  metrics.workerReports.inc({ kind: report?.kind ?? 'unknown', status: report?.status ?? 'unknown', code: String(code) });
  if (code >= 400) metrics.workerReportsRejected.inc({ code: String(code), reason: reason ?? 'unknown' });
}

/** The reason label of a refusal (`sedna_lc_worker_reports_rejected_total`). */
function rejectionReason(status: number, principal: WorkerPrincipal | undefined): string {
  if (status === 401) return 'no-token';
  if (status === 400) return 'bad-body';
  if (status === 413) return 'too-large';
  if (status === 404) return 'unknown-job';
  if (status === 503) return 'not-ready';
  return principal?.form === 'none' ? 'not-bound' : 'out-of-scope';
}

/** The node a job runs a stage's worker on: its template's `nodeName`, else its Dataset's (the GM's rule); the kind's for the inference worker. */
function stageNode(kind: LcJobKind, job: LcJob, dataset: Dataset | undefined, stage: 'Train' | 'Eval' | 'Deploy'): string | undefined {
  if (stage === 'Deploy') return kind.inferenceNode(job, dataset);
  const spec = (job.spec as Record<string, { template?: { spec?: { nodeName?: string } } } | undefined> | undefined)?.[stage === 'Train' ? 'trainSpec' : 'evalSpec'];
  return spec?.template?.spec?.nodeName ?? dataset?.spec.nodeName;
}

/** The job a report body names (namespace, ownerKind, ownerName) and its kind and status, read leniently (before the body is checked). */
function bodyIdentity(body: ReportBody): { namespace: string; ownerKind: string; ownerName: string; kind: string; status: string } | undefined {
  if (!('json' in body)) return undefined;
  const json = body.json as Record<string, unknown> | null;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : undefined);
  const namespace = text(json.namespace);
  const ownerKind = text(json.ownerKind)?.toLowerCase();
  const ownerName = text(json.ownerName);
  if (!namespace || !ownerKind || !ownerName) return undefined;
  // Label values: only the known ones (a caller must not make up series).
  const known = (value: unknown, list: readonly string[]) => (typeof value === 'string' && list.includes(value.toLowerCase()) ? value.toLowerCase() : 'unknown');
  return { namespace, ownerKind, ownerName, kind: known(json.kind, REPORT_KINDS), status: known(json.status, REPORT_STATUSES) };
}

/** A refusal to tell the GM: the job (held by this LC), the report's kind, the worker of the URL. */
interface RefusalTarget {
  kind: LcJobKind;
  namespace: string;
  ownerName: string;
  reportKind: string;
  worker: string;
  /** The worker is the pod its name says (a checked token) or a pod the job's conditions name. */
  named: boolean;
}

/** The report handler of the worker API (see the module comment). */
export function createReportHandler(deps: ReportHandlerDeps): (name: string, body: ReportBody, principal: WorkerPrincipal) => Promise<WorkerReportReply> {
  const { ctx, jobs } = deps;
  const { logger, metrics, config } = ctx;

  /** The job once its conditions name the worker of `report`, or as it is after `workerNameWaitMs`. */
  async function jobNamingWorker(kind: LcJobKind, report: WorkerReport, job: LcJob): Promise<LcJob> {
    const deadline = Date.now() + config.workerNameWaitMs;
    let current = job;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || deps.stopping()) return current;
      await jobs.nextUpdate(left);
      current = jobs.stored(kind, report.namespace, report.ownerName) ?? current;
      if (!awaitsWorkerName(current, report)) return current;
    }
  }

  /**
   * A deploy report without `ownerInfo.model_version` (the original's library sends none) is about the
   * model the LC last published to the job's inference worker: its version is taken from there.
   */
  async function withPublishedVersion(kind: LcJobKind, report: WorkerReport): Promise<WorkerReport> {
    if (report.kind !== 'deploy' || (report.ownerInfo?.model_version !== undefined && report.ownerInfo.model_version !== null)) return report;
    const version = await publishedVersion(jobFolder(config.hotUpdateRoot, report.namespace, kind.resourceKind, report.ownerName));
    if (version === undefined) return report;
    logger.info({ worker: report.name, job: `${report.namespace}/${report.ownerName}`, version }, 'deploy report without a model version: taken as the model last published to the inference worker');
    return { ...report, ownerInfo: { ...(report.ownerInfo ?? {}), model_version: version, model_version_source: 'last published by the LC' } };
  }

  // Refusals told to the GM, per job, report kind and code (and worker, for a pod of the job), with
  // when: one event per 10 minutes each. Per worker only for a worker that is a pod of the job (a checked
  // token, or a name the job's conditions give): a caller inventing names must not flood the job's
  // events (the log and the counters still have every refusal).
  const told = new Map<string, number>();
  const TELL_EVERY_MS = 10 * 60_000;

  /**
   * A Warning event on the job (through the outbox, so the GM records it even after a restart) and on the
   * worker pod when it is one of the job's, at most one per job, report kind, code (and pod) every 10
   * minutes. The GM quotes it when the pod's stage ends without a report.
   */
  async function tellGm(target: RefusalTarget, status: number, reason: string, message: string): Promise<void> {
    const key = `${target.kind.resourceKind}/${target.namespace}/${target.ownerName}/${target.reportKind}/${status}${target.named ? `/${target.worker}` : ''}`;
    const now = Date.now();
    const last = told.get(key);
    if (last !== undefined && now - last < TELL_EVERY_MS) return;
    if (told.size >= 10_000) told.clear(); // bounded: a job told again early after that many is no harm
    told.set(key, now);
    const text = reportRefusalMessage({ node: config.nodeName, reportKind: target.reportKind, worker: target.worker, code: status, reason, detail: message });
    await ctx.outbox.append(jobWarningFrame(target.kind.resourceKind, target.namespace, target.ownerName, REPORT_REFUSED_REASON, text, target.named ? target.worker : undefined));
  }

  /** The job a refused report is about, when this LC holds it: the token's job, else the one the body names. */
  function refusalTarget(name: string, body: ReportBody, principal: WorkerPrincipal): RefusalTarget | undefined {
    const identity = bodyIdentity(body);
    const claims = principal.form === 'current' ? principal.claims : undefined;
    const named = claims ? { namespace: claims.namespace, ownerKind: claims.kind, ownerName: claims.job } : identity;
    const kind = named ? jobs.kindOf(named.ownerKind) : undefined;
    const job = named && kind ? jobs.stored(kind, named.namespace, named.ownerName) : undefined;
    if (!named || !kind || !job) return undefined;
    const reportKind = identity?.kind ?? (claims ? (claims.role === 'inference' ? 'deploy' : claims.role) : 'unknown');
    return { kind, namespace: named.namespace, ownerName: named.ownerName, reportKind, worker: name, named: principal.form !== 'none' || findWorker(job, name) !== undefined };
  }

  /**
   * Whether a report without a token may go on: its body must name a job this LC holds that opts in
   * (`sedna.io/worker-auth: none`); otherwise the 401, before anything about the body is said.
   */
  function anonymousRefusal(name: string, body: ReportBody): { message: string; target?: RefusalTarget } | undefined {
    const missing = `worker ${name}: no Authorization: Bearer <SEDNA_WORKER_TOKEN> header`;
    const identity = bodyIdentity(body);
    if (!identity) {
      const why = 'tooLarge' in body ? `the body (over ${MAX_REPORT_BYTES} bytes) was not read` : 'the body names no job (namespace, ownerKind, ownerName) that takes reports without one';
      return { message: `${missing}; ${why}` };
    }
    const kind = jobs.kindOf(identity.ownerKind);
    const job = kind ? jobs.stored(kind, identity.namespace, identity.ownerName) : undefined;
    if (!kind || !job) return { message: `${missing}; the body names ${identity.ownerKind} ${identity.namespace}/${identity.ownerName}, which the LC of node ${config.nodeName} does not hold` };
    const optIn = workerAuthOptOut(job.metadata.annotations);
    if (optIn === true) return undefined;
    return { message: noTokenMessage(name, `${job.kind ?? kind.kind} ${identity.namespace}/${identity.ownerName}`, optIn), target: refusalTarget(name, body, { form: 'none' }) };
  }

  return async (name, body, principal) => {
    if (deps.stopping()) {
      countReportReply(metrics, 503, 'stopping');
      return STOPPING;
    }
    /** A refusal before the body is checked: counted (kind and status as the body says, if it does), logged, told to the GM when it is about a job held here. */
    const refuseEarly = async (status: number, reason: string, message: string, target = refusalTarget(name, body, principal)): Promise<WorkerReportReply> => {
      const identity = bodyIdentity(body);
      countReportReply(metrics, status, reason, identity);
      logger.warn({ worker: name, status, token: principal.form !== 'none', ...(target ? { job: `${target.namespace}/${target.ownerName}` } : {}) }, message);
      if (target) await tellGm(target, status, reason, message);
      return { status, message };
    };
    // Who may send it, first: without a token, only about a job that opts in.
    if (principal.form === 'none') {
      const refused = anonymousRefusal(name, body);
      if (refused) return refuseEarly(401, 'no-token', refused.message, refused.target);
    }
    if ('tooLarge' in body) return refuseEarly(413, 'too-large', `worker ${name}: the report is larger than ${MAX_REPORT_BYTES} bytes (1 MiB), the limit; keep large results in files and report their URLs`);
    if ('notJson' in body) return refuseEarly(400, 'bad-body', `worker report: body is not JSON: ${body.notJson}`);
    const parsed = parseWorkerReport(body.json, name);
    if (!parsed.ok) return refuseEarly(400, 'bad-body', parsed.message);
    const report = parsed.report;
    const where = { worker: name, job: `${report.namespace}/${report.ownerName}`, kind: report.kind, token: principal.form !== 'none' };
    const reply = (status: number, message: string): WorkerReportReply => {
      const reason = status >= 400 ? rejectionReason(status, principal) : undefined;
      countReportReply(metrics, status, reason, report);
      // Every refusal is logged and counted, whatever the reason.
      if (status >= 400) logger.warn({ ...where, status }, message);
      return { status, message };
    };
    /** A refusal the job's owner should see in `sedna describe` (a worker that cannot report fails its round). */
    const refuseAndTell = async (status: number, message: string): Promise<WorkerReportReply> => {
      const target = refusalTarget(name, body, principal);
      if (target) await tellGm(target, status, rejectionReason(status, principal), message);
      return reply(status, message);
    };
    const outOfScope = scopeProblem(principal, report);
    if (outOfScope) return reply(403, outOfScope);
    // What the GM records of a report goes into one condition's data: refused here, not by the API server later.
    const recorded = Buffer.byteLength(JSON.stringify({ models: report.results ?? [], ownerInfo: report.ownerInfo ?? {} }));
    if (recorded > MAX_CONDITION_DATA_BYTES) {
      return reply(413, `worker ${name}: results and ownerInfo take ${recorded} bytes as JSON, more than ${MAX_CONDITION_DATA_BYTES} (64 KiB), the limit of a condition's data; keep large results in files and report their URLs`);
    }
    const kind = jobs.kindOf(report.ownerKind);
    if (!kind) return reply(404, `worker ${name}: ownerKind ${JSON.stringify(report.ownerKind)}: jobs of that kind are not handled by this LC (it handles ${jobs.kinds.map((k) => k.resourceKind).join(', ')})`);
    const job = jobs.stored(kind, report.namespace, report.ownerName);
    if (!job) return reply(404, `worker ${name}: ${kind.kind} ${report.namespace}/${report.ownerName} is not known to the LC of node ${config.nodeName}`);
    const current = awaitsWorkerName(job, report) ? await jobNamingWorker(kind, report, job) : job;
    if (deps.stopping()) {
      countReportReply(metrics, 503, 'stopping', report);
      return STOPPING;
    }
    // A worker no condition names yet gets bindingProblem's 503 (retry), as with a token.
    if (principal.form === 'none' && !awaitsWorkerName(current, report)) {
      const dataset = ctx.store.get<Dataset>('dataset', report.namespace, kind.datasetName(current));
      const refused = unauthenticatedProblem(current, report, config.nodeName, (stage) => stageNode(kind, current, dataset, stage));
      if (refused) return refuseAndTell(refused.status, refused.message);
    }
    const unbound = bindingProblem(current, principal, report);
    if (unbound) return unbound.status === 503 ? reply(unbound.status, unbound.message) : refuseAndTell(unbound.status, unbound.message);
    if (principal.form === 'none') {
      metrics.workerReportsUnauthenticated.inc({ namespace: report.namespace, sedna_job: report.ownerName, kind: report.kind });
      logger.warn({ ...where, status: report.status }, 'worker report without a worker token taken (the job has sedna.io/worker-auth: none)');
    }
    const routing = kind.routeReport(current, await withPublishedVersion(kind, report));
    if (!routing.forward && routing.retry) return reply(503, `worker ${name}: ${routing.reason}; send it again`);
    if (!routing.forward) return reply(200, `OK (not forwarded: ${routing.reason})`);
    await ctx.outbox.append(routing.frame);
    logger.info({ ...where, status: report.status, round: routing.round, attempt: routing.attempt }, 'worker report forwarded');
    return reply(200, 'OK');
  };
}
