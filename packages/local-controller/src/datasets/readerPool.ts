/**
 * Where the LC reads dataset indexes: in reader processes (readerProcess.ts), never in its own. A read
 * that never returns (a hung network mount, a file system that stopped answering) blocks a thread for
 * good, and a blocked read cannot be cancelled; in the LC it would take one of the four threads libuv
 * shares among all its file calls (worker threads do not help: they share them too), and a few such
 * reads would freeze the whole LC. In a process of its own, it takes that process only.
 *
 * One shared reader serves every Dataset. Each read has a deadline (`timeoutMs` from when the reader is
 * ready, restarted whenever it says it got to the next step, so a long read that moves on is not cut,
 * and a process slow to start on a busy machine is not taken for a stuck read): past it, the read fails
 * with `READ_TIMEOUT` naming the Dataset, the path and the step it waited for, the reader is ended with
 * SIGKILL (its other reads go to a new one), and that Dataset becomes a suspect: its reads go to a
 * reader of its own, tried again by its monitor with backoff, until one answers; then it goes back to the
 * shared reader. Nothing a reader read counts before its answer is handled by the LC, so ending one
 * loses nothing.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalControllerError } from '../errors.js';
import { type IndexRead } from './indexReader.js';
import { type ReaderMessage, type ReaderReply, type ReadRequest } from './readerProtocol.js';
import { type LcLogger } from '../logger.js';

/** The reader script built beside this module (`dist/datasetReader.js`, `.cjs` in the CommonJS build; from `src/`, under jest, the built one). */
export function readerScript(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return join(dirname(here), '..', '..', 'dist', 'datasetReader.js');
  return join(dirname(here), `datasetReader${here.endsWith('.cjs') ? '.cjs' : '.js'}`);
}

/** Options of a `ReaderPool`. */
export interface ReaderPoolOptions {
  /** How long a read may go without an answer or a next step (ms). */
  timeoutMs: number;
  logger: LcLogger;
  /** The reader script (default `readerScript()`). */
  script?: string;
  /** Node options of the reader processes (default none). */
  execArgv?: readonly string[];
}

interface Pending {
  id: number;
  key: string;
  request: ReadRequest;
  resolve: (read: IndexRead) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
  step: string;
  /** Readers that ended under this read without it being the one that timed out. */
  restarts: number;
  reader?: Reader;
}

interface Reader {
  child: ChildProcess;
  /** The Dataset this reader is for, or undefined for the shared one. */
  owner: string | undefined;
  pending: Map<number, Pending>;
  ended: boolean;
  /** Whether it said it is ready: deadlines run from then (starting a process on a busy machine is no read). */
  ready: boolean;
}

/** See the module comment. */
export class ReaderPool {
  private shared: Reader | undefined;
  private readonly own = new Map<string, Reader>();
  private readonly suspects = new Set<string>();
  private nextId = 1;
  private stopped = false;
  private readonly script: string;

  constructor(private readonly options: ReaderPoolOptions) {
    this.script = options.script ?? readerScript();
  }

  /** Whether reads of `key` time out (they go to a reader of their own). */
  isSuspect(key: string): boolean {
    return this.suspects.has(key);
  }

  /** Read for the Dataset `key`; rejects with `READ_TIMEOUT` past the deadline. */
  read(key: string, request: ReadRequest): Promise<IndexRead> {
    if (this.stopped) return Promise.reject(new LocalControllerError('STOPPED', `${request.subject}: the LC is stopping`));
    return new Promise<IndexRead>((resolve, reject) => {
      this.dispatch({ id: this.nextId++, key, request, resolve, reject, step: `opening the index ${JSON.stringify(request.path)}`, restarts: 0 });
    });
  }

  /** A Dataset is gone: end its own reader. */
  forget(key: string): void {
    this.suspects.delete(key);
    const reader = this.own.get(key);
    if (reader) this.end(reader);
  }

  /** End every reader; reads in flight fail with `STOPPED`. */
  stop(): void {
    this.stopped = true;
    for (const reader of [this.shared, ...this.own.values()]) if (reader) this.end(reader, new LocalControllerError('STOPPED', 'the LC is stopping'));
  }

  private readerFor(key: string): Reader {
    if (this.suspects.has(key)) {
      let reader = this.own.get(key);
      if (!reader || reader.ended) this.own.set(key, (reader = this.spawn(key)));
      return reader;
    }
    if (!this.shared || this.shared.ended) this.shared = this.spawn(undefined);
    return this.shared;
  }

