import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { run } from './helpers.js';
import { startTestServer, type TestServer } from './server.js';

let live: TestServer;
let dirs: string[] = [];
beforeAll(async () => {
  live = await startTestServer({ crds: false });
});
// A live process that looks like a sedna up (its command line has `up`) for the locks of running ~/.sedna.
const fakeUps: ChildProcess[] = [];
function fakeUpPid(): number {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120_000)', '--', 'up'], { stdio: 'ignore' });
  fakeUps.push(child);
  return child.pid as number;
}

afterAll(async () => {
  for (const child of fakeUps) child.kill('SIGKILL');
  await live.close();
});
afterEach(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sedna-cli-conn-'));
  dirs.push(d);
  return d;
}

/** A copy of the live server's kubeconfig in a fresh data folder, edited by `edit`. */
function kubeconfigCopy(edit: (kc: { clusters: Array<{ cluster: Record<string, string> }>; users: Array<{ user: Record<string, string> }> }) => void): string {
  const dir = tempDir();
  const kc = parse(fs.readFileSync(live.kubeconfig, 'utf8')) as Parameters<typeof edit>[0];
  edit(kc);
  fs.writeFileSync(path.join(dir, 'kubeconfig'), stringify(kc));
  return dir;
}

test('--data-dir DIR talks to the server of DIR/kubeconfig', async () => {
  const r = await run(['get', 'ns', '--data-dir', live.dir]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('kube-system');
});

/** A HOME with `~/.kube/config` and `~/.sedna/kubeconfig` copies of the live server's kubeconfig (named apart by their context). */
function homeWith(options: { kube?: boolean; sedna?: boolean; sednaRunning?: boolean }): string {
  const home = tempDir();
  const kc = parse(fs.readFileSync(live.kubeconfig, 'utf8')) as { contexts: Array<{ name: string }>; 'current-context': string };
  const named = (name: string) => stringify({ ...kc, contexts: kc.contexts.map((c) => ({ ...c, name })), 'current-context': name });
  if (options.kube) {
    fs.mkdirSync(path.join(home, '.kube'));
    fs.writeFileSync(path.join(home, '.kube', 'config'), named('from-kube-config'));
  }
  if (options.sedna) {
    fs.mkdirSync(path.join(home, '.sedna'));
    fs.writeFileSync(path.join(home, '.sedna', 'kubeconfig'), named('from-sedna'));
    // A sedna up runs there when its lock names a live process (this one stands in for it).
    if (options.sednaRunning) fs.writeFileSync(path.join(home, '.sedna', 'sedna.lock'), `${fakeUpPid()}\n`);
  }
  return home;
}

/** The context `delete` says it acts on (a delete of nothing that exists: --ignore-not-found). */
async function contextUsed(env: Record<string, string>, extra: string[] = []): Promise<string> {
  const r = await run(['delete', 'ns', 'nope', '--ignore-not-found', ...extra], { env });
  expect(r.code).toBe(0);
  return /on context "([^"]+)"/.exec(r.stderr)?.[1] ?? r.stderr;
}

test('the order: --kubeconfig, --data-dir, SEDNA_HOME, KUBECONFIG, ~/.sedna when sedna up runs there, ~/.kube/config', async () => {
  const all = homeWith({ kube: true, sedna: true, sednaRunning: true });
  const kubeconfigVar = path.join(all, '.kube', 'config');
  expect(await contextUsed({ HOME: all, KUBECONFIG: kubeconfigVar, SEDNA_HOME: live.dir }, ['--kubeconfig', path.join(all, '.sedna', 'kubeconfig')])).toBe('from-sedna');
  expect(await contextUsed({ HOME: all, KUBECONFIG: kubeconfigVar }, ['--data-dir', live.dir])).toBe('sedna-embedded');
  expect(await contextUsed({ HOME: all, KUBECONFIG: kubeconfigVar, SEDNA_HOME: live.dir })).toBe('sedna-embedded');
  // KUBECONFIG before a running ~/.sedna; a running ~/.sedna before ~/.kube/config.
  expect(await contextUsed({ HOME: all, KUBECONFIG: kubeconfigVar })).toBe('from-kube-config');
  expect(await contextUsed({ HOME: all })).toBe('from-sedna');
  // ~/.sedna with no sedna up running: ~/.kube/config.
  expect(await contextUsed({ HOME: homeWith({ kube: true, sedna: true }) })).toBe('from-kube-config');
  // Neither: ~/.sedna, whose kubeconfig is used (a sedna up that was killed), else the hint to start one.
  expect(await contextUsed({ HOME: homeWith({ sedna: true }) })).toBe('from-sedna');
  const empty = tempDir();
  expect(await run(['get', 'ns'], { env: { HOME: empty } })).toEqual({ code: 4, stdout: '', stderr: `sedna: no API server in ${empty}/.sedna (it has no kubeconfig): start it with \`sedna up\`\n` });
  // delete says where the server came from.
  const r = await run(['delete', 'ns', 'nope', '--ignore-not-found'], { env: { HOME: all, KUBECONFIG: kubeconfigVar } });
  expect(r.stderr).toBe(`sedna: delete on context "from-kube-config" at ${live.server.url} (from KUBECONFIG)\n`);
});

