// A real embedded API server for the CLI tests: started in a temp folder, with the Sedna CRDs
// registered through the API (as `sedna up` does) and its kubeconfig written where `sedna up` writes it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApiServer, type RunningApiServer } from '@sedna-ts/embedded';
import { KubeClient } from '../src/client.js';
import { registerCrds } from '../src/up/crdRegistration.js';
import { DATASET, JOB, MODELS, run, type RunOptions } from './helpers.js';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A running server and how to run `sedna` against it. */
export interface TestServer {
  server: RunningApiServer;
  /** The data folder (its `kubeconfig` is the server's). */
  dir: string;
  kubeconfig: string;
  /** A client of the server, for setting up and checking state. */
  client: KubeClient;
  /** Runs `sedna <argv> --kubeconfig <its kubeconfig>`. */
  sedna(argv: string[], options?: RunOptions): ReturnType<typeof run>;
  close(): Promise<void>;
}

/** Starts a server with the Sedna CRDs registered. */
export async function startTestServer(options: { crds?: boolean } = {}): Promise<TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedna-cli-api-'));
  const server = await startApiServer({ dataDir: dir, logger: silent });
  const kubeconfig = path.join(dir, 'kubeconfig');
  await server.writeKubeconfig(kubeconfig);
  const client = KubeClient.forTarget({ kubeconfigPath: kubeconfig });
  if (options.crds !== false) await registerCrds(client);
  return {
    server,
    dir,
    kubeconfig,
    client,
    sedna: (argv, runOptions) => run([...argv, '--kubeconfig', kubeconfig], runOptions),
    close: async () => {
      await client.close();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The path of the IncrementalLearningJob `helmet` of {@link startJobServer}. */
export const JOB_PATH = '/apis/sedna.io/v1alpha1/namespaces/default/incrementallearningjobs/helmet';

/** A server with the Dataset `helmet`, its two Models and the IncrementalLearningJob `helmet` applied (namespace default). */
export async function startJobServer(): Promise<TestServer> {
  const t = await startTestServer();
  const applied = await t.sedna(['apply', '-f', '-'], { stdin: [DATASET, MODELS, JOB].join('---\n') });
  if (applied.code !== 0) throw new Error(`apply of the helmet job failed: ${applied.stderr}`);
  return t;
}

/** Polls `check` until it stops throwing (10 s at most, then rethrows). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
