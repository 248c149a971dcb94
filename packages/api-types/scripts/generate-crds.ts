/**
 * Writes the CustomResourceDefinition manifests to crds/<plural>.sedna.io.yaml from the schemas in src/.
 * `--check` exits 1 when a file is stale or missing (the test suite checks the same).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crdToYaml, sednaCustomResourceDefinitions } from '../src/crd.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../crds');
const check = process.argv.includes('--check');
const expected = new Map(sednaCustomResourceDefinitions().map((crd) => [`${crd.metadata.name}.yaml`, crdToYaml(crd)]));
let stale = 0;
fs.mkdirSync(dir, { recursive: true });
for (const [file, text] of expected) {
  const target = path.join(dir, file);
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
  if (current === text) continue;
  if (check) {
    process.stderr.write(`crds/${file} is stale: run \`npm run generate -w @sedna-ts/api-types\`\n`);
    stale++;
    continue;
  }
  fs.writeFileSync(`${target}.tmp`, text);
  fs.renameSync(`${target}.tmp`, target);
  process.stdout.write(`wrote crds/${file}\n`);
}
for (const file of fs.readdirSync(dir)) {
  if (file.endsWith('.yaml') && !expected.has(file)) {
    if (check) {
      process.stderr.write(`crds/${file} is not generated from any kind: remove it\n`);
      stale++;
    } else {
      fs.rmSync(path.join(dir, file));
      process.stdout.write(`removed crds/${file}\n`);
    }
  }
}
if (stale > 0) process.exit(1);