test('KUBECONFIG lists files (the first to name a context wins, missing ones skipped); --context picks one', async () => {
  const home = homeWith({ kube: true, sedna: true });
  const list = [path.join(home, 'missing'), path.join(home, '.sedna', 'kubeconfig'), path.join(home, '.kube', 'config')].join(path.delimiter);
  expect(await contextUsed({ HOME: home, KUBECONFIG: list })).toBe('from-sedna');
  expect(await contextUsed({ HOME: home, KUBECONFIG: list }, ['--context', 'from-kube-config'])).toBe('from-kube-config');
  expect(await contextUsed({ HOME: home }, ['--context', 'from-kube-config', '--kubeconfig', path.join(home, '.kube', 'config')])).toBe('from-kube-config');
  const bad = await run(['get', 'ns', '--context', 'prod'], { env: { HOME: home, KUBECONFIG: list } });
  const existing = list.split(path.delimiter).slice(1).join(path.delimiter);
  expect(bad).toEqual({ code: 3, stdout: '', stderr: `sedna: --context "prod": no such context in KUBECONFIG=${existing} (it has: from-sedna, from-kube-config)\n` });
  const none = [path.join(home, 'a'), path.join(home, 'b')].join(path.delimiter);
  expect(await run(['get', 'ns'], { env: { HOME: home, KUBECONFIG: none } })).toEqual({ code: 3, stdout: '', stderr: `sedna: KUBECONFIG=${none}: none of these kubeconfig files exists\n` });
});

test('--kubeconfig wins over --data-dir; a --kubeconfig that does not exist is not found (3)', async () => {
  const empty = tempDir();
  expect((await run(['get', 'ns', '--data-dir', empty, '--kubeconfig', live.kubeconfig])).code).toBe(0);
  expect(await run(['get', 'ns', '--kubeconfig', path.join(empty, 'nope')])).toEqual({ code: 3, stdout: '', stderr: `sedna: ${empty}/nope: no such kubeconfig file\n` });
});

test('a server that is not running: exit 4, naming its URL and how to start it', async () => {
  const stopped = await startTestServer({ crds: false });
  const url = stopped.server.url;
  const dir = tempDir();
  fs.copyFileSync(stopped.kubeconfig, path.join(dir, 'kubeconfig'));
  await stopped.close();
  const r = await run(['get', 'ij', '--data-dir', dir]);
  expect(r).toEqual({ code: 4, stdout: '', stderr: `sedna: cannot reach the API server at ${url} (connection refused): start it with \`sedna up --data-dir ${dir}\`\n` });
  const viaHome = await run(['get', 'ij'], { env: { SEDNA_HOME: dir } });
  expect(viaHome.stderr).toBe(`sedna: cannot reach the API server at ${url} (connection refused): start it with \`SEDNA_HOME=${dir} sedna up\`\n`);
  const viaKubeconfig = await run(['apply', '-f', '-', '--kubeconfig', path.join(dir, 'kubeconfig')], { stdin: 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n' });
  expect(viaKubeconfig).toMatchObject({ code: 4, stderr: `sedna: cannot reach the API server at ${url} (connection refused): check that the cluster in ${dir}/kubeconfig is running and reachable\n` });
});

test('a host name that does not resolve and a certificate the kubeconfig does not trust: exit 4', async () => {
  const dns = kubeconfigCopy((kc) => (kc.clusters[0]!.cluster.server = 'https://sedna-test.invalid:6443'));
  expect(await run(['get', 'ns', '--data-dir', dns])).toMatchObject({ code: 4, stderr: expect.stringMatching(/^sedna: cannot reach the API server at https:\/\/sedna-test\.invalid:6443 \(host name (not found|lookup failed)\)/) });
  const other = await startTestServer({ crds: false });
  try {
    const otherCa = (parse(fs.readFileSync(other.kubeconfig, 'utf8')) as { clusters: Array<{ cluster: Record<string, string> }> }).clusters[0]!.cluster['certificate-authority-data']!;
    const tls = kubeconfigCopy((kc) => (kc.clusters[0]!.cluster['certificate-authority-data'] = otherCa));
    expect(await run(['get', 'ns', '--data-dir', tls])).toMatchObject({ code: 4, stderr: expect.stringMatching(/^sedna: cannot reach the API server at https:\/\/127\.0\.0\.1:\d+ \(TLS: /) });
  } finally {
    await other.close();
  }
});

test('a token the server refuses: exit 1, saying so', async () => {
  const dir = kubeconfigCopy((kc) => (kc.users[0]!.user.token = 'not-the-token'));
  const r = await run(['get', 'ns', '--data-dir', dir]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`sedna: the API server at ${live.server.url} refused the credentials of ${dir}/kubeconfig`);
});

test('a server that accepts but never answers: exit 4 after --request-timeout', async () => {
  const sockets = new Set<net.Socket>();
  const silentServer = net.createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
  const port = (silentServer.address() as net.AddressInfo).port;
  try {
    const dir = kubeconfigCopy((kc) => (kc.clusters[0]!.cluster.server = `https://127.0.0.1:${port}`));
    const r = await run(['get', 'ns', '--data-dir', dir, '--request-timeout', '300ms']);
    expect(r).toEqual({ code: 4, stdout: '', stderr: `sedna: cannot reach the API server at https://127.0.0.1:${port} (no answer in time): start it with \`sedna up --data-dir ${dir}\`\n` });
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silentServer.close(resolve));
  }
  expect((await run(['get', 'ns', '--request-timeout', 'soon'])).code).toBe(2);
});
