/**
 * Worker reports (contract section 7): the body check of `POST /sedna/workers/{name}/info`, and the
 * turning of a report into the upstream message about its job, with the round and attempt of the
 * worker taken from the job's conditions.
 */
import { randomUUID } from 'node:crypto';
import {
  type ModelInfo,
  type UpstreamJobMessage,
  type WireFrame,
  type WorkerKind,
  type WorkerReport,
  type WorkerReportStatus,
} from '@sedna-ts/api-types';
import { jobFrame } from '../context.js';
import type { LcJob } from '../jobs/jobKind.js';
import { conditionsOf, findWorker, stageOf } from '../jobs/jobView.js';

/** The kinds of worker report. */
export const REPORT_KINDS: readonly WorkerKind[] = ['train', 'eval', 'deploy', 'inference'];
/** The statuses of a worker report. */
export const REPORT_STATUSES: readonly WorkerReportStatus[] = ['completed', 'failed', 'running', 'ready'];

/** Outcome of `parseWorkerReport`. */
export type ParsedReport = { ok: true; report: WorkerReport } | { ok: false; message: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Check a report body against `WorkerReport`; `pathName` is the `{name}` of the URL. */
export function parseWorkerReport(body: unknown, pathName: string): ParsedReport {
  const fail = (field: string, value: unknown, what: string): ParsedReport => ({ ok: false, message: `worker report: ${field}: ${JSON.stringify(value) ?? 'undefined'} ${what}` });
  if (!isObject(body)) return fail('(body)', body, 'is not a JSON object');
  for (const field of ['name', 'namespace', 'ownerName', 'ownerKind'] as const) {
    if (typeof body[field] !== 'string' || (body[field] as string).trim() === '') return fail(field, body[field], 'is not a non-empty string');
  }
  if (body.name !== pathName) return fail('name', body.name, `differs from the worker name in the URL (${JSON.stringify(pathName)})`);
  const kind = typeof body.kind === 'string' ? body.kind.toLowerCase() : body.kind;
  if (!REPORT_KINDS.includes(kind as WorkerKind)) return fail('kind', body.kind, `is not one of ${REPORT_KINDS.join(', ')}`);
  const status = typeof body.status === 'string' ? body.status.toLowerCase() : body.status;
  if (!REPORT_STATUSES.includes(status as WorkerReportStatus)) return fail('status', body.status, `is not one of ${REPORT_STATUSES.join(', ')}`);
  if (body.results !== undefined && body.results !== null) {
    if (!Array.isArray(body.results)) return fail('results', body.results, 'is not a list');
    for (const [i, result] of body.results.entries()) {
      if (!isObject(result)) return fail(`results[${i}]`, result, 'is not an object');
      for (const field of ['format', 'url'] as const) {
        if (result[field] !== undefined && typeof result[field] !== 'string') return fail(`results[${i}].${field}`, result[field], 'is not a string');
      }
      if (result.metrics !== undefined && !isObject(result.metrics)) return fail(`results[${i}].metrics`, result.metrics, 'is not an object');
    }
  }
  if (body.ownerInfo !== undefined && body.ownerInfo !== null && !isObject(body.ownerInfo)) return fail('ownerInfo', body.ownerInfo, 'is not an object');
  if (body.reportId !== undefined && typeof body.reportId !== 'string') return fail('reportId', body.reportId, 'is not a string');
  const report: WorkerReport = {
    name: body.name as string,
    namespace: body.namespace as string,
    ownerName: body.ownerName as string,
    ownerKind: (body.ownerKind as string).toLowerCase(),
    kind: kind as WorkerKind,
    status: status as WorkerReportStatus,
  };
  if (Array.isArray(body.results)) report.results = body.results as ModelInfo[];
  if (isObject(body.ownerInfo)) report.ownerInfo = body.ownerInfo;
  if (typeof body.reportId === 'string' && body.reportId !== '') report.reportId = body.reportId;
  return { ok: true, report };
}

/** What to do with a report: forward it, or acknowledge it without forwarding (and why). */
export type ReportRouting =
  | { forward: true; frame: WireFrame; round: number; attempt: number }
  /** `retry`: the LC cannot route it yet (its view of the job lags): answered 503, so the worker sends it again. */
  | { forward: false; reason: string; retry?: boolean };

const REPORT_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * The upstream message of a report about a learning job (`resourceKind`): `{phase: kind, status, round,
 * attempt, output: {models: results, ownerInfo}}`. The round and attempt are those of the (S, Starting)
 * condition naming the worker (workerAuth.ts refuses a train or eval report no condition names); an
 * inference worker's `deploy` report carries the round in `ownerInfo.model_version`.
 */
export function routeReport(job: LcJob, report: WorkerReport, resourceKind: string): ReportRouting {
  if (report.kind === 'inference') return { forward: false, reason: 'inference statistics are counted, not forwarded' };
  const stage = stageOf(report.kind);
  if (!stage) return { forward: false, reason: `kind ${report.kind} is not a stage` };
  let round: number;
  let attempt: number;
  if (report.kind === 'deploy') {
    const version = String(report.ownerInfo?.model_version ?? '');
    if (!/^\d+$/.test(version)) return { forward: false, reason: `model_version ${JSON.stringify(version)} is not a round (the initial model)` };
    round = Number(version);
    const deploy = conditionsOf(job).filter((c) => c.stage === 'Deploy' && c.round === round);
    attempt = deploy[deploy.length - 1]?.attempt ?? 1;
  } else {
    // Train and eval reports reach here only from the pod a condition names (workerAuth.ts).
    const worker = findWorker(job, report.name);
    if (!worker || worker.stage !== stage) return { forward: false, reason: `no ${stage} condition names worker ${report.name}` };
    round = worker.round;
    attempt = worker.attempt;
  }
  const message: UpstreamJobMessage = {
    phase: report.kind,
    status: report.status,
    round,
    attempt,
    output: { models: report.results ?? [], ...(report.ownerInfo ? { ownerInfo: report.ownerInfo } : {}) },
  };
  const reason = report.ownerInfo?.reason;
  if (report.status === 'failed' && typeof reason === 'string') message.reason = reason;
  const namespace = job.metadata.namespace ?? report.namespace;
  const id = report.reportId && REPORT_ID.test(report.reportId) ? report.reportId : randomUUID();
  return { forward: true, frame: jobFrame(resourceKind, namespace, job.metadata.name as string, message, id), round, attempt };
}
