/** What the knowledge base's tests share: a secret, tokens, indexes, a KB on a temp folder, requests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KB_INDEX_FORMAT, KB_ROUTE_PREFIX, type KbIndex } from '@sedna-ts/api-types/contract';
import { mintWorkerToken, nodeToken, type WorkerRole } from '@sedna-ts/api-types/tokens';
import { startKnowledgeBase, type KnowledgeBaseOptions, type RunningKnowledgeBase } from '../src/index.js';

export const SECRET = '0123456789abcdef0123456789abcdef';

/** A worker token of a job, minted as the LC of `node` does. */
export function tokenFor(job: string, options: { namespace?: string; kind?: string; node?: string; role?: WorkerRole; secret?: string } = {}): string {
  const node = options.node ?? 'edge-1';
  return mintWorkerToken(nodeToken(options.secret ?? SECRET, node), {
    namespace: options.namespace ?? 'default',
    kind: options.kind ?? 'lifelonglearningjob',
    job,
    pod: `${job}-train-abcde`,
    node,
    role: options.role ?? 'train',
  });
}

/** A valid index of a job, with task groups `groups`. */
export function sampleIndex(job: string, options: { namespace?: string; createTime?: string; round?: number; groups?: string[]; padding?: number } = {}): KbIndex {
  const groups = options.groups ?? ['Summer_AC', 'Winter_noAC'];
  const round = options.round ?? 1;
  return {
    format: KB_INDEX_FORMAT,
    namespace: options.namespace ?? 'default',
    job,
    create_time: options.createTime ?? '2026-01-01T00:00:00.000Z',
    round,
    seen_task: {
      task_groups: groups.map((entry, i) => ({
        entry,
        tasks: [{ entry, meta_attr: { season: entry.split('_')[0] ?? '' }, sample_num: 10 + i }],
        model: { id: `${entry}@r${round}`, index: i, entry, url: `/output/train/${round}/${entry}.json`, format: 'json', result: { accuracy: 0.9 }, round, numberOfTrainSamples: 10 + i },
        sample_num: 10 + i,
        deploy: true,
      })),
      extractor: { method: 'TaskDefinitionByDataAttr', param: { attribute: ['season'], padding: 'x'.repeat(options.padding ?? 0) }, keys: Object.fromEntries(groups.map((g, i) => [g, i])) },
    },
    unseen_task: { task_groups: [], extractor: null },
  };
}

/** A KB on a fresh temp folder, on 127.0.0.1 and a free port. */
export async function startTestKb(options: Partial<KnowledgeBaseOptions> = {}): Promise<{ kb: RunningKnowledgeBase; root: string; dataDir: string; api: Api; cleanup: () => Promise<void> }> {
  const root = mkdtempSync(path.join(tmpdir(), 'sedna-kb-'));
  const dataDir = options.dataDir ?? path.join(root, 'data');
  const kb = await startKnowledgeBase({ secret: SECRET, host: '127.0.0.1', port: 0, ...options, dataDir });
  return {
    kb,
    root,
    dataDir,
    api: api(kb.url),
    cleanup: async () => {
      await kb.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A reply: status, headers and the body (parsed JSON when it is JSON). */
export interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

async function reply(response: Response): Promise<Reply> {
  const text = await response.text();
  let body: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      body = JSON.parse(text);
    } catch {
      // Left as text.
    }
  }
  return { status: response.status, headers: response.headers, body, text };
}

export type Api = ReturnType<typeof api>;

/** Requests to the KB at `base`: `route` is under /knowledgebase unless it starts with `/healthz` or `/readyz`. */
export function api(base: string) {
  const url = (route: string) => (route.startsWith('/healthz') || route.startsWith('/readyz') ? `${base}${route}` : `${base}${KB_ROUTE_PREFIX}${route}`);
  const auth = (token: string | undefined): Record<string, string> => (token ? { Authorization: `Bearer ${token}` } : {});
  return {
    url,
    get: async (route: string, token?: string) => reply(await fetch(url(route), { headers: auth(token) })),
    postJson: async (route: string, body: unknown, token?: string, contentType = 'application/json') =>
      reply(await fetch(url(route), { method: 'POST', headers: { ...auth(token), 'Content-Type': contentType }, body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) })),
    /** A multipart form with one file part `field` (or a plain field, `asField`). */
    postForm: async (route: string, field: string, content: string | Uint8Array, token?: string, options: { filename?: string; type?: string; asField?: boolean } = {}) => {
      const form = new FormData();
      if (options.asField) form.append(field, typeof content === 'string' ? content : Buffer.from(content).toString('utf8'));
      else form.append(field, new Blob([content], { type: options.type ?? 'application/octet-stream' }), options.filename ?? 'blob');
      return reply(await fetch(url(route), { method: 'POST', headers: auth(token), body: form }));
    },
    /** A hand-made multipart body: for file names FormData would rewrite. */
    postRawForm: async (route: string, field: string, filename: string, content: string, token?: string) => {
      const boundary = '----sednakbtest';
      const body = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n${content}\r\n--${boundary}--\r\n`;
      return reply(await fetch(url(route), { method: 'POST', headers: { ...auth(token), 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body }));
    },
  };
}
