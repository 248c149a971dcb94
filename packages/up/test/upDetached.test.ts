// `sedna up -d`, `sedna status` and `sedna down` as a user runs them: the built executable, on a temp data folder.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { processAlive } from '@sedna-ts/internal';
import { cliBin as bin, NO_HOME, run } from './helpers.js';

/** Runs the built `sedna` to its end. */
function sedna(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, HOME: NO_HOME, SEDNA_HOME: '' }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedna-cli-up-d-'));
});
afterEach(() => {
  // A background sedna up left by a failed test is stopped.
  try {
    const pid = Number(fs.readFileSync(path.join(dir, 'sedna.lock'), 'utf8'));
    if (pid > 0 && pid !== process.pid && processAlive(pid)) process.kill(pid, 'SIGKILL');
  } catch {
    // no lock: nothing runs
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('up -d returns once ready; status says where its parts are; down drains it; both say when none runs', async () => {
  const started = await sedna(['up', '-d', '--data-dir', dir]);
  expect(started.stderr).toBe('');
  expect(started.code).toBe(0);
  const endpoint = JSON.parse(fs.readFileSync(path.join(dir, 'endpoint.json'), 'utf8')) as { pid: number; apiServer: string };
  expect(started.stdout).toContain(`is up in the background (pid ${endpoint.pid}), data in ${dir}\n  API server  ${endpoint.apiServer}\n`);
  expect(processAlive(endpoint.pid)).toBe(true);
  // Its output goes to a private file in the data folder.
  const log = path.join(dir, 'logs', 'up.log');
  expect(fs.statSync(log).mode & 0o777).toBe(0o600);
  expect(fs.readFileSync(log, 'utf8')).toContain('is up (pid');

  const status = await sedna(['status', '--data-dir', dir]);
  expect(status.code).toBe(0);
  expect(status.stdout).toContain(`is running on ${dir} (pid ${endpoint.pid})\n  API server        ${endpoint.apiServer}   ready\n`);
  const json = JSON.parse((await sedna(['status', '--data-dir', dir, '-o', 'json'])).stdout) as Record<string, unknown>;
  expect(json).toMatchObject({ dataDir: dir, running: true, ready: true, pid: endpoint.pid, apiServer: endpoint.apiServer });
  // Where the dashboard is, too.
  const dashboard = (JSON.parse(fs.readFileSync(path.join(dir, 'endpoint.json'), 'utf8')) as { dashboard?: string }).dashboard;
  expect(dashboard).toMatch(/^https?:\/\//);
  expect(json.dashboard).toBe(dashboard);
  expect(status.stdout).toContain(`  dashboard         ${dashboard}   (sign in with a token`);
  expect(JSON.stringify(json)).not.toMatch(/token/i);

  // The other verbs reach it; a second up -d is refused.
  expect((await sedna(['get', 'ns', '--data-dir', dir])).stdout).toContain('kube-system');
  expect(await sedna(['up', '-d', '--data-dir', dir])).toEqual({ code: 2, stdout: '', stderr: `sedna: already running (pid ${endpoint.pid}) on ${dir}\n` });

  const down = await sedna(['down', '--data-dir', dir]);
  expect(down).toEqual({ code: 0, stdout: `stopping sedna up (pid ${endpoint.pid}) on ${dir}: workers, local controller, global manager, knowledge base, API server\nstopped\n`, stderr: '' });
  expect(processAlive(endpoint.pid)).toBe(false);
  expect(fs.existsSync(path.join(dir, 'endpoint.json'))).toBe(false);
  expect(fs.readFileSync(log, 'utf8')).toMatch(/stopping \(SIGTERM\)[^]*stopped\n$/);

  expect(await sedna(['status', '--data-dir', dir])).toEqual({ code: 4, stdout: `sedna up is not running on ${dir}; start it with \`sedna up --data-dir ${dir} -d\`\n`, stderr: '' });
  expect(await sedna(['down', '--data-dir', dir])).toEqual({ code: 0, stdout: `sedna up is not running on ${dir}: nothing to stop\n`, stderr: '' });
}, 120_000);

test('up -d past its --timeout: exit 5, it goes on starting, and status says it is there (starting or running), not "not running"', async () => {
  const r = await sedna(['up', '-d', '--data-dir', dir, '--timeout', '1ms']);
  expect(r.code).toBe(5);
  expect(r.stderr).toContain('it goes on starting');
  const status = await sedna(['status', '--data-dir', dir]);
  expect(status.stdout).toMatch(/is starting on|is running on/);
  expect((await sedna(['down', '--data-dir', dir])).code).toBe(0);
}, 120_000);

test('up -d of a sedna up that cannot start: its exit and the last lines of its output', async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as net.AddressInfo).port;
  try {
    const r = await sedna(['up', '-d', '--data-dir', dir, '--api-port', String(port)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`sedna: sedna up exited (code 1) before it was ready; the last lines of ${dir}/logs/up.log:\n`);
    expect(r.stderr).toContain(String(port));
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
}, 120_000);

test('status of a run killed without draining; down never signals a process that is not a sedna up', async () => {
  // endpoint.json of a process that is gone (a pid above Linux's largest, 2^22).
  const gone = 4_194_305;
  expect(processAlive(gone)).toBe(false);
  fs.writeFileSync(path.join(dir, 'endpoint.json'), JSON.stringify({ pid: gone, apiServer: 'https://127.0.0.1:1', version: '0.1.0' }));
  const status = await run(['status', '--data-dir', dir]);
  expect(status).toEqual({ code: 4, stdout: `sedna up is not running on ${dir} (the run of pid ${gone} ended without draining: the next sedna up continues from its state); start it with \`sedna up --data-dir ${dir} -d\`\n`, stderr: '' });
  // A lock naming a live process that is not a sedna up (this test runner): refused, not signalled.
  expect(fs.readFileSync('/proc/self/cmdline', 'utf8').split('\0')).not.toContain('up');
  fs.writeFileSync(path.join(dir, 'sedna.lock'), `${process.pid}\n`);
  expect(await run(['down', '--data-dir', dir])).toEqual({ code: 1, stdout: '', stderr: `sedna: ${dir}/sedna.lock names pid ${process.pid}, which is not a sedna up (another program took the pid over?): not signalled; the lock is stale, and the next sedna up takes it over\n` });
});
