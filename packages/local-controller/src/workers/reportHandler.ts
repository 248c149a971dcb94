/**
 * What the LC does with a worker report, for every kind of job: parse the body, check the worker's
 * scope (its token's job and role), find the job of the kind the report names, wait (a little) for the
 * GM's update that names a train or eval worker, check the worker is bound to the job, and put the
 * upstream message the kind routes it to in the outbox before replying.
 */
import { MAX_CONDITION_DATA_BYTES } from '@sedna-ts/api-types/contract';
import type { WorkerReport, WorkerReportReply } from '@sedna-ts/api-types';
import type { LcContext } from '../context.js';
import type { LcJob, LcJobKind } from '../jobs/jobKind.js';
import type { JobRegistry } from '../jobs/jobRegistry.js';
import { awaitsWorkerName, bindingProblem, scopeProblem, type WorkerPrincipal } from './workerAuth.js';
import { parseWorkerReport } from './workerReport.js';

/** What the handler needs. */
export interface ReportHandlerDeps {
  ctx: LcContext;
  jobs: JobRegistry;
  /** Whether the LC is stopping (reports get 503 and are retried). */
  stopping(): boolean;
}

const STOPPING: WorkerReportReply = { status: 503, message: 'the LC is stopping; retry' };

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

  return async (name, body, principal) => {
    if (deps.stopping()) return STOPPING;
    const parsed = parseWorkerReport(body, name);
    if (!parsed.ok) {
      metrics.workerReports.inc({ kind: 'unknown', status: 'unknown', code: '400' });
      return { status: 400, message: parsed.message };
    }
    const report = parsed.report;
    const where = { worker: name, job: `${report.namespace}/${report.ownerName}`, kind: report.kind };
    const reply = (status: number, message: string): WorkerReportReply => {
      metrics.workerReports.inc({ kind: report.kind, status: report.status, code: String(status) });
      if (status === 403) logger.warn({ ...where, status }, message);
      return { status, message };
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
    if (deps.stopping()) return STOPPING;
    const unbound = bindingProblem(current, principal, report);
    if (unbound) return reply(unbound.status, unbound.message);
    const routing = kind.routeReport(current, report);
    if (!routing.forward && routing.retry) return reply(503, `worker ${name}: ${routing.reason}; send it again`);
    if (!routing.forward) return reply(200, `OK (not forwarded: ${routing.reason})`);
    await ctx.outbox.append(routing.frame);
    logger.info({ ...where, status: report.status, round: routing.round, attempt: routing.attempt }, 'worker report forwarded');
    return reply(200, 'OK');
  };
}
