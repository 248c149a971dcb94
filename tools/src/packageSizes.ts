/**
 * The install size of each published package: packed, then installed alone (with the tarballs of the
 * published packages it depends on) into an empty folder, as `npm install <package>` would, and its
 * node_modules measured with `du`. The SDK also with its optional runtimes, and the CLI with
 * @sedna-ts/up. Prints a Markdown table (what the root README shows). Build first:
 *
 *   npx nx run-many -t build && npm run package-sizes -w tools
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { diskUsage, installedPackages, installInto, packAll, publishedPackages, tarballsFor } from './packaging.js';

const MB = 1024 * 1024;

const packages = publishedPackages();
const root = await mkdtemp(path.join(os.tmpdir(), 'sedna-sizes-'));
try {
  const tarballs = await packAll(packages, path.join(root, 'tarballs'));
  const sdk = packages.find((p) => p.name === '@sedna-ts/worker-sdk');
  const runtimes = Object.entries(sdk?.manifest.peerDependencies ?? {}).map(([name, range]) => `${name}@${range}`);
  const cases: Array<{ label: string; specs: string[] }> = packages.map((p) => ({ label: p.name, specs: tarballsFor(p.name, packages, tarballs) }));
  cases.push({ label: '@sedna-ts/worker-sdk with its runtimes', specs: [...tarballsFor('@sedna-ts/worker-sdk', packages, tarballs), ...runtimes] });
  cases.push({ label: '@sedna-ts/cli with @sedna-ts/up', specs: [...new Set([...tarballsFor('@sedna-ts/cli', packages, tarballs), ...tarballsFor('@sedna-ts/up', packages, tarballs)])] });
  const rows: string[] = [];
  for (const [i, c] of cases.entries()) {
    const dir = path.join(root, `install-${i}`);
    // The SDK's runtimes as its README installs them: onnxruntime-node's CPU build, no CUDA download.
    await installInto(dir, c.specs.includes(`onnxruntime-node@${sdk?.manifest.peerDependencies?.['onnxruntime-node']}`) ? [...c.specs, '--onnxruntime-node-install=skip'] : c.specs);
    const bytes = await diskUsage(path.join(dir, 'node_modules'));
    const count = installedPackages(path.join(dir, 'node_modules')).length;
    rows.push(`| ${c.label} | ${(bytes / MB).toFixed(1)} MB | ${count} |`);
    process.stderr.write(`${c.label}: ${(bytes / MB).toFixed(1)} MB, ${count} packages\n`);
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(['| package (installed alone) | node_modules | packages |', '|---|---|---|', ...rows, ''].join('\n'));
} finally {
  await rm(root, { recursive: true, force: true });
}
