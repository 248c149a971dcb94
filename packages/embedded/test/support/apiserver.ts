// Shared helpers of the API server tests: a real server on an ephemeral port in a temp dir, and the
// client-node clients a user of the API would make from its kubeconfig.
import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { type ApiServerOptions, type RunningApiServer, startApiServer } from '../../src/index.js';
import { type ApiServerLogger } from '../../src/apiserver/logger.js';

/** A logger that keeps what it is given, for tests that look at requests or warnings. */
export function memoryLogger(): ApiServerLogger & { entries: { level: string; fields: Record<string, unknown>; message: string }[] } {
  const entries: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: object, message: string) => {
    entries.push({ level, fields: fields as Record<string, unknown>, message });
  };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A fresh temp dir, removed by `removeDir`. */
export function tempDir(prefix = 'sedna-apiserver-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A running test server with the clients of its kubeconfig. */
export interface TestServer {
  server: RunningApiServer;
  dir: string;
  kc: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  ext: ApiextensionsV1Api;
  objects: KubernetesObjectApi;
  logger: ReturnType<typeof memoryLogger>;
  /** A raw authenticated request (for what client-node does not expose: Accept headers, bad bodies). */
  fetch(pathAndQuery: string, init?: RequestInit): Promise<RawResponse>;
  close(): Promise<void>;
}

/** A raw request. */
export interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** A raw answer. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers of any shape
  json(): any;
}

/** One HTTP(S) request with node:http(s), trusting `ca`. */
export function rawRequest(url: string, init: RequestInit = {}, ca?: string): Promise<RawResponse> {
  const u = new URL(url);
  const fn = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = fn(u, { method: init.method ?? 'GET', headers: init.headers ?? {}, ...(ca ? { ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

/** Starts a server in a new temp dir (or `dir`) and makes client-node clients from its kubeconfig. */
export async function startTestServer(options: Partial<ApiServerOptions> = {}, dir = tempDir()): Promise<TestServer> {
  const logger = memoryLogger();
  const server = await startApiServer({ dataDir: dir, logger, ...options });
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig());
  const caData = kc.getCurrentCluster()?.caData;
  const ca = caData ? Buffer.from(caData, 'base64').toString() : undefined;
  return {
    server,
    dir,
    kc,
    logger,
    core: kc.makeApiClient(CoreV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    ext: kc.makeApiClient(ApiextensionsV1Api),
    objects: KubernetesObjectApi.makeApiClient(kc),
    fetch: (pathAndQuery, init = {}) =>
      rawRequest(`${server.url}${pathAndQuery}`, { ...init, headers: { Authorization: `Bearer ${server.token}`, ...(init.headers ?? {}) } }, ca),
    close: () => server.close(),
  };
}

/** The HTTP code and Status body of an error thrown by client-node. */
export function apiError(error: unknown): { code: number; status: { reason?: string; code?: number; message?: string; kind?: string } } {
  const e = error as { code?: number; body?: unknown };
  if (typeof e?.code !== 'number') throw error;
  const body = typeof e.body === 'string' ? (JSON.parse(e.body) as object) : (e.body as object);
  return { code: e.code, status: body ?? {} };
}

/** Resolves with what `promise` rejects with (fails when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<ReturnType<typeof apiError>> {
  try {
    await promise;
  } catch (error) {
    return apiError(error);
  }
  throw new Error('expected the request to fail');
}

/** Polls `check` until it returns without throwing (or the deadline passes, then rethrows). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** A small namespaced CRD with a status subresource, printer columns, short name and category. */
export function widgetCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.test.sedna.io' },
    spec: {
      group: 'test.sedna.io',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wg'], categories: ['sedna'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
            { name: 'Phase', type: 'string', jsonPath: '.status.conditions[-1].type' },
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          selectableFields: [{ jsonPath: '.spec.color' }],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['size'],
                  properties: {
                    size: { type: 'integer', minimum: 0 },
                    color: { type: 'string', enum: ['red', 'green', 'blue'] },
                    replicas: { type: 'integer', default: 1 },
                    labelsOfThings: { type: 'object', additionalProperties: { type: 'string' } },
                    free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                  },
                },
                status: {
                  type: 'object',
                  properties: {
                    observed: { type: 'integer' },
                    conditions: { type: 'array', items: { type: 'object', properties: { type: { type: 'string' }, status: { type: 'string' } } } },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

/** Registers the widget CRD and waits until it is Established. */
export async function registerWidgets(t: TestServer): Promise<void> {
  // Raw JSON: client-node's typed CRD model would need its own property names (`_default`,
  // `x_kubernetes_preserve_unknown_fields`) for the schema keywords.
  const res = await t.fetch('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(widgetCrd()) });
  if (res.status !== 201) throw new Error(`CRD not created: ${res.text}`);
  await eventually(async () => {
    const crd = await t.ext.readCustomResourceDefinition({ name: 'widgets.test.sedna.io' });
    if (!crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) throw new Error('not established');
  });
}

export const WIDGETS = { group: 'test.sedna.io', version: 'v1', plural: 'widgets' } as const;
