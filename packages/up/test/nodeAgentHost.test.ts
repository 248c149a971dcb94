// The node agent of `sedna up` in a worker thread: start, failure to start, restart after a crash, stop.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startNodeAgentThread, type AgentThreadData } from '../src/nodeAgentHost.js';
import { eventually, packageDir } from './helpers.js';

const fake = path.join(packageDir, 'test/fixtures/fakeAgentThread.mjs');
const built = path.join(packageDir, 'dist/nodeAgentThread.js');
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedna-agent-thread-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function recorder() {
  const lines: string[] = [];
  const at = (level: string) => (fields: object, message: string) => void lines.push(`${level} ${message} ${JSON.stringify(fields)}`);
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

const data = (extra: Record<string, unknown> = {}) =>
  ({ kubeconfig: '', nodeName: 'edge-node', dataDir: dir, imageCommands: {}, ...extra }) as AgentThreadData;

test('the built thread reports why the agent cannot start (here its node name), and the start rejects with it', async () => {
  const { logger } = recorder();
  const kubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`;
  await expect(startNodeAgentThread({ kubeconfig, nodeName: 'Bad_Name', dataDir: dir, imageCommands: {} }, logger, { file: built })).rejects.toThrow(
    'NodeAgentOptions.nodeName: "Bad_Name" is not a DNS subdomain',
  );
});

test("the thread's log records reach the parent's logger with their level, fields and message; stop passes killPods", async () => {
  const { lines, logger } = recorder();
  const agent = await startNodeAgentThread(data({ script: 'steady', marker: path.join(dir, 'm') }), logger, { file: fake });
  expect(lines).toEqual(['info agent started {"launch":1}']);
  await agent.stop({ killPods: false });
  expect(lines).toEqual(['info agent started {"launch":1}', 'info stopping {"killPods":false}']);
  await agent.stop();
});

test('a thread that crashes after it was ready is restarted with backoff, once, and the new one is stopped by stop()', async () => {
  const { lines, logger } = recorder();
  const agent = await startNodeAgentThread(data({ script: 'crash-once', marker: path.join(dir, 'm') }), logger, { file: fake, restartBackoffMs: { initial: 50, max: 200 } });
  await eventually(() => expect(agent.restarts).toBe(1), 10_000);
  expect(lines[0]).toBe('info agent started {"launch":1}');
  expect(lines[1]).toBe('error the node agent thread ended on its own; restarting it {"code":1,"err":"the agent crashed","restartInMs":50}');
  expect(lines.slice(2)).toEqual(['info agent started {"launch":2}', 'info node agent restarted {"restarts":1}']);
  await agent.stop();
  expect(lines.at(-1)).toBe('info stopping {"killPods":true}');
});

test('a start that fails rejects with the agent\'s message', async () => {
  const { logger } = recorder();
  await expect(startNodeAgentThread(data({ script: 'fail' }), logger, { file: fake })).rejects.toThrow('NodeAgentOptions.nodeName: "Bad_Name" is not a DNS subdomain');
});

test('a stop the agent could not finish rejects naming why', async () => {
  const { logger } = recorder();
  const agent = await startNodeAgentThread(data({ script: 'stop-fails', marker: path.join(dir, 'm') }), logger, { file: fake });
  await expect(agent.stop()).rejects.toThrow('the node agent did not stop cleanly: a pod would not die');
});
