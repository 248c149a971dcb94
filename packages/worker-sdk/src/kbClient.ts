import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { KB_ROUTE_PREFIX, KB_ROUTES, parseKbIndex, type KbIndex } from '@sedna-ts/api-types/contract';
import { backoffDelay } from '@sedna-ts/internal';
import { writeFileAtomic } from './dataSource.js';
import { WorkerSdkError } from './errors.js';
import { createConsoleLogger, type Logger } from './logger.js';

/** Options of `KBClient`. */
export interface KBClientOptions {
  /** KB_SERVER: the KB service, e.g. `http://kb.sedna:9020`. */
  server: string;
  /** SEDNA_WORKER_TOKEN, sent as `Authorization: Bearer`. */
  token?: string;
  /** How long one call keeps retrying before it fails (default 60 s). */
  deadlineMs?: number;
  /** Timeout of one HTTP request (default 30 s). */
  requestTimeoutMs?: number;
  logger?: Logger;
}

class Permanent extends Error {}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * A client of the knowledge-base service's routes (`KB_ROUTES` under `/knowledgebase`): upload an
 * artifact, publish an index, mark groups deployed or dropped, read the index, download an artifact.
 * Every call retries network errors, timeouts, 408, 429 and 5xx with backoff until its deadline, then
 * throws `KB_FAILED` naming the route and the last error; other 4xx fail at once. Nothing falls back to a
 * local path silently (the original logged and went on; Ianvs hit its retry loop hanging on `None`).
 *
 * @example
 * const kb = new KBClient({ server: process.env.KB_SERVER!, token: process.env.SEDNA_WORKER_TOKEN });
 * const url = await kb.uploadFile('/output/train/1/Summer_AC/model.json', '1/Summer_AC/model.json');
 * const indexUrl = await kb.update(index);
 */
export class KBClient {
  readonly server: string;
  private readonly token: string | undefined;
  private readonly deadlineMs: number;
  private readonly requestTimeoutMs: number;
  private readonly logger: Logger;

  constructor(options: KBClientOptions) {
    if (!/^https?:\/\//i.test(options.server)) throw new WorkerSdkError('CONFIG_INVALID', `KBClient: server (KB_SERVER): ${JSON.stringify(options.server)} is not an http(s) URL`);
    this.server = options.server.replace(/\/+$/, '');
    this.token = options.token || undefined;
    this.deadlineMs = options.deadlineMs ?? 60_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.logger = options.logger ?? createConsoleLogger();
  }

  /** The absolute URL of a route (`KB_ROUTES`). */
  routeUrl(route: string): string {
    return `${this.server}${KB_ROUTE_PREFIX}${route}`;
  }

  /** A path the service replied with, made absolute (it replies `/file/download?...`, relative to the prefix). */
  absolute(path: string): string {
    if (/^https?:\/\//i.test(path)) return path;
    if (path.startsWith(`${KB_ROUTE_PREFIX}/`)) return `${this.server}${path}`;
    return this.routeUrl(path.startsWith('/') ? path : `/${path}`);
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.token ? { ...extra, authorization: `Bearer ${this.token}` } : extra;
  }

  /** One call with retries until the deadline; resolves to the response body. */
  private async call(what: string, url: string, init: () => RequestInit): Promise<Buffer> {
    const deadline = Date.now() + this.deadlineMs;
    let lastError: unknown;
    /** The last answer the server gave (an HTTP status), kept when a later attempt only timed out. */
    let lastAnswer: string | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await fetch(url, { ...init(), signal: AbortSignal.timeout(Math.max(1, Math.min(this.requestTimeoutMs, deadline - Date.now()))) });
        const body = Buffer.from(await response.arrayBuffer());
        if (response.ok) return body;
        const detail = `HTTP ${response.status}${body.length ? ` ${body.toString('utf8').slice(0, 200)}` : ''}`;
        lastAnswer = detail;
        if (response.status === 408 || response.status === 429 || response.status >= 500) throw new Error(detail);
        throw new Permanent(detail);
      } catch (error) {
        lastError = error;
        let message = error instanceof Error ? (error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message) : String(error);
        if (lastAnswer !== undefined && !message.startsWith(lastAnswer)) message = `${message}; the last answer was ${lastAnswer}`;
        if (error instanceof Permanent) throw new WorkerSdkError('KB_FAILED', `KBClient: ${what}: ${url} refused it: ${message}`, { cause: error });
        const wait = backoffDelay(attempt, { initialMs: 500, maxMs: 5_000, jitter: true });
        if (Date.now() + wait >= deadline) {
          throw new WorkerSdkError('KB_FAILED', `KBClient: ${what}: ${url} did not answer within ${Math.round(this.deadlineMs / 1000)} s (${attempt} attempts): ${message}`, { cause: lastError });
        }
        this.logger.warn({ url, attempt, error: message }, `KB ${what} failed; retrying`);
        await sleep(wait);
      }
    }
  }

