// `sedna up` as a user runs it: the built executable in a child process, on a temp data folder.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { KB_INDEX_FORMAT } from '@sedna-ts/api-types/contract';
import { mintWorkerToken, nodeToken } from '@sedna-ts/api-types/tokens';
import { cliBin as bin, eventually, NO_HOME, run } from './helpers.js';

interface Child {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** The signal that ended it, if one did. */
  signal: Promise<NodeJS.Signals | null>;
}

function sednaChild(args: string[], nodeArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Child {
  const child = spawn(process.execPath, [...nodeArgs, bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: NO_HOME, SEDNA_HOME: '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
  return { process: child, stdout: () => stdout, stderr: () => stderr, exited: exit.then(([code]) => code), signal: exit.then(([, signal]) => signal) };
}

let dir: string;
const children: Child[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedna-cli-up-'));
});
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.process.exitCode === null && c.process.signalCode === null) {
      c.process.kill('SIGKILL');
      await c.exited;
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

async function up(nodeArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Child> {
  const child = sednaChild(['up', '--data-dir', dir], nodeArgs, env);
  children.push(child);
  await eventually(() => {
    if (child.process.exitCode !== null) throw new Error(`sedna up exited ${child.process.exitCode}: ${child.stderr()}`);
    expect(child.stdout()).toContain('is up');
  }, 60_000);
  return child;
}

const mode = (file: string) => fs.statSync(file).mode & 0o777;

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

test('sedna up starts everything, writes kubeconfig and endpoint.json with mode 0600, and the other verbs find it', async () => {
  // A data folder made beforehand the usual way (0755) and a GM secret readable by all: both are
  // tightened, and the store, the keys and the LC's folder are private from the start.
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'gm-secret'), `${'ab'.repeat(32)}\n`);
  fs.chmodSync(path.join(dir, 'gm-secret'), 0o644);
  // The LC's own environment variables reach sedna up's LC (its metrics listener, its hard-example
  // budget); what sedna up must set itself (its folder, the GM) is not taken from there.
  const metricsPort = await freePort();
  const lcEnv = { SEDNA_LC_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`, SEDNA_LC_HARD_EXAMPLES_MAX_COUNT: '77', SEDNA_LC_HARD_EXAMPLES_MAX_BYTES: '123456', SEDNA_LC_DATA_DIR: path.join(dir, 'elsewhere'), GM_ADDRESS: '127.0.0.1:1' };
  const child = await up([], lcEnv);
  expect(child.stdout()).toContain(`, metrics http://127.0.0.1:${metricsPort}/metrics`);
  expect(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).toMatch(/^sedna_lc_gm_connected\{node="edge-node"\} 1$/m);
  const started = await eventually(() => {
    const lines = fs.readFileSync(path.join(dir, 'logs', 'lc.log'), 'utf8').split('\n').filter((l) => l.includes('"local controller started"'));
    expect(lines).toHaveLength(1);
    return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }, 10_000);
  expect(started).toEqual([expect.objectContaining({ dataDir: path.join(dir, 'lc'), metrics: `http://127.0.0.1:${metricsPort}`, hardExampleBudget: { maxCount: 77, maxBytes: 123456 } })]);
  expect(fs.existsSync(path.join(dir, 'elsewhere'))).toBe(false);
  expect(child.stdout()).toContain(` sedna WARN tightened ${dir} from 0755 to 0700\n`);
  expect(child.stdout()).toContain(` sedna WARN tightened ${dir}/gm-secret from 0644 to 0600\n`);
  expect(fs.readFileSync(path.join(dir, 'logs', 'sedna.log'), 'utf8')).toContain(`"msg":"tightened ${dir} from 0755 to 0700"`);
  for (const folder of ['.', 'store', 'tls', 'lc', 'kb', 'logs', 'agent/edge-node']) expect([folder, mode(path.join(dir, folder))]).toEqual([folder, 0o700]);
  const secrets = ['token', 'sa.key', ...['store', 'tls'].flatMap((folder) => fs.readdirSync(path.join(dir, folder)).map((name) => `${folder}/${name}`))];
  expect(secrets).toEqual(expect.arrayContaining(['store/data.mdb', 'store/lock.mdb', 'tls/ca.key', 'tls/server.key']));
  for (const file of secrets) expect([file, mode(path.join(dir, file))]).toEqual([file, 0o600]);
  const endpoint = JSON.parse(fs.readFileSync(path.join(dir, 'endpoint.json'), 'utf8')) as Record<string, unknown>;
  expect(Object.keys(endpoint).sort()).toEqual(['apiServer', 'apiToken', 'dashboard', 'gmToken', 'gmWebSocket', 'knowledgeBase', 'lcServer', 'pid', 'version']);
  expect(endpoint).toMatchObject({ pid: child.process.pid, version: '0.1.0', apiServer: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/), gmWebSocket: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/$/) });
  for (const file of ['kubeconfig', 'endpoint.json', 'gm-secret']) expect(mode(path.join(dir, file))).toBe(0o600);
  // The dashboard: its URL in the banner and endpoint.json, a one-time sign-in link, nothing readable without it.
  expect(endpoint.dashboard).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(child.stdout()).toContain(`  dashboard         ${endpoint.dashboard as string}   (sign in with a Kubernetes token)`);
  const link = new RegExp(`sign in once +(${String(endpoint.dashboard).replace(/[.:/]/g, '\\$&')}/login/once\\?code=\\S+)`).exec(child.stdout())?.[1] as string;
  expect((await fetch(`${endpoint.dashboard as string}/api/watch`)).status).toBe(401);
  const signedIn = await fetch(link, { redirect: 'manual' });
  expect(signedIn.status).toBe(303);
  expect(signedIn.headers.get('set-cookie')).toMatch(/^sedna_dashboard=[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Strict$/);
  expect((await fetch(link, { redirect: 'manual' })).status).toBe(401);
  for (const file of fs.readdirSync(path.join(dir, 'logs'))) expect(mode(path.join(dir, 'logs', file))).toBe(0o600);
  // The CRDs are registered and the node agent has registered its node.
  const nodes = await run(['get', 'nodes', '--data-dir', dir]);
  expect(nodes.stdout).toMatch(/^edge-node +Ready/m);
  expect((await run(['get', 'ij', '--data-dir', dir])).stderr).toBe('No resources found in default namespace.\n');
  // A second `sedna up` on the same folder refuses.
  const second = sednaChild(['up', '--data-dir', dir]);
  children.push(second);
  expect(await second.exited).toBe(2);
  expect(second.stderr()).toBe(`sedna: already running (pid ${child.process.pid}) on ${dir}\n`);
  // The first is untouched by it.
  expect((await run(['get', 'ns', '--data-dir', dir])).code).toBe(0);
});

test("sedna up's knowledge base: 401 without a token; an index uploaded with a token minted for a lifelong job is served to that job", async () => {
  const child = await up();
  const endpoint = JSON.parse(fs.readFileSync(path.join(dir, 'endpoint.json'), 'utf8')) as { knowledgeBase: string };
  expect(endpoint.knowledgeBase).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(child.stdout()).toContain(`  knowledge base    ${endpoint.knowledgeBase}/knowledgebase`);
  const kb = `${endpoint.knowledgeBase}/knowledgebase`;
  const refused = await fetch(`${kb}/index`);
  expect(refused.status).toBe(401);
  expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
  // A token as the LC of this node mints it for a worker of a lifelong-learning job.
  const secret = fs.readFileSync(path.join(dir, 'gm-secret'), 'utf8').trim();
  const token = mintWorkerToken(nodeToken(secret, 'edge-node'), { namespace: 'default', kind: 'lifelonglearningjob', job: 'atcii', pod: 'atcii-train-x1', node: 'edge-node', role: 'train' });
  const index = {
    format: KB_INDEX_FORMAT,
    namespace: 'default',
    job: 'atcii',
    create_time: '2026-01-01T00:00:00.000Z',
    round: 1,
    seen_task: { task_groups: [{ entry: 'Summer', tasks: [{ entry: 'Summer', meta_attr: {}, sample_num: 20 }], model: { id: 'Summer@r1', index: 0, entry: 'Summer', url: '/m.json', format: 'json', result: {}, round: 1, numberOfTrainSamples: 20 }, sample_num: 20, deploy: true }], extractor: null },
    unseen_task: { task_groups: [], extractor: null },
  };
  const form = new FormData();
  form.append('task', new Blob([JSON.stringify(index)], { type: 'application/json' }), 'index.json');
  const stored = await fetch(`${kb}/update`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form });
  expect([stored.status, await stored.json()]).toEqual([200, '/file/download?files=index.json&name=index.json']);
  const served = await fetch(`${kb}/index`, { headers: { Authorization: `Bearer ${token}` } });
  expect([served.status, await served.json()]).toEqual([200, index]);
  expect(fs.existsSync(path.join(dir, 'kb', 'jobs', 'default', 'atcii', 'index.json'))).toBe(true);
});

