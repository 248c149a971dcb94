import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type WorkerReport } from '@sedna-ts/api-types';
import { backoffDelay } from '@sedna-ts/internal';
import { writeFileAtomic } from './dataSource.js';
import { WorkerSdkError } from './errors.js';
import { createConsoleLogger, type Logger } from './logger.js';

/** How `LCClient.send` handles a report the LC does not take. */
export type DeliveryMode =
  /** Retry with backoff, then throw `REPORT_UNDELIVERABLE` (train and eval workers). */
  | 'required'
  /** Write it to the spool first, deliver in order, replay until delivered (inference workers). */
  | 'spool';

/** Retry policy for report delivery. */
export interface RetryPolicy {
  /** Attempts in all (default 6). */
  attempts?: number;
  /** Delay before the second attempt, doubled each time (default 500 ms), with jitter. */
  initialDelayMs?: number;
  /** Cap of the delay (default 10 s; the spool replay uses it as its longest pause too). */
  maxDelayMs?: number;
  /** Timeout of one HTTP request (default 10 s). */
  timeoutMs?: number;
}

/** Options of `LCClient`. */
export interface LCClientOptions {
  /** Base URL of the LC's worker API (LC_SERVER), e.g. `http://127.0.0.1:9100`. */
  lcServer: string;
  /** SEDNA_WORKER_TOKEN: sent as `Authorization: Bearer <token>` when set. */
  token?: string;
  retry?: RetryPolicy;
  /** Folder for undelivered reports in `spool` mode (default under the OS temp folder). */
  spoolDir?: string;
  logger?: Logger;
}

/** What happened to a report. */
export interface DeliveryOutcome {
  /** Whether the LC has taken it. */
  delivered: boolean;
  /** The report's id (also in the body as `reportId`, for deduplication by the LC). */
  reportId: string;
  /** HTTP attempts made in this call. */
  attempts: number;
  /** In `spool` mode, when not delivered yet: reports waiting in the spool, this one included. */
  pending?: number;
  /** In `spool` mode: the LC refused it permanently; it was moved to `<spool>/rejected/`. */
  rejected?: boolean;
  /** Local mode (`SEDNA_REPORT=stdout`): printed as one JSON line on stdout, not sent. */
  printed?: boolean;
}

class PermanentRejection extends Error {}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * The Local Controller client: `POST {LC_SERVER}/sedna/workers/{name}/info` with the original body
 * (`WorkerReport`), `Authorization: Bearer <SEDNA_WORKER_TOKEN>` when set, retried with exponential
 * backoff on network errors, timeouts, 408, 429 and 5xx; other 4xx are permanent.
 *
 * In `spool` mode a report is first written to the spool folder (temp file + rename, fsync), then
 * delivered; reports go out in the order they were sent, and the spool is replayed in the background
 * until the LC takes them. A report the LC rejects permanently is moved to `<spool>/rejected/` and
 * logged, never dropped silently. Every report carries a `reportId` so the LC can deduplicate.
 *
 * @example
 * const lc = new LCClient({ lcServer: BaseConfig.lcServer, token: BaseConfig.workerToken });
 * await lc.send({ name, namespace, ownerName, ownerKind, kind: 'train', status: 'completed', results });
 */
export class LCClient {
  readonly lcServer: string;
  readonly spoolDir: string;
  private readonly token: string | undefined;
  private readonly retry: Required<RetryPolicy>;
  private readonly logger: Logger;
  private replaying: Promise<number> | undefined;
  private replayTimer: NodeJS.Timeout | undefined;
  /** Replays that found the LC unreachable in a row (the next replay's backoff). */
  private replayFailures = 0;
  private closed = false;
  private seq = 0;
  // Replay passes started so far, so `flush` can tell a pass that began before it from one after.
  private passesStarted = 0;
  // Reports of this process moved to rejected/, so `send` can tell refused from delivered.
  private readonly rejectedIds = new Set<string>();

