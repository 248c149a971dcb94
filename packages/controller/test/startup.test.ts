/** How the Global Manager starts, or refuses to, against a real API server. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startApiServer } from '@sedna-ts/embedded';
import { ControllerError } from '../src/errors.js';
import { startGlobalManager } from '../src/globalManager.js';
import { testLogger } from './cluster.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const base = { secret: 'startup-test-secret-0123456789', websocket: { address: '127.0.0.1', port: 0 }, watchBackoff: { initialMs: 50, maxMs: 200 } };

test('an API server without the sedna.io CRDs fails the start with CRD_MISSING naming the fix', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sedna-gm-nocrd-'));
  const server = await startApiServer({ dataDir: dir, logger: quiet });
  try {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(server.kubeconfig());
    const error = await startGlobalManager({ ...base, kubeConfig, logger: testLogger('gm') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControllerError);
    expect(error).toMatchObject({ code: 'CRD_MISSING' });
    expect((error as Error).message).toContain('install the sedna.io CRDs');
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unreachable API server fails the start after startTimeoutSeconds with API_ERROR naming it', async () => {
  // A port that was free a moment ago: nothing listens there.
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as { port: number }).port;
      probe.close(() => resolve(p));
    });
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}` }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const log = testLogger('gm');
  const error = await startGlobalManager({ ...base, kubeConfig, startTimeoutSeconds: 1, logger: log }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'API_ERROR' });
  expect((error as Error).message).toContain(`http://127.0.0.1:${port} could not be listed within 1s`);
  expect(log.entries.some((e) => e.msg === 'list/watch failed; restarting')).toBe(true);
});

test('a bad configuration is refused before anything starts', async () => {
  await expect(startGlobalManager({ secret: 'short' })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
});
