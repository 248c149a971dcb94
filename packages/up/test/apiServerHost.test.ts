// `sedna up`'s API server in a worker thread: served over HTTPS like before, its kubeconfig written
// 0600, a port in use named, close() ending the thread and the store (the folder can be served again).
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startApiServerThread } from '../src/apiServerHost.js';
import { builtThreadFile } from '../src/threads.js';
import { packageDir } from './helpers.js';

const file = path.join(packageDir, 'dist/apiServerThread.js');
let dir: string;
const lines: string[] = [];
const at = (level: string) => (fields: object, message: string) => void lines.push(`${level} ${message} ${JSON.stringify(fields)}`);
const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedna-api-thread-'));
  lines.length = 0;
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the thread script is looked for beside the module that starts it', () => {
  expect(builtThreadFile('apiServerThread')).toBe(path.join(packageDir, 'src/apiServerThread.js'));
});

test('the server in its thread answers over HTTPS with its kubeconfig, writes it 0600, and close() releases the folder', async () => {
  const server = await startApiServerThread({ dataDir: dir, port: 0 }, logger, file);
  expect(server.url).toBe(`https://127.0.0.1:${server.port}`);
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfig());
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'kept' }, data: { a: 'b' } } });
  const target = path.join(dir, 'kubeconfig');
  await server.writeKubeconfig(target);
  expect(fs.statSync(target).mode & 0o777).toBe(0o600);
  expect(fs.readFileSync(target, 'utf8')).toBe(server.kubeconfig());
  await server.close();
  await expect(core.readNamespace({ name: 'default' })).rejects.toThrow();

  // The store was closed with the thread: the folder opens again, with what was written.
  const again = await startApiServerThread({ dataDir: dir, port: 0 }, logger, file);
  const kc2 = new KubeConfig();
  kc2.loadFromString(again.kubeconfig());
  expect((await kc2.makeApiClient(CoreV1Api).readNamespacedConfigMap({ namespace: 'default', name: 'kept' })).data).toEqual({ a: 'b' });
  await again.close();
});

test("a port in use rejects the start with the server's message", async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address() as AddressInfo;
  try {
    await expect(startApiServerThread({ dataDir: dir, port }, logger, file)).rejects.toThrow(String(port));
  } finally {
    await new Promise((resolve) => blocker.close(resolve));
  }
});
