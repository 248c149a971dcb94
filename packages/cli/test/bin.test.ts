import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { BAD_JOB, DATASET, packageDir, tempTree } from './helpers.js';

const bin = path.join(packageDir, 'dist/bin.js');

/** Runs the built executable as a user would, feeding `stdin`. */
function sedna(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

test('the executable validates standard input and exits 0 for valid objects', async () => {
  expect(await sedna(['validate', '-f', '-'], DATASET)).toEqual({ code: 0, stdout: '', stderr: '1 object in 1 file: all valid\n' });
});

test('the executable exits 1 with one line per problem for invalid objects', async () => {
  const r = await sedna(['validate', '-f', '-'], BAD_JOB);
  expect(r.code).toBe(1);
  expect(r.stdout.trim().split('\n')).toHaveLength(2);
});

test('the executable exits 2 on a usage error and 3 on a missing file', async () => {
  expect((await sedna(['validate', '--nope'])).code).toBe(2);
  expect((await sedna(['validate', '-f', path.join(packageDir, 'does-not-exist.yaml')])).code).toBe(3);
});

test('a reader that stops early (sedna crds | head) is not an error', async () => {
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'crds'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    child.on('error', reject);
    child.on('close', (c) => (stderr.includes('EPIPE') ? reject(new Error(stderr)) : resolve(c)));
  });
  expect(code).toBe(0);
});

test('the launcher npm links as `sedna` runs the built command', async () => {
  const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(packageDir, 'bin/sedna.js'), '--version'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ stdout: out, code: c }));
  });
  expect({ stdout, code }).toEqual({ stdout: '0.1.0\n', code: 0 });
});

test('a server that accepts TCP but never answers: the executable exits at its deadline, not 10 s later', async () => {
  const server = net.createServer((socket) => socket.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const tree = tempTree({
    'kubeconfig.yaml': [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: c, cluster: {server: "https://127.0.0.1:${(server.address() as net.AddressInfo).port}", insecure-skip-tls-verify: true}}]`,
      'users: [{name: u, user: {token: x}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
      '',
    ].join('\n'),
  });
  try {
    const kubeconfig = path.join(tree.dir, 'kubeconfig.yaml');
    for (const argv of [['get', 'models', '--request-timeout', '500ms'], ['wait', 'x', '--for=delete', '--timeout', '1s']]) {
      // From its error line to its exit: before, the process lingered about 10 s there (undici's
      // connect timeout). Not from its start, whose time a loaded machine stretches.
      const r = await new Promise<{ code: number | null; stderr: string; lingered: number }>((resolve, reject) => {
        const child = spawn(process.execPath, [bin, ...argv, '--kubeconfig', kubeconfig], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        let said = 0;
        child.stderr.on('data', (d: Buffer) => {
          said ||= Date.now();
          stderr += d.toString();
        });
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stderr, lingered: Date.now() - said }));
      });
      expect([r.code, r.stderr]).toEqual([4, expect.stringContaining('no answer in time')]);
      expect(r.lingered).toBeLessThan(5000);
    }
  } finally {
    server.close();
    tree.cleanup();
  }
});
