// What the tests of @sedna-ts/up share: `sedna` as a user runs it (the built executable of
// @sedna-ts/cli, which loads this package), in-process runs of its verbs, and a retrying check.
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, type CliIo } from '@sedna-ts/cli';

/** packages/up */
export const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The built `sedna` executable of @sedna-ts/cli. */
export const cliBin = path.join(path.dirname(createRequire(import.meta.url).resolve('@sedna-ts/cli/package.json')), 'dist/bin.js');

/** A HOME for commands under test, so they never find the user's ~/.sedna. */
export const NO_HOME = path.join(os.tmpdir(), 'sedna-up-test-no-home');

/** Runs `sedna <argv>` in-process (the environment: HOME set to a folder that does not exist); returns exit code and output. */
export async function run(argv: string[], options: { stdin?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const text = (s: string | Uint8Array) => (typeof s === 'string' ? s : Buffer.from(s).toString('utf8'));
  const io: CliIo = {
    stdout: { write: (s: string | Uint8Array) => (stdout += text(s)) },
    stderr: { write: (s: string) => (stderr += s) },
    readStdin: async () => options.stdin ?? '',
    cwd: process.cwd(),
    env: { HOME: NO_HOME },
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** Retries `check` until it passes or `timeoutMs` has passed (then throws its last error). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