  private static replyPath(what: string, body: Buffer): string {
    const text = body.toString('utf8').trim();
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // A plain-text path.
    }
    if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      value = record.url ?? record.index_url ?? record.path ?? record.download_url;
    }
    if (typeof value !== 'string' || value === '') throw new WorkerSdkError('KB_FAILED', `KBClient: ${what}: the reply ${JSON.stringify(text.slice(0, 200))} holds no download path`);
    return value;
  }

  /** `file/upload`: stores the file at `path` as `name` (a relative path, default its base name); resolves to its download URL. */
  async uploadFile(path: string, name = basename(path)): Promise<string> {
    const bytes = await readFile(path);
    const body = await this.call(`upload ${name}`, this.routeUrl(KB_ROUTES.fileUpload), () => {
      const form = new FormData();
      form.append('file', new Blob([bytes]), name);
      return { method: 'POST', headers: this.headers(), body: form };
    });
    return this.absolute(KBClient.replyPath(`upload ${name}`, body));
  }

  /** `update`: publishes the job's index (JSON body); resolves to the index's download URL. */
  async update(index: KbIndex): Promise<string> {
    const text = JSON.stringify(index);
    const body = await this.call('update', this.routeUrl(KB_ROUTES.update), () => ({ method: 'POST', headers: this.headers({ 'content-type': 'application/json' }), body: text }));
    return this.absolute(KBClient.replyPath('update', body));
  }

  /** `update/status`: marks groups deployed (1) or dropped (0). */
  async updateStatus(tasks: readonly string[], status: 0 | 1): Promise<void> {
    const text = JSON.stringify({ tasks: tasks.join(','), status });
    await this.call('update/status', this.routeUrl(KB_ROUTES.updateStatus), () => ({ method: 'POST', headers: this.headers({ 'content-type': 'application/json' }), body: text }));
  }

  /** `index`: the job's current index, or undefined before the first (404). */
  async index(): Promise<KbIndex | undefined> {
    let body: Buffer;
    try {
      body = await this.call('index', this.routeUrl(KB_ROUTES.index), () => ({ method: 'GET', headers: this.headers() }));
    } catch (error) {
      if (error instanceof WorkerSdkError && /HTTP 404/.test(error.message)) return undefined;
      throw error;
    }
    const parsed = parseKbIndex(JSON.parse(body.toString('utf8')));
    if (!parsed.ok) throw new WorkerSdkError('KB_FAILED', `KBClient: index: ${parsed.problem.path}: ${parsed.problem.message}`);
    return parsed.index;
  }

  /**
   * Whether `url` (absolute or a reply path) is on this client's server: the same origin (scheme, host
   * and port) as KB_SERVER. Only such URLs get the worker token.
   */
  isOwnUrl(url: string): boolean {
    try {
      return new URL(this.absolute(url)).origin === new URL(this.server).origin;
    } catch {
      return false;
    }
  }

  /**
   * Downloads an artifact (`kb_url`, absolute or a reply path) to `dest` (temp file + rename).
   *
   * @throws WorkerSdkError `KB_FAILED` for a URL of another origin than KB_SERVER (the token is sent to
   *   KB_SERVER only), or when the service refuses or does not answer.
   */
  async download(url: string, dest: string): Promise<void> {
    const absolute = this.absolute(url);
    if (!this.isOwnUrl(absolute)) {
      throw new WorkerSdkError('KB_FAILED', `KBClient: download ${absolute}: not on KB_SERVER ${new URL(this.server).origin} (another scheme, host or port): refused, the worker token goes to KB_SERVER only`);
    }
    const body = await this.call(`download ${absolute}`, absolute, () => ({ method: 'GET', headers: this.headers() }));
    await writeFileAtomic(dest, body);
  }
}
