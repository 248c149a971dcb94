import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runStatus } from './commands/status.js';
import { CliError } from './errors.js';
import { loadSednaUp, UP_PACKAGE, upInstalled } from './upPackage.js';

/** An import that fails as Node's does for a package that is not installed. */
const notInstalled = (name: string) => async () => {
  throw Object.assign(new Error(`Cannot find package '${name}' imported from /usr/lib/node_modules/@sedna-ts/cli/dist/bin.js`), { code: 'ERR_MODULE_NOT_FOUND' });
};

test('@sedna-ts/up missing: a CliError naming the package and the command that installs it (exit 1)', async () => {
  const error = await loadSednaUp(notInstalled(UP_PACKAGE)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CliError);
  expect((error as CliError).message).toBe(
    'sedna up needs the package @sedna-ts/up, which is not installed: npm install -g @sedna-ts/up (or `npm install @sedna-ts/up` in the project of @sedna-ts/cli)',
  );
  expect((error as CliError).exitCode).toBe(1);
});

test('a dependency of @sedna-ts/up missing is said as such, not as @sedna-ts/up missing', async () => {
  const error = await loadSednaUp(notInstalled('lmdb')).catch((e: unknown) => e);
  expect((error as CliError).message).toBe(
    "@sedna-ts/up is installed but could not be loaded: Cannot find package 'lmdb' imported from /usr/lib/node_modules/@sedna-ts/cli/dist/bin.js",
  );
});

test('a package without startSedna is refused; the real one loads', async () => {
  await expect(loadSednaUp(async () => ({}))).rejects.toThrow('@sedna-ts/up has no startSedna');
  const startSedna = async () => {
    throw new Error('not called');
  };
  await expect(loadSednaUp(async () => ({ startSedna }))).resolves.toEqual({ startSedna });
});

test('sedna status on a folder where no sedna up runs: how to start one, and first how to install @sedna-ts/up when it is missing', async () => {
  expect([await upInstalled(notInstalled(UP_PACKAGE)), await upInstalled(notInstalled('lmdb')), await upInstalled(async () => ({}))]).toEqual([false, true, true]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedna-status-'));
  try {
    const status = async (load: (s: string) => Promise<unknown>) => {
      let out = '';
      const io = { stdout: { write: (t: string | Uint8Array) => (out += String(t)) }, stderr: { write: () => true }, readStdin: async () => '', cwd: dir, env: { HOME: dir } };
      expect(await runStatus({ dataDir: dir }, io, load)).toBe(4);
      return out;
    };
    expect(await status(notInstalled(UP_PACKAGE))).toBe(`sedna up is not running on ${dir}; it needs @sedna-ts/up, which is not installed: \`npm install -g @sedna-ts/up\`, then start it with \`sedna up --data-dir ${dir} -d\`\n`);
    expect(await status(async () => ({}))).toBe(`sedna up is not running on ${dir}; start it with \`sedna up --data-dir ${dir} -d\`\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
