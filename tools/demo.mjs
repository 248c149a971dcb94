#!/usr/bin/env node
// `npm run demo`. Until the incremental-learning loop lands, the demo builds the `sedna` command and
// validates the project's own example objects with it (examples/objects), exactly as a user would.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function step(title, args, { quiet = false } = {}) {
  console.log(`> ${title}`);
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' });
  if (result.error) throw result.error;
  // A quiet step shows its output only when it fails.
  if (quiet && result.status !== 0) process.stderr.write(`${result.stdout}${result.stderr}`);
  return result.status ?? 1;
}

// Builds @sedna-ts/cli and, first, what it depends on (@sedna-ts/api-types); cached after the first run.
const built = step('build the sedna command (nx run @sedna-ts/cli:build)', [require.resolve('nx/bin/nx.js'), 'run', '@sedna-ts/cli:build'], {
  quiet: true,
});
if (built !== 0) process.exit(built);

const code = step('sedna validate -f examples/objects --verbose', [
  path.join(root, 'packages/cli/dist/bin.js'),
  'validate',
  '-f',
  'examples/objects',
  '--verbose',
]);
console.log(code === 0 ? '\nAll example objects are valid.' : `\nsedna validate exited with ${code}.`);
process.exit(code);
