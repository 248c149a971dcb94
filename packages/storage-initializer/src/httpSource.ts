/**
 * HTTP(S) downloads: the resource is saved under the last segment of the URL path. Headers come from
 * the `<host>-headers` variable (the original's convention); `user:password@` in the URL becomes a
 * Basic Authorization header (fetch refuses such URLs) and is masked everywhere.
 */
import { Readable } from 'node:stream';
import { type ReadableStream as WebReadableStream } from 'node:stream/web';
import { type RunContext } from './context.js';
import { errorChain } from './errors.js';
import { receiveToFile } from './files.js';
import { commonFailure, type Failure, withRetry } from './retry.js';
import { type ReceiveFile, type Transferred } from './transfer.js';
import { sourceBaseName, type SourceUri } from './sourceUri.js';

type HttpSource = Extract<SourceUri, { kind: 'http' }>;

/** An HTTP answer other than 2xx. */
class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly statusText: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status}${statusText ? ` ${statusText}` : ''}`);
  }
}

/** Retry-After as seconds or as an HTTP date, in milliseconds from now. */
function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** What an HTTP download error means. */
export function classifyHttpError(error: unknown): Failure {
  if (error instanceof HttpStatusError) {
    const { status } = error;
    if (status === 404 || status === 410) return { code: 'NOT_FOUND', reason: `not found (${error.message})`, transient: false };
    if (status === 401 || status === 403) return { code: 'ACCESS_DENIED', reason: `access denied (${error.message})`, transient: false };
    if (status === 408 || status === 425 || status === 429 || (status >= 500 && status !== 501 && status !== 505)) {
      return { code: 'UNAVAILABLE', reason: `server unavailable (${error.message})`, transient: true, ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }) };
    }
    return { code: 'REMOTE', reason: `server error (${error.message})`, transient: false };
  }
  return commonFailure(error) ?? { code: 'REMOTE', reason: `request failed (${errorChain(error)})`, transient: false };
}

/** The request URL (without credentials) and headers for a source. */
function request(context: RunContext, source: HttpSource): { url: URL; headers: Record<string, string> } {
  const url = new URL(source.url.href);
  const headers: Record<string, string> = { ...(context.config.httpHeaders[url.hostname.toLowerCase()] ?? {}) };
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    const token = Buffer.from(`${user}:${password}`).toString('base64');
    context.redactor.add(password);
    context.redactor.add(token);
    headers.authorization = `Basic ${token}`;
    url.username = '';
    url.password = '';
  }
  return { url, headers };
}

/** Fetches the source into `file`, retrying transient failures; resolves to the bytes written. */
async function fetchToFile(context: RunContext, source: HttpSource, file: string): Promise<number> {
  const { url, headers } = request(context, source);
  return withRetry(
    () =>
      receiveToFile(file, async () => {
        const response = await fetch(url, { headers, redirect: 'follow' });
        if (!response.ok) {
          await response.body?.cancel().catch(() => undefined);
          throw new HttpStatusError(response.status, response.statusText, retryAfter(response.headers.get('retry-after')));
        }
        if (!response.body) return { stream: Readable.from([]), length: 0 };
        // A compressed transfer is decoded by fetch, so its announced length is not the file's.
        const length = response.headers.get('content-encoding') ? null : response.headers.get('content-length');
        return { stream: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), length: length === null ? undefined : Number(length) };
      }),
    {
      policy: context.retry,
      classify: classifyHttpError,
      onRetry: (failure, n, delay) =>
        context.log.warn(`${source.text}: download: attempt ${n} of ${context.retry.attempts} failed (${failure.reason}); retrying in ${delay} ms`),
    },
  );
}

/** Downloads an HTTP(S) resource through `receiveFile`, under the last segment of its path. */
export async function downloadHttp(context: RunContext, source: HttpSource, receiveFile: ReceiveFile): Promise<Transferred> {
  const name = sourceBaseName(source);
  if (name === '' || name === '.' || name === '..' || name.includes('/')) {
    throw context.fail('UNSUPPORTED_URL', source.text, 'download', 'the URL path does not end with a file name');
  }
  return receiveFile(name, (file) => fetchToFile(context, source, file));
}
