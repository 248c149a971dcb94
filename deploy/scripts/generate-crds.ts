/**
 * Writes deploy/crds/<plural>.sedna.io.yaml from @sedna-ts/api-types (the same text as its crds/):
 * `npm run generate -w @sedna-ts/deploy`. deploy/test/crds.test.ts fails while a file is stale.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expectedCrdFiles } from '../src/crds.js';
import { DEPLOY_DIR } from '../src/repo.js';

const dir = path.join(DEPLOY_DIR, 'crds');
mkdirSync(dir, { recursive: true });
const expected = expectedCrdFiles();
for (const [file, text] of expected) {
  writeFileSync(path.join(dir, `${file}.tmp`), text);
  renameSync(path.join(dir, `${file}.tmp`), path.join(dir, file));
  process.stdout.write(`wrote deploy/crds/${file}\n`);
}
for (const file of readdirSync(dir)) {
  if (!expected.has(file)) {
    rmSync(path.join(dir, file));
    process.stdout.write(`removed deploy/crds/${file}\n`);
  }
}
