// `get -w` across a restart of the API server: it reconnects from the last resourceVersion, and lists
// again when that version has left the server's watch window (410 Gone).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startApiServer, type RunningApiServer } from '@sedna-ts/embedded';
import { KubeClient } from '../src/client.js';
import { registerCrds } from '../src/up/crdRegistration.js';
import { DATASET, run } from './helpers.js';
import { eventually } from './server.js';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const DS = '/apis/sedna.io/v1alpha1/namespaces/default/datasets/helmet';

let dir: string;
let server: RunningApiServer | undefined;
let client: KubeClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(port = 0): Promise<RunningApiServer> {
  server = await startApiServer({ dataDir: dir, port, logger: silent, watchWindow: 5 });
  return server;
}

/** A client of `s` (its own kubeconfig, whatever its port). */
function clientOf(s: RunningApiServer, kubeconfigPath: string): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromString(s.kubeconfig());
  return new KubeClient(kc, { kubeconfigPath });
}

async function label(value: string): Promise<void> {
  await client!.request('PATCH', DS, { contentType: 'application/merge-patch+json', body: { metadata: { labels: { step: value } } } });
}

test('get -w survives a restart of the server, and after a 410 prints what changed meanwhile', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedna-cli-watch-'));
  const first = await start();
  const kubeconfig = path.join(dir, 'kubeconfig');
  await first.writeKubeconfig(kubeconfig);
  client = KubeClient.forTarget({ kubeconfigPath: kubeconfig });
  await registerCrds(client);
  expect((await run(['apply', '-f', '-', '--kubeconfig', kubeconfig], { stdin: DATASET })).code).toBe(0);

  const controller = new AbortController();
  let seen = '';
  const watching = run(['get', 'dataset', 'helmet', '-w', '-o', 'name', '--kubeconfig', kubeconfig], {
    signal: controller.signal,
    onStdout: (all) => (seen = all),
  });
  const lines = () => seen.split('\n').filter(Boolean).length;
  await eventually(() => expect(lines()).toBe(1));
  await label('a');
  await eventually(() => expect(lines()).toBe(2));

  // The server goes away; the watch keeps trying its address.
  await client.close();
  await first.close();
  // Meanwhile, on another port where the watch cannot follow, more than the server's watch window of
  // changes happen: the version the watch holds is gone (410) when it is back, so it must list again.
  const elsewhere = await start();
  client = clientOf(elsewhere, kubeconfig);
  for (let i = 0; i < 8; i++) {
    await client.request('POST', '/api/v1/namespaces/default/configmaps', { body: { metadata: { name: `filler-${i}` }, data: { i: String(i) } } });
  }
  await label('b');
  await client.close();
  await elsewhere.close();
  // Back on the port the watch knows.
  const second = await start(first.port);
  client = clientOf(second, kubeconfig);
  await eventually(() => expect(lines()).toBe(3), 20_000);
  await label('c');
  await eventually(() => expect(lines()).toBe(4), 20_000);
  controller.abort();
  const r = await watching;
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('dataset.sedna.io/helmet\n'.repeat(4));
  expect(r.stderr).toContain(`sedna: cannot reach the API server at ${second.url}`);
  expect(r.stderr).toContain('is back');
});
