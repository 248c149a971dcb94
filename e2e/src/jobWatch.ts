// Follows a job as a user would: `sedna get il NAME -o json -w` in a child process, one JSON document
// per change of the object. The tests wait on what the job's status says, never on time.
import { spawn, type ChildProcess } from 'node:child_process';
import type { IncrementalLearningJob, JobCondition } from '@sedna-ts/api-types';
import { SEDNA_BIN } from './sedna.js';

/** A condition as the tests compare them: round, stage and type. */
export type ConditionKey = Pick<JobCondition, 'stage' | 'type'> & { round: number };

/** The conditions of a job. */
export function conditionsOf(job: IncrementalLearningJob | undefined): JobCondition[] {
  return job?.status?.conditions ?? [];
}

/** The parsed `data` of a condition (a JSON string in the status). */
export function dataOf(condition: JobCondition): Record<string, unknown> {
  return condition.data ? (JSON.parse(condition.data) as Record<string, unknown>) : {};
}

/** Whether the job has recorded a condition of this round, stage and type (and matching `extra`). */
export function hasCondition(job: IncrementalLearningJob | undefined, key: ConditionKey, extra: (c: JobCondition) => boolean = () => true): boolean {
  return conditionsOf(job).some((c) => c.round === key.round && c.stage === key.stage && c.type === key.type && extra(c));
}

/** The conditions in one line each: `round stage type [reason] message`, for failure messages. */
export function describeConditions(job: IncrementalLearningJob | undefined): string {
  return conditionsOf(job)
    .map((c) => `  ${c.round} ${c.stage} ${c.type}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}`)
    .join('\n');
}

/** `sedna get il NAME -o json -w`, parsed as it streams. */
export class JobWatch {
  private readonly child: ChildProcess;
  private latestJob: IncrementalLearningJob | undefined;
  private readonly waiters = new Set<() => void>();
  private stderr = '';
  private closed = false;

  constructor(
    readonly dataDir: string,
    readonly name: string,
    /** The kind, as `sedna get` takes it (`il`, `ll`). */
    readonly kind = 'il',
  ) {
    this.child = spawn(process.execPath, [SEDNA_BIN, 'get', kind, name, '-o', 'json', '-w', '--data-dir', dataDir], {
      env: { ...process.env, SEDNA_HOME: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // kubectl's JSON printer: each document starts with `{` and ends with `}` at the start of a line.
    let lines: string[] = [];
    let pending = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (line === '}') {
          this.latestJob = JSON.parse(lines.join('\n')) as IncrementalLearningJob;
          lines = [];
          for (const wake of this.waiters) wake();
        }
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.child.on('exit', () => {
      this.closed = true;
      for (const wake of this.waiters) wake();
    });
  }

  /** The job as last printed. */
  get job(): IncrementalLearningJob | undefined {
    return this.latestJob;
  }

  /**
   * Resolves with the job once `predicate` holds for it. `timeoutMs` is a safety net for a system that
   * never gets there (the error shows the conditions so far), not a timing assertion.
   */
  async until(what: string, predicate: (job: IncrementalLearningJob) => boolean, timeoutMs = 180_000): Promise<IncrementalLearningJob> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = this.latestJob;
      if (job && predicate(job)) return job;
      if (this.closed) throw new Error(`waiting for ${what}: sedna get -w ended: ${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`waiting for ${what}: not there after ${timeoutMs / 1000}s; conditions:\n${describeConditions(job)}\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 5000));
        this.waiters.add(wake);
      });
    }
  }

  /** Resolves once the job has recorded the condition. */
  untilCondition(key: ConditionKey, extra?: (c: JobCondition) => boolean, timeoutMs?: number): Promise<IncrementalLearningJob> {
    return this.until(`(${key.stage}, ${key.type}) of round ${key.round}`, (job) => hasCondition(job, key, extra), timeoutMs);
  }

  /** Resolves once round `round` has ended: (Train, Waiting) of that round. */
  untilRoundEnds(round: number, timeoutMs?: number): Promise<IncrementalLearningJob> {
    return this.untilCondition({ round, stage: 'Train', type: 'Waiting' }, undefined, timeoutMs);
  }

  stop(): void {
    if (!this.closed) this.child.kill('SIGTERM');
  }
}
