import { main, USAGE, type MainIo } from './main.js';

function io(): MainIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), stopSignal: () => Promise.resolve() };
}

test('--help prints the usage with the configuration fields', async () => {
  const o = io();
  expect(await main(['--help'], o)).toBe(0);
  expect(o.out.join('')).toBe(USAGE);
  expect(USAGE).toContain('--config FILE');
  expect(USAGE).toContain('SEDNA_GM_SECRET');
});

test('an unknown flag is a usage error (2)', async () => {
  const o = io();
  expect(await main(['--port', '1'], o)).toBe(2);
  expect(o.err.join('')).toContain("Unknown option '--port'");
});

test('a configuration that cannot start is an error (1) naming the problem', async () => {
  const o = io();
  expect(await main(['--config', '/nonexistent/gm.yaml'], o)).toBe(1);
  expect(o.err.join('')).toContain('sedna-gm: GlobalManager config /nonexistent/gm.yaml: cannot be read');
});
