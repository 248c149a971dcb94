#!/usr/bin/env node
// `npm run demo`: builds the `sedna` command and the worker SDK, validates the project's own example
// objects (examples/objects), then runs the helmet-detection demo (examples/helmet-detection/demo.ts):
// `sedna up`, the job applied, three rounds of incremental learning with a table of what each did.
// Arguments after `npm run demo --` go to demo.ts (e.g. `--rounds 1`). The demo prints the dashboard's
// URL (a one-time sign-in link); when stdout is a terminal it leaves `sedna up` running at its end until
// Ctrl-C and says so, otherwise (CI, pipes, scripts) it exits as before; `--keep` and `--no-keep` decide.
// `npm run demo:lifelong` (this script with `--lifelong` first) runs demo-lifelong.ts instead: the
// lifelong-learning job on sites A, B and a new site C, beside the incremental one.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

// Runs a step; resolves to its exit code. A quiet step shows its output only when it fails and, on a
// terminal, a line with the seconds it has taken so far (nothing more in a log or a pipe).
function step(title, args, { quiet = false } = {}) {
  console.log(`> ${title}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: quiet ? 'pipe' : 'inherit' });
    let output = '';
    if (quiet) {
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
    }
    const started = Date.now();
    const ticker = quiet && process.stdout.isTTY ? setInterval(() => process.stdout.write(`\r\x1b[2K  ${Math.floor((Date.now() - started) / 1000)} s`), 1000) : undefined;
    child.on('error', reject);
    child.on('close', (status) => {
      if (ticker) {
        clearInterval(ticker);
        process.stdout.write('\r\x1b[2K');
      }
      if (quiet && status !== 0) process.stderr.write(output);
      resolve(status ?? 1);
    });
  });
}

// Builds @sedna-ts/cli with @sedna-ts/up (what `sedna up` loads), the SDK the workers import, and, first, what they depend on; cached after the first run.
const built = await step(
  'build the sedna command and the worker SDK (nx run-many -t build)',
  [require.resolve('nx/bin/nx.js'), 'run-many', '-t', 'build', '-p', '@sedna-ts/cli', '@sedna-ts/up', '@sedna-ts/worker-sdk', '@sedna-ts/local-controller'],
  { quiet: true },
);
if (built !== 0) process.exit(built);

const code = await step('sedna validate -f examples/objects --verbose', [
  path.join(root, 'packages/cli/dist/bin.js'),
  'validate',
  '-f',
  'examples/objects',
  '--verbose',
]);
console.log(code === 0 ? '\nAll example objects are valid.\n' : `\nsedna validate exited with ${code}.`);
if (code !== 0) process.exit(code);

const lifelong = process.argv[2] === '--lifelong';
const demo = lifelong
  ? ['helmet detection: lifelong learning on sites A, B and C beside incremental learning, on `sedna up` (examples/helmet-detection/demo-lifelong.ts)', 'demo-lifelong.ts']
  : ['helmet detection: three rounds of incremental learning on `sedna up` (examples/helmet-detection/demo.ts)', 'demo.ts'];
process.exit(await step(demo[0], ['--import', 'tsx', `examples/helmet-detection/${demo[1]}`, ...process.argv.slice(lifelong ? 3 : 2)]));