  constructor(options: LCClientOptions) {
    this.lcServer = options.lcServer.replace(/\/+$/, '');
    this.token = options.token || undefined;
    this.retry = {
      attempts: Math.max(1, options.retry?.attempts ?? 6),
      initialDelayMs: options.retry?.initialDelayMs ?? 500,
      maxDelayMs: options.retry?.maxDelayMs ?? 10_000,
      timeoutMs: options.retry?.timeoutMs ?? 10_000,
    };
    this.spoolDir = options.spoolDir ?? join(tmpdir(), 'sedna-report-spool', String(process.pid));
    this.logger = options.logger ?? createConsoleLogger();
  }

  /** The URL a report of worker `name` goes to. */
  urlFor(name: string): string {
    return `${this.lcServer}/sedna/workers/${encodeURIComponent(name)}/info`;
  }

  private backoff(attempt: number): number {
    return backoffDelay(attempt, { initialMs: this.retry.initialDelayMs, maxMs: this.retry.maxDelayMs, jitter: true });
  }

  /** One POST. Resolves on 2xx; throws PermanentRejection on a permanent refusal, Error otherwise. */
  private async post(report: WorkerReport): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const response = await fetch(this.urlFor(report.name), {
      method: 'POST',
      headers,
      body: JSON.stringify(report),
      signal: AbortSignal.timeout(this.retry.timeoutMs),
    });
    const text = await response.text().catch(() => '');
    if (response.ok) return;
    const detail = `HTTP ${response.status}${text ? ` ${text.slice(0, 200)}` : ''}`;
    const transient = response.status === 408 || response.status === 429 || response.status >= 500;
    throw transient ? new Error(detail) : new PermanentRejection(detail);
  }

  private describe(report: WorkerReport): string {
    return `worker ${report.name}: report kind=${report.kind} status=${report.status}`;
  }

  /**
   * Deliver a report. `required` (default): retried, then throws `REPORT_UNDELIVERABLE` naming the
   * worker, the report and the last error. `spool`: never throws for delivery problems; see the class.
   */
  async send(report: WorkerReport, mode: DeliveryMode = 'required'): Promise<DeliveryOutcome> {
    const withId: WorkerReport = { ...report, reportId: report.reportId ?? randomUUID() };
    const reportId = withId.reportId as string;
    if (mode === 'spool') {
      await this.spool(withId);
      const pending = await this.flush();
      if (this.rejectedIds.delete(reportId)) return { delivered: false, reportId, attempts: 1, rejected: true };
      const delivered = !(await this.isSpooled(reportId));
      return delivered ? { delivered, reportId, attempts: 1 } : { delivered, reportId, attempts: 1, pending };
    }
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      try {
        await this.post(withId);
        return { delivered: true, reportId, attempts: attempt };
      } catch (error) {
        lastError = error;
        const permanent = error instanceof PermanentRejection;
        this.logger.warn({ reportId, attempt, error: (error as Error).message, url: this.urlFor(withId.name) }, `${this.describe(withId)}: delivery failed`);
        if (permanent) {
          throw new WorkerSdkError('REPORT_UNDELIVERABLE', `${this.describe(withId)}: ${this.urlFor(withId.name)} refused it: ${(error as Error).message}`, { cause: error });
        }
        if (attempt < this.retry.attempts) await sleep(this.backoff(attempt));
      }
    }
    const reason = lastError instanceof Error ? (lastError.cause instanceof Error ? `${lastError.message} (${lastError.cause.message})` : lastError.message) : String(lastError);
    throw new WorkerSdkError(
      'REPORT_UNDELIVERABLE',
      `${this.describe(withId)}: could not be delivered to ${this.urlFor(withId.name)} after ${this.retry.attempts} attempts: ${reason}`,
      { cause: lastError },
    );
  }

  private async spool(report: WorkerReport): Promise<void> {
    // Names sort in sending order: time, then a per-process sequence number.
    const name = `${String(Date.now()).padStart(15, '0')}-${String(this.seq++).padStart(8, '0')}-${report.reportId}.json`;
    await writeFileAtomic(join(this.spoolDir, name), JSON.stringify(report));
  }

  private async spooledFiles(): Promise<string[]> {
    try {
      return (await readdir(this.spoolDir)).filter((f) => f.endsWith('.json')).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  private async isSpooled(reportId: string): Promise<boolean> {
    return (await this.spooledFiles()).some((f) => f.endsWith(`-${reportId}.json`));
  }

  /** Reports waiting in the spool. */
  async pending(): Promise<number> {
    return (await this.spooledFiles()).length;
  }

  /**
   * Try to deliver every spooled report now, oldest first, stopping at the first that fails for a
   * transient reason (and scheduling the next try with backoff). Resolves to the number still waiting.
   * The answer comes from a pass that started after this call: a pass already running may have listed
   * the spool before the latest report, or posted while the LC was still away, so it is waited for and
   * followed by a fresh one.
   */
  async flush(): Promise<number> {
    const requested = this.passesStarted;
    for (;;) {
      if (!this.replaying) {
        this.passesStarted++;
        this.replaying = this.replayPass().finally(() => {
          this.replaying = undefined;
        });
        return this.replaying;
      }
      // The pass in progress is number `passesStarted`; it counts if it started after the request.
      const fresh = this.passesStarted > requested;
      const waiting = await this.replaying;
      if (fresh) return waiting;
    }
  }

  private async replayPass(): Promise<number> {
    const files = await this.spooledFiles();
    for (let i = 0; i < files.length; i++) {
      // A closed client posts nothing more: a pass the timer started just before close() stops here,
      // and what is left stays on disk for the next run.
      if (this.closed) return files.length - i;
      const file = join(this.spoolDir, files[i] as string);
      let report: WorkerReport;
      try {
        report = JSON.parse(await readFile(file, 'utf8')) as WorkerReport;
      } catch (error) {
        await this.reject(file, `unreadable spool file: ${(error as Error).message}`);
        continue;
      }
      try {
        await this.post(report);
        await unlink(file);
        this.replayFailures = 0;
      } catch (error) {
        if (error instanceof PermanentRejection) {
          await this.reject(file, (error as Error).message, report);
          continue;
        }
        const waiting = files.length - i;
        this.logger.warn({ reportId: report.reportId, pending: waiting, error: (error as Error).message }, `${this.describe(report)}: LC unreachable, kept in ${this.spoolDir}`);
        this.scheduleReplay();
        return waiting;
      }
    }
    return 0;
  }

  private async reject(file: string, reason: string, report?: WorkerReport): Promise<void> {
    const dir = join(this.spoolDir, 'rejected');
    await mkdir(dir, { recursive: true });
    const target = join(dir, file.slice(this.spoolDir.length + 1));
    await rename(file, target);
    if (report?.reportId) this.rejectedIds.add(report.reportId);
    this.logger.error({ reportId: report?.reportId, report, reason, keptAt: target }, `${report ? this.describe(report) : 'spooled report'}: refused by the LC; kept for inspection`);
  }

  private scheduleReplay(): void {
    if (this.closed || this.replayTimer) return;
    this.replayFailures++;
    const delay = this.backoff(this.replayFailures);
    this.replayTimer = setTimeout(() => {
      this.replayTimer = undefined;
      void this.flush().catch((error: unknown) => this.logger.error({ error: (error as Error).message }, 'report spool replay failed'));
    }, delay);
    // The replay must not keep a finished script alive; the spool keeps the reports on disk.
    this.replayTimer.unref();
  }

  /** Replay reports left in the spool by an earlier run (call once at start-up in spool mode). */
  resume(): void {
    void this.flush().catch((error: unknown) => this.logger.error({ error: (error as Error).message }, 'report spool replay failed'));
  }

  /** Stop delivering spooled reports, in the background or by `flush` (they stay on disk for the next run). */
  close(): void {
    this.closed = true;
    if (this.replayTimer) clearTimeout(this.replayTimer);
    this.replayTimer = undefined;
  }
}
