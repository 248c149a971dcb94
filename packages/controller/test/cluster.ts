/**
 * A real Kubernetes API for the integration tests: @sedna-ts/embedded's API server in a temp dir with
 * the sedna.io CRDs installed, and the client-node clients of its kubeconfig. The GM under test only
 * gets the kubeconfig, as on a cluster.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, type V1ContainerStatus, type V1Pod } from '@kubernetes/client-node';
import { sednaCustomResourceDefinitions, type IncrementalLearningJob, type JobCondition } from '@sedna-ts/api-types';
import { startApiServer, type RunningApiServer } from '@sedna-ts/embedded';
import { pino } from 'pino';
import type { GmLogger } from '../src/config.js';

/** A logger that records what it is given and passes it to pino (silent unless SEDNA_TEST_LOG is set, e.g. `debug`). */
export interface RecordingLogger extends GmLogger {
  entries: { level: string; msg: string; fields: object }[];
}

export function testLogger(name: string): RecordingLogger {
  const out = pino({ name, level: process.env.SEDNA_TEST_LOG ?? 'silent' });
  const entries: RecordingLogger['entries'] = [];
  const make = (bindings: Record<string, unknown>): RecordingLogger => {
    const at =
      (level: 'debug' | 'info' | 'warn' | 'error') =>
      (fields: object, msg?: string): void => {
        entries.push({ level, msg: msg ?? '', fields: { ...bindings, ...fields } });
        out[level]({ ...bindings, ...fields }, msg);
      };
    return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (more) => make({ ...bindings, ...more }) };
  };
  return make({});
}

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A running API server with the CRDs and clients. */
export interface TestCluster {
  server: RunningApiServer;
  dir: string;
  kc: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  /** Stops the API server and, `downMs` later, starts it again on the same port and data (as after a crash or an upgrade). */
  restart(downMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startCluster(options: { tls?: boolean } = {}): Promise<TestCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sedna-gm-test-'));
  const server = await startApiServer({ dataDir: dir, logger: quiet, ...options });
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig());
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  for (const crd of sednaCustomResourceDefinitions()) await ext.createCustomResourceDefinition({ body: crd as never });
  const cluster: TestCluster = {
    server,
    dir,
    kc,
    core: kc.makeApiClient(CoreV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    restart: async (downMs) => {
      await cluster.server.close();
      await new Promise((r) => setTimeout(r, downMs));
      cluster.server = await startApiServer({ dataDir: dir, port: server.port, logger: quiet, ...options });
    },
    close: async () => {
      await cluster.server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

const ref = { group: 'sedna.io', version: 'v1alpha1', namespace: 'default' };

/** Creates a sedna.io object. */
export async function createSedna(cluster: TestCluster, plural: string, body: object): Promise<void> {
  await cluster.custom.createNamespacedCustomObject({ ...ref, plural, body });
}

/** Reads a job. */
export async function getJob(cluster: TestCluster, name: string): Promise<IncrementalLearningJob> {
  return (await cluster.custom.getNamespacedCustomObject({ ...ref, plural: 'incrementallearningjobs', name })) as IncrementalLearningJob;
}

/** Resolves with `probe`'s value once it is not undefined; fails after `timeoutMs` with `what`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The conditions of a job as `Stage/Type/round[/reason]`. */
export function trail(job: IncrementalLearningJob): string[] {
  return (job.status?.conditions ?? []).map((c: JobCondition) => `${c.stage}/${c.type}/${c.round}${c.reason ? `/${c.reason}` : ''}`);
}

/** The job's pods (by the original's name label). */
export async function jobPods(cluster: TestCluster, job: string): Promise<V1Pod[]> {
  const list = await cluster.core.listNamespacedPod({ namespace: 'default', labelSelector: `incrementallearningjob.sedna.io/name=${job}` });
  return list.items;
}

/** Sets a pod's status as a node agent would (through the status subresource). */
export async function setPodStatus(cluster: TestCluster, name: string, phase: 'Running' | 'Succeeded' | 'Failed', terminated?: { exitCode: number; signal?: number; reason?: string }): Promise<void> {
  const pod = await cluster.core.readNamespacedPod({ name, namespace: 'default' });
  const container = pod.spec?.containers[0]?.name ?? 'worker';
  const now = new Date();
  const state: V1ContainerStatus['state'] =
    phase === 'Running' ? { running: { startedAt: now } } : { terminated: { exitCode: terminated?.exitCode ?? 0, signal: terminated?.signal, reason: terminated?.reason ?? (phase === 'Succeeded' ? 'Completed' : 'Error'), finishedAt: now } };
  pod.status = {
    phase,
    containerStatuses: [{ name: container, image: pod.spec?.containers[0]?.image ?? '', imageID: '', ready: phase === 'Running', restartCount: 0, state }],
  };
  await cluster.core.replaceNamespacedPodStatus({ name, namespace: 'default', body: pod });
}