  private dispatch(pending: Pending): void {
    let reader: Reader;
    try {
      reader = this.readerFor(pending.key);
    } catch (error) {
      pending.reject(error as Error);
      return;
    }
    pending.reader = reader;
    reader.pending.set(pending.id, pending);
    if (reader.ready) this.arm(pending);
    const message: ReaderMessage = { id: pending.id, request: pending.request };
    reader.child.send(message, (error) => {
      if (error && !reader.ended) this.ended(reader, `it took no request (${error.message})`);
    });
  }

  private arm(pending: Pending): void {
    if (pending.timer) clearTimeout(pending.timer);
    pending.timer = setTimeout(() => this.timedOut(pending), this.options.timeoutMs);
  }

  private spawn(owner: string | undefined): Reader {
    if (!existsSync(this.script)) throw new LocalControllerError('INTERNAL', `the dataset reader script ${this.script} is missing (a broken install, or the package was not built)`);
    const child = fork(this.script, [], { execArgv: [...(this.options.execArgv ?? [])], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const reader: Reader = { child, owner, pending: new Map(), ended: false, ready: false };
    // Neither the process nor its channel keeps the LC alive; a read in flight keeps its deadline timer.
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    child.on('message', (reply: ReaderReply) => this.onReply(reader, reply));
    child.on('error', (error) => this.ended(reader, error.message));
    child.on('exit', (code, signal) => this.ended(reader, signal ? `signal ${signal}` : `exit code ${code}`));
    this.options.logger.debug({ pid: child.pid, dataset: owner ?? '(shared)' }, 'dataset reader process started');
    return reader;
  }

  private onReply(reader: Reader, reply: ReaderReply): void {
    if ('ready' in reply) {
      reader.ready = true;
      for (const pending of reader.pending.values()) this.arm(pending);
      return;
    }
    const pending = reader.pending.get(reply.id);
    if (!pending || reader.ended) return;
    if ('step' in reply) {
      pending.step = reply.step;
      this.arm(pending);
      return;
    }
    reader.pending.delete(reply.id);
    clearTimeout(pending.timer);
    if ('error' in reply) {
      pending.reject(new LocalControllerError('DATASET_INVALID', `${pending.request.subject}: ${reply.error}`));
      return;
    }
    if (reader.owner !== undefined && this.suspects.delete(reader.owner)) {
      // The suspect answers again: back to the shared reader.
      this.options.logger.info({ dataset: reader.owner }, 'dataset reads answer again; back to the shared reader process');
      this.end(reader);
    }
    pending.resolve(reply.result);
  }

  private timedOut(pending: Pending): void {
    const reader = pending.reader;
    if (!reader || reader.ended || !reader.pending.has(pending.id)) return;
    reader.pending.delete(pending.id);
    this.suspects.add(pending.key);
    const seconds = Math.round(this.options.timeoutMs / 100) / 10;
    const error = new LocalControllerError(
      'READ_TIMEOUT',
      `${pending.request.subject}: no answer within ${seconds} s while ${pending.step}; the read was abandoned (its reader process ended) and is tried again, apart from the other Datasets, until it answers`,
    );
    this.options.logger.warn({ dataset: pending.key, pid: reader.child.pid, step: pending.step, shared: reader.owner === undefined }, 'dataset read timed out; its reader process is ended');
    this.end(reader);
    pending.reject(error);
  }

  /** Take a reader out of use; returns the reads it still had (their deadlines cleared). */
  private retire(reader: Reader): Pending[] {
    reader.ended = true;
    if (this.shared === reader) this.shared = undefined;
    if (reader.owner !== undefined && this.own.get(reader.owner) === reader) this.own.delete(reader.owner);
    const left = [...reader.pending.values()];
    reader.pending.clear();
    for (const pending of left) clearTimeout(pending.timer);
    return left;
  }

  /** End a reader: SIGKILL (a thread stuck in a read ignores anything else); its other reads go to a new one. */
  private end(reader: Reader, error?: Error): void {
    if (reader.ended) return;
    const left = this.retire(reader);
    reader.child.kill('SIGKILL');
    for (const pending of left) {
      if (error || this.stopped) pending.reject(error ?? new LocalControllerError('STOPPED', 'the LC is stopping'));
      else this.dispatch(pending);
    }
  }

  /** A reader ended by itself (a crash): its reads are tried once more in a new one, then fail. */
  private ended(reader: Reader, why: string): void {
    if (reader.ended) return;
    const left = this.retire(reader);
    if (left.length > 0) this.options.logger.error({ pid: reader.child.pid, reads: left.length, why }, 'dataset reader process ended');
    for (const pending of left) {
      if (this.stopped || pending.restarts++ >= 1) pending.reject(new LocalControllerError('DATASET_INVALID', `${pending.request.subject}: the dataset reader process ended (${why})`));
      else this.dispatch(pending);
    }
  }
}