test('SIGTERM drains: the worker processes are stopped, the files go, and sedna up exits 0', async () => {
  const child = await up();
  // A pod on this node runs as a process of the node agent.
  const pod = `apiVersion: v1
kind: Pod
metadata: {name: sleeper}
spec:
  nodeName: edge-node
  restartPolicy: Never
  containers: [{name: main, image: busybox, command: ["${process.execPath}", "-e", "setInterval(() => console.log('tick'), 200)"]}]
`;
  expect((await run(['apply', '-f', '-', '--data-dir', dir], { stdin: pod })).code).toBe(0);
  const pid = await eventually(async () => {
    const live = JSON.parse((await run(['get', 'pod', 'sleeper', '-o', 'json', '--data-dir', dir])).stdout) as {
      status?: { phase?: string; containerStatuses?: Array<{ containerID?: string }> };
    };
    expect(live.status?.phase).toBe('Running');
    return Number(live.status?.containerStatuses?.[0]?.containerID?.replace('process://', ''));
  }, 30_000);
  expect(() => process.kill(pid, 0)).not.toThrow();

  child.process.kill('SIGTERM');
  expect(await child.exited).toBe(0);
  expect(child.stdout()).toMatch(/stopping \(SIGTERM\)[\s\S]*stopped\n$/);
  expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  expect(fs.existsSync(path.join(dir, 'endpoint.json'))).toBe(false);
  expect(fs.existsSync(path.join(dir, 'sedna.lock'))).toBe(false);
  // The kubeconfig stays, so the other verbs say the server is not running.
  const r = await run(['get', 'ij', '--data-dir', dir]);
  expect(r.code).toBe(4);
  expect(r.stderr).toContain(`start it with \`sedna up --data-dir ${dir}\``);
}, 90_000);

