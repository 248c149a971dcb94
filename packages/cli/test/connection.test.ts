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
afterAll(async () => {
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

test('$SEDNA_HOME is used without flags, then ~/.sedna; KUBECONFIG is never read', async () => {
  expect((await run(['get', 'ns'], { env: { SEDNA_HOME: live.dir } })).code).toBe(0);
  const home = tempDir();
  fs.mkdirSync(path.join(home, '.sedna'));
  fs.copyFileSync(live.kubeconfig, path.join(home, '.sedna', 'kubeconfig'));
  expect((await run(['get', 'ns'], { env: { HOME: home } })).code).toBe(0);
  const empty = tempDir();
  const r = await run(['get', 'ns'], { env: { HOME: empty, KUBECONFIG: live.kubeconfig } });
  expect(r).toEqual({ code: 4, stdout: '', stderr: `sedna: no API server in ${empty}/.sedna (it has no kubeconfig): start it with \`sedna up\`\n` });
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
  expect(viaHome.stderr).toBe(`sedna: cannot reach the API server at ${url} (connection refused): start it with \`sedna up (SEDNA_HOME=${dir})\`\n`);
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
