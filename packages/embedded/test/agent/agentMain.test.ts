// The node agent as a process of its own (node-agent-main, the `sedna-node-agent` bin).
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from '@jest/globals';
import { eventually, removeDir, startTestServer, tempDir } from '../support/apiserver.js';

const agentMain = fileURLToPath(new URL('../../src/agent/agentMain.ts', import.meta.url));
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) removeDir(d);
});

test('the standalone agent outlives its API server going away: it keeps retrying its watch instead of exiting', async () => {
  // Found by the fault suite (e2e/test/faultKills.test.ts): with the API server killed, nothing kept the
  // agent's event loop alive (its retry timers are unref'd) and it exited silently with code 0.
  const server = await startTestServer();
  const dir = tempDir();
  dirs.push(server.dir, dir);
  await server.server.writeKubeconfig(`${dir}/kubeconfig`);
  const child = spawn(process.execPath, ['--import', 'tsx', agentMain, '--kubeconfig', `${dir}/kubeconfig`, '--node', 'standalone-node', '--data-dir', dir], {
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = () => (child.exitCode !== null || child.signalCode !== null ? `the agent exited (${child.exitCode ?? child.signalCode}): ${err}` : undefined);
  // eventually() retries while the check throws; its last error says what was awaited.
  await eventually(() => {
    if (!out.includes('"ready":true')) throw new Error(exited() ?? `waiting for the agent to be ready: ${err}`);
  }, 30_000);

  await server.close();
  // Its second failed watch comes after a retry timer: only a process still alive logs it.
  await eventually(() => {
    if (!/"attempt":2[^\n]*pod watch failed/.test(err)) throw new Error(exited() ?? 'waiting for the agent to retry its watch twice');
  }, 30_000);
  expect(exited()).toBeUndefined();

  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  expect(child.exitCode).toBe(0);
}, 60_000);