test('a second SIGTERM ends sedna up at once, even with a thread stuck in a FIFO open (process.exit() would wait for it for ever)', async () => {
  const fifo = path.join(dir, 'stuck.fifo');
  execFileSync('mkfifo', [fifo]);
  const preload = path.join(dir, 'stuck.cjs');
  fs.writeFileSync(preload, `require('node:fs').open(${JSON.stringify(fifo)}, 'r', () => undefined);\n`);
  const child = await up(['--require', preload]);
  child.process.kill('SIGTERM');
  // Two signals sent at once may arrive as one: the second goes once the first is taken.
  await eventually(() => expect(child.stdout()).toContain('stopping (SIGTERM)'), 30_000);
  child.process.kill('SIGTERM');
  expect(await child.signal).toBe('SIGTERM');
});

test('a lock left by a process that is gone is taken over; the data of the last run is there', async () => {
  const first = await up();
  expect((await run(['apply', '-f', '-', '--data-dir', dir], { stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kept}\ndata: {a: "1"}\n' })).code).toBe(0);
  first.process.kill('SIGKILL');
  await first.exited;
  // SIGKILL left the lock and endpoint.json behind, naming a dead process.
  expect(fs.readFileSync(path.join(dir, 'sedna.lock'), 'utf8').trim()).toBe(String(first.process.pid));
  // The store and the LC's folder as a release before this one left them: tightened by the next start.
  fs.chmodSync(path.join(dir, 'store', 'data.mdb'), 0o644);
  fs.chmodSync(path.join(dir, 'lc'), 0o755);
  const second = await up();
  expect(second.stdout()).toContain(` api-server WARN tightened ${dir}/store/data.mdb from 0644 to 0600\n`);
  expect(second.stdout()).toContain(` lc WARN tightened ${dir}/lc from 0755 to 0700 node=edge-node\n`);
  expect([mode(path.join(dir, 'store', 'data.mdb')), mode(path.join(dir, 'lc'))]).toEqual([0o600, 0o700]);
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'endpoint.json'), 'utf8'))).toMatchObject({ pid: second.process.pid });
  // Its GM took the local controller at once: no leader lease of the killed run to wait out.
  expect(second.stdout()).not.toContain('GM refused the connection');
  expect((await run(['get', 'configmap', 'kept', '-o', 'name', '--data-dir', dir])).stdout).toBe('configmap/kept\n');
  second.process.kill('SIGTERM');
  expect(await second.exited).toBe(0);
}, 90_000);

test('up usage errors exit 2', async () => {
  expect((await run(['up', '--node', 'Edge_1', '--data-dir', dir])).code).toBe(2);
  expect((await run(['up', '--api-port', 'x', '--data-dir', dir])).code).toBe(2);
  expect((await run(['up', '--gm-port', '70000', '--data-dir', dir])).code).toBe(2);
  expect((await run(['up', '--kubeconfig', 'k', '--data-dir', dir])).code).toBe(2);
  const inside = await run(['up', '--data-root', path.join(dir, 'datasets'), '--data-dir', dir]);
  expect([inside.code, inside.stderr]).toEqual([2, expect.stringContaining(`--data-root ${path.join(dir, 'datasets')}: it is in the data folder ${dir}`)]);
});

test('a port in use: exit 1 naming it, nothing left running or locked', async () => {
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as net.AddressInfo).port;
  try {
    const child = sednaChild(['up', '--api-port', String(port), '--data-dir', dir]);
    children.push(child);
    expect(await child.exited).toBe(1);
    expect(child.stderr()).toContain(`the API server did not start: startApiServer: cannot listen on 127.0.0.1:${port}`);
    expect(fs.existsSync(path.join(dir, 'sedna.lock'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'endpoint.json'))).toBe(false);
  } finally {
    await new Promise((resolve) => busy.close(resolve));
  }
});
