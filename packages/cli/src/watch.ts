/**
 * Following a collection live: watch from a resourceVersion, reconnect when the stream drops (from the
 * last resourceVersion seen, so nothing is missed or repeated), list again when the server answers
 * 410 Gone (the version left its watch window), until the signal aborts.
 */
import { createInterface } from 'node:readline';
import { backoffDelay } from '@sedna-ts/internal';
import type { KubeClient, Query } from './client.js';
import { CliError } from './errors.js';
import { isTable, type KubeObject } from './printers.js';

/** One change of the watched collection. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** The object, or a one-row Table when the watch asks for the Table form. */
  object: unknown;
}

/** The lines `get -w` and `wait` print when the server is lost (`...; retrying`) and back, for {@link FollowOptions.onConnectionChange}. */
export function connectionNotice(io: { stderr: { write(text: string): unknown } }, server: string): (lost: CliError | undefined) => void {
  return (lost) => io.stderr.write(lost ? `sedna: ${lost.message}; retrying\n` : `sedna: the API server at ${server} is back\n`);
}

/** What {@link follow} needs. */
export interface FollowOptions {
  /** Collection path (a single object is watched with a `metadata.name` field selector in `query`). */
  path: string;
  query?: Query;
  /** Accept header (the Table form for table output). */
  accept?: string;
  /** Where to start: the resourceVersion of the list already printed. */
  resourceVersion: string;
  /** Called for every change, in order. */
  onEvent(event: WatchEvent): void;
  /**
   * Lists the collection again after a 410 and returns its resourceVersion; the caller prints what
   * changed meanwhile.
   */
  relist(): Promise<string>;
  /** Called once each time the server is lost, and with `undefined` when it is back. */
  onConnectionChange?(lost: CliError | undefined): void;
  signal: AbortSignal;
  /** Longest wait between reconnection attempts (default 10 s). */
  maxBackoffMs?: number;
}

/** The resourceVersion of an event's object (a Table row carries its object's metadata). */
export function eventResourceVersion(object: unknown): string | undefined {
  if (isTable(object)) return object.rows[0]?.object?.metadata?.resourceVersion ?? object.metadata?.resourceVersion;
  return (object as KubeObject | undefined)?.metadata?.resourceVersion;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

class Gone extends Error {}

/**
 * Follows the collection until `signal` aborts. Resolves then; rejects only on an error that a
 * reconnect cannot fix (a 4xx other than 410).
 */
export async function follow(client: KubeClient, options: FollowOptions): Promise<void> {
  let resourceVersion = options.resourceVersion;
  // Reconnects that failed in a row: 250 ms doubling up to maxBackoffMs.
  let failures = 0;
  const maxBackoff = options.maxBackoffMs ?? 10_000;
  let lost = false;
  let stale = false;
  while (!options.signal.aborted) {
    try {
      if (stale) {
        resourceVersion = await options.relist();
        stale = false;
      }
      const body = await client.stream(options.path, {
        query: { ...options.query, watch: 1, resourceVersion, allowWatchBookmarks: true },
        accept: options.accept,
        signal: options.signal,
      });
      if (lost) {
        lost = false;
        options.onConnectionChange?.(undefined);
      }
      failures = 0;
      const lines = createInterface({ input: body, crlfDelay: Infinity });
      try {
        for await (const line of lines) {
          if (line.trim() === '') continue;
          const event = JSON.parse(line) as { type: string; object: unknown };
          if (event.type === 'ERROR') {
            const status = event.object as { code?: number; message?: string; reason?: string };
            if (status.code === 410) throw new Gone(status.message);
            throw new CliError(status.code === 404 ? 'NOT_FOUND' : 'INVALID_INPUT', status.message ?? 'watch failed', { status: status.code, reason: status.reason });
          }
          const rv = eventResourceVersion(event.object);
          if (rv) resourceVersion = rv;
          if (event.type === 'BOOKMARK') continue;
          options.onEvent({ type: event.type as WatchEvent['type'], object: event.object });
        }
      } finally {
        body.destroy();
      }
      // The server ended the watch (its timeout): go on from where it stopped.
    } catch (error) {
      if (options.signal.aborted) return;
      if (error instanceof Gone || (error instanceof CliError && error.status === 410)) {
        stale = true;
        continue;
      }
      const unreachable = error instanceof CliError ? error.code === 'UNREACHABLE' : true;
      if (!unreachable) throw error;
      if (!lost) {
        lost = true;
        options.onConnectionChange?.(error instanceof CliError ? error : client.unreachable(error));
      }
      failures++;
      await sleep(backoffDelay(failures, { initialMs: 250, maxMs: maxBackoff }), options.signal);
    }
  }
}
