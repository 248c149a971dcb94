/**
 * What the LC does with a worker report, for every kind of job: parse the body, check the worker's
 * scope (its token's job and role), find the job of the kind the report names, wait (a little) for the
 * GM's update that names a train or eval worker, check the worker is bound to the job, and put the
 * upstream message the kind routes it to in the outbox before replying.
 */
import { MAX_CONDITION_DATA_BYTES, jobFolder, workerAuthOptOut } from '@sedna-ts/api-types/contract';
import { publishedVersion } from './hotUpdate.js';
import { type Dataset, type WorkerReport, type WorkerReportReply } from '@sedna-ts/api-types';
import { jobWarningFrame, type LcContext } from '../context.js';
import type { LcJob, LcJobKind } from '../jobs/jobKind.js';
import type { JobRegistry } from '../jobs/jobRegistry.js';
import { awaitsWorkerName, bindingProblem, noTokenMessage, scopeProblem, unauthenticatedProblem, type WorkerPrincipal } from './workerAuth.js';
import { parseWorkerReport } from './workerReport.js';

/** What the handler needs. */
export interface ReportHandlerDeps {
  ctx: LcContext;
  jobs: JobRegistry;
  /** Whether the LC is stopping (reports get 503 and are retried). */
  stopping(): boolean;
}

const STOPPING: WorkerReportReply = { status: 503, message: 'the LC is stopping; retry' };

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

/** The report handler of the worker API (see the module comment). */
export function createReportHandler(deps: ReportHandlerDeps): (name: string, body: unknown, principal: WorkerPrincipal) => Promise<WorkerReportReply> {
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

  // Refusals told to the GM, per job, report kind and code, with when: one event per 10 minutes each. Not
  // per worker: the worker name is the caller's choice, and a caller inventing names must not flood the
  // job's events (the log and the counters still have every refusal).
  const told = new Map<string, number>();
  const TELL_EVERY_MS = 10 * 60_000;

  /** A Warning event on the job (through the outbox, so the GM records it even after a restart), at most one per job, report kind and code every 10 minutes. */
  async function tellGm(kind: LcJobKind, report: WorkerReport, status: number, message: string): Promise<void> {
    const key = `${kind.resourceKind}/${report.namespace}/${report.ownerName}/${report.kind}/${status}`;
    const now = Date.now();
    const last = told.get(key);
    if (last !== undefined && now - last < TELL_EVERY_MS) return;
    if (told.size >= 10_000) told.clear(); // bounded: a job told again early after that many is no harm
    told.set(key, now);
    await ctx.outbox.append(jobWarningFrame(kind.resourceKind, report.namespace, report.ownerName, 'WorkerReportRefused', `the LC of node ${config.nodeName} refused the ${report.kind} report of worker ${report.name} (${status}): ${message}`));
  }

  return async (name, body, principal) => {
    if (deps.stopping()) {
      metrics.workerReportsRejected.inc({ code: '503', reason: 'stopping' });
      return STOPPING;
    }
    const parsed = parseWorkerReport(body, name);
    if (!parsed.ok) {
      metrics.workerReports.inc({ kind: 'unknown', status: 'unknown', code: '400' });
      metrics.workerReportsRejected.inc({ code: '400', reason: 'bad-body' });
      logger.warn({ worker: name, status: 400, token: principal.form !== 'none' }, parsed.message);
      return { status: 400, message: parsed.message };
    }
    const report = parsed.report;
    const where = { worker: name, job: `${report.namespace}/${report.ownerName}`, kind: report.kind, token: principal.form !== 'none' };
    const reply = (status: number, message: string): WorkerReportReply => {
      metrics.workerReports.inc({ kind: report.kind, status: report.status, code: String(status) });
      if (status >= 400) {
        // Every refusal is logged and counted, whatever the reason.
        metrics.workerReportsRejected.inc({ code: String(status), reason: rejectionReason(status, principal) });
        logger.warn({ ...where, status }, message);
      }
      return { status, message };
    };
    /** A refusal the job's owner should see in `sedna describe` (a worker that cannot report fails its round). */
    const refuseAndTell = async (kind: LcJobKind, status: number, message: string): Promise<WorkerReportReply> => {
      await tellGm(kind, report, status, message);
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
    if (principal.form === 'none') {
      // Without the job's opt-in, at once: no need to wait for a condition naming the worker.
      const optIn = workerAuthOptOut(job.metadata.annotations);
      if (optIn !== true) return refuseAndTell(kind, 401, noTokenMessage(name, `${job.kind ?? kind.kind} ${report.namespace}/${report.ownerName}`, optIn));
    }
    const current = awaitsWorkerName(job, report) ? await jobNamingWorker(kind, report, job) : job;
    if (deps.stopping()) return STOPPING;
    // A worker no condition names yet gets bindingProblem's 503 (retry), as with a token.
    if (principal.form === 'none' && !awaitsWorkerName(current, report)) {
      const dataset = ctx.store.get<Dataset>('dataset', report.namespace, kind.datasetName(current));
      const refused = unauthenticatedProblem(current, report, config.nodeName, (stage) => stageNode(kind, current, dataset, stage));
      if (refused) return refuseAndTell(kind, refused.status, refused.message);
    }
    const unbound = bindingProblem(current, principal, report);
    if (unbound) return unbound.status === 503 ? reply(unbound.status, unbound.message) : refuseAndTell(kind, unbound.status, unbound.message);
    if (principal.form === 'none') {
      metrics.workerReportsUnauthenticated.inc({ namespace: report.namespace, job: report.ownerName, kind: report.kind });
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
