/** How the Global Manager starts, or refuses to, against a real API server. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startApiServer } from '@sedna-ts/embedded';
import { ControllerError } from '../src/errors.js';
import { startGlobalManager } from '../src/gm/globalManager.js';
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

test('an unreachable API server fails the start after startTimeoutSeconds with API_ERROR naming it and the lease', async () => {
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
  const fast = { leaseDurationSeconds: 2, renewDeadlineSeconds: 0.5, retryPeriodSeconds: 0.1 };
  const log = testLogger('gm');
  const error = await startGlobalManager({ ...base, kubeConfig, startTimeoutSeconds: 1, leaderElection: fast, logger: log }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'API_ERROR' });
  expect((error as Error).message).toBe(`GlobalManager: the API server at http://127.0.0.1:${port} could not be reached within 1s (lease default/sedna-gm)`);
  expect(log.entries.some((e) => e.msg === 'leader lease could not be read or written')).toBe(true);

  // Without the election, the first thing that fails is the listing.
  const unelected = testLogger('gm');
  const listing = await startGlobalManager({ ...base, kubeConfig, startTimeoutSeconds: 1, leaderElection: { enabled: false }, logger: unelected }).catch((e: unknown) => e);
  expect(listing).toMatchObject({ code: 'API_ERROR' });
  expect((listing as Error).message).toContain(`http://127.0.0.1:${port} could not be listed within 1s`);
  expect(unelected.entries.some((e) => e.msg === 'list/watch failed; restarting')).toBe(true);
});

test('a bad configuration is refused before anything starts', async () => {
  await expect(startGlobalManager({ secret: 'short' })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
});
