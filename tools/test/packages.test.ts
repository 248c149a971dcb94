/**
 * The published packages as a user installs them: every package packed with `npm pack`, the tarballs
 * installed into empty folders with nothing but the npm registry (the local cache first), no
 * install-time download and no install setting from the environment (ONNXRUNTIME_NODE_INSTALL is
 * removed). Then, on the Node running the test:
 * - "lean": the CLI and the worker SDK alone: no native part, no S3 SDK, no runtime; `sedna validate`
 *   works, `sedna up` names the package it needs, the SDK's main entry loads and its subpaths name the
 *   runtime they need;
 * - "full": every package, and the runtimes a train script needs: `sedna version`, `sedna validate` on
 *   the repository's sample objects, the SDK's shipped train example in local mode, `sedna up -d` from
 *   the installed packages (also when @sedna-ts/up carries its own copy of the CLI);
 * - `engines.node` true for every package our packages bring, on this Node and on every Node our
 *   engines allow; LICENSE, NOTICE and the package metadata as published.
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import semver from 'semver';
import {
  dependencyClosure,
  enginesProblems,
  installedPackages,
  installInto,
  packAll,
  publishedPackages,
  REPO_ROOT,
  run,
  tarballsFor,
  type PublishedPackage,
} from '../src/packaging.js';

const packages: PublishedPackage[] = publishedPackages();
const sdk = packages.find((p) => p.name === '@sedna-ts/worker-sdk') as PublishedPackage;
/** What every published package says it runs on (they all say the same; checked below). */
const declared = packages[0]?.manifest.engines?.node as string;
/** Packages a verb of the CLI other than `up`, or the SDK without its runtimes, must not bring. */
const HEAVY = /^(lmdb|sharp|onnxruntime-node|@aws-sdk\/.*|@tensorflow\/.*|@img\/.*|msgpackr-extract|@sedna-ts\/(up|embedded|controller|local-controller|storage-initializer|knowledge-base|dashboard))$/;

let root: string;
let lean: string;
let full: string;
const timings: string[] = [];

/** Runs `node args` in `cwd` with this Node, HOME in the test's folder and no install settings. */
function node(args: string[], cwd: string, env: Record<string, string | undefined> = {}) {
  return run(process.execPath, args, { cwd, env: { PATH: process.env.PATH, HOME: path.join(root, 'home'), ...env } as NodeJS.ProcessEnv, timeoutMs: 240_000 });
}

/** The installed `sedna` of `dir`, run with this Node. */
function sedna(dir: string, args: string[]) {
  return node([path.join(dir, 'node_modules/@sedna-ts/cli/bin/sedna.js'), ...args], dir);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'sedna-packages-'));
  lean = path.join(root, 'lean');
  full = path.join(root, 'full');
  let started = Date.now();
  const tarballs = await packAll(packages, path.join(root, 'tarballs'));
  timings.push(`pack ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const peers = sdk.manifest.peerDependencies ?? {};
  const rootManifest = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  // What the shipped train example needs beside the SDK (not onnxruntime-node: training does not load it).
  const trainRuntimes = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'sharp'].map((n) => `${n}@${peers[n]}`);
  started = Date.now();
  const [leanMs, fullMs] = await Promise.all([
    installInto(lean, [...new Set([...tarballsFor('@sedna-ts/cli', packages, tarballs), ...tarballsFor('@sedna-ts/worker-sdk', packages, tarballs)])]),
    installInto(full, [...tarballs.values(), ...trainRuntimes, `tsx@${rootManifest.devDependencies.tsx}`]),
  ]);
  timings.push(`installs (in parallel) ${((Date.now() - started) / 1000).toFixed(1)} s: lean ${(leanMs / 1000).toFixed(1)} s, full ${(fullMs / 1000).toFixed(1)} s`);
}, 600_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  process.stdout.write(`packages test: ${timings.join('; ')}\n`);
});

describe('lean: the CLI and the worker SDK, nothing else', () => {
  test('no native part, no S3 SDK, no runtime, no sedna up part is installed', () => {
    const heavy = installedPackages(path.join(lean, 'node_modules'))
      .map((p) => p.manifest.name)
      .filter((name) => HEAVY.test(name));
    expect(heavy).toEqual([]);
  });

  test('sedna validate works; sedna up exits 1 naming the package to install, before anything starts', async () => {
    const valid = await sedna(lean, ['validate', '-f', path.join(REPO_ROOT, 'examples/objects')]);
    // validate's summary goes to stderr, so stdout carries only what -v or -o asks for.
    expect(valid).toMatchObject({ code: 0, stdout: '', stderr: expect.stringMatching(/: all valid\n$/) });
    const dataDir = path.join(root, 'lean-up');
    const up = await sedna(lean, ['up', '--data-dir', dataDir]);
    expect(up).toMatchObject({ code: 1, stdout: '' });
    expect(up.stderr).toBe('sedna: sedna up needs the package @sedna-ts/up, which is not installed: npm install -g @sedna-ts/up (or `npm install @sedna-ts/up` in the project of @sedna-ts/cli)\n');
    expect(existsSync(dataDir)).toBe(false);
  });

  test("the SDK's main entry loads without its runtimes; /onnx and initTfjs name the package to install", async () => {
    const script = `
      const sdk = await import('@sedna-ts/worker-sdk');
      const caught = (p) => p.then(() => 'loaded', (e) => ({ code: e.code, message: e.message }));
      const onnx = await caught(import('@sedna-ts/worker-sdk/onnx'));
      const tfjs = await caught(import('@sedna-ts/worker-sdk/tfjs').then((m) => m.initTfjs()));
      console.log(JSON.stringify({ main: typeof sdk.IncrementalLearning, onnx, tfjs }));
    `;
    const r = await node(['--input-type=module', '-e', script], lean);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      main: 'function',
      onnx: {
        code: 'RUNTIME_UNAVAILABLE',
        message: `@sedna-ts/worker-sdk/onnx needs onnxruntime-node, an optional peer dependency of @sedna-ts/worker-sdk that is not installed: npm install onnxruntime-node@"${sdk.manifest.peerDependencies?.['onnxruntime-node']}" --onnxruntime-node-install=skip`,
      },
      tfjs: {
        code: 'RUNTIME_UNAVAILABLE',
        message: `initTfjs needs @tensorflow/tfjs, an optional peer dependency of @sedna-ts/worker-sdk that is not installed: npm install @tensorflow/tfjs@"${sdk.manifest.peerDependencies?.['@tensorflow/tfjs']}"`,
      },
    });
  });
});

describe('full: every package, and what a train script needs', () => {
  test('sedna version; sedna validate on the sample objects of the repository', async () => {
    const version = await sedna(full, ['version', '--client', '-o', 'json']);
    expect(version.code).toBe(0);
    const cli = packages.find((p) => p.name === '@sedna-ts/cli') as PublishedPackage;
    expect(JSON.parse(version.stdout)).toEqual({ clientVersion: { sednaVersion: cli.manifest.version, nodeVersion: process.version, platform: `${process.platform}/${process.arch}` } });
    const valid = await sedna(full, ['validate', '-f', path.join(REPO_ROOT, 'examples/objects')]);
    expect(valid).toMatchObject({ code: 0, stdout: '' });
    expect(valid.stderr).toMatch(/^\d+ objects in \d+ files: all valid\n$/);
  });

  test("the SDK's shipped train example in local mode: the model saved, the report one JSON line on stdout, exit 0", async () => {
    const examples = path.join(full, 'node_modules/@sedna-ts/worker-sdk/examples');
    const tsx = ['--import', 'tsx'];
    const data = path.join(root, 'scenes');
    const made = await node([...tsx, path.join(examples, 'dataset.ts'), data, '24'], full);
    expect(made).toMatchObject({ code: 0, stderr: '' });
    const model = path.join(root, 'model');
    // Neither WORKER_NAME nor LC_SERVER: not started by a controller.
    const train = await node([...tsx, path.join(examples, 'train.ts')], full, { TRAIN_DATASET_URL: path.join(data, 'index.txt'), MODEL_URL: model, epochs: '1' });
    expect([train.code, train.stderr.includes('REPORT_UNDELIVERABLE')]).toEqual([0, false]);
    const report = train.stdout
      .trim()
      .split('\n')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as { kind?: string; status?: string; results?: Array<{ format: string; url: string }> }];
        } catch {
          return [];
        }
      });
    expect(report).toHaveLength(1);
    expect(report[0]).toMatchObject({ kind: 'train', status: 'completed' });
    const files = (report[0]?.results ?? []).map((r) => [r.format, path.basename(r.url)]);
    expect(files).toEqual(expect.arrayContaining([['tfjs', 'model.json'], ['onnx', 'model.onnx']]));
    for (const r of report[0]?.results ?? []) expect([r.url, existsSync(r.url)]).toEqual([r.url, true]);
  });

  test('sedna up -d from the installed packages; a second sedna up is refused (exit 2) also when @sedna-ts/up has its own copy of the CLI', async () => {
    const dataDir = path.join(root, 'up');
    const started = await sedna(full, ['up', '-d', '--data-dir', dataDir, '--timeout', '3m']);
    try {
      expect(started).toMatchObject({ code: 0, stderr: '' });
      const nodes = await sedna(full, ['get', 'nodes', '--data-dir', dataDir, '-o', 'name']);
      expect(nodes).toMatchObject({ code: 0, stdout: 'node/edge-node\n' });
      // npm installs a missing peer dependency: @sedna-ts/up installed on its own gets a CLI of its own.
      await cp(path.join(full, 'node_modules/@sedna-ts/cli'), path.join(full, 'node_modules/@sedna-ts/up/node_modules/@sedna-ts/cli'), { recursive: true });
      const second = await sedna(full, ['up', '--data-dir', dataDir]);
      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(/^sedna: already running \(pid \d+\) on /);
    } finally {
      const down = await sedna(full, ['down', '--data-dir', dataDir]);
      expect(down.code).toBe(0);
    }
  });
});

describe('what the packages bring, and what they say', () => {
  test('every published package says the same engines.node, which this Node satisfies', () => {
    expect(packages.map((p) => [p.name, p.manifest.engines?.node])).toEqual(packages.map((p) => [p.name, declared]));
    expect(semver.satisfies(process.version, declared)).toBe(true);
  });

  test('engines.node is true for every package each of ours brings, on this Node and on every Node ours allow', () => {
    const problems = [lean, full].flatMap((dir) =>
      packages
        .filter((p) => existsSync(path.join(dir, 'node_modules', p.name)))
        .flatMap((p) => enginesProblems(dependencyClosure(dir, p.name), declared).map((line) => `${path.basename(dir)}: ${p.name} brings ${line}`)),
    );
    expect([...new Set(problems)]).toEqual([]);
  });

  test('the CLI brings no native part and no S3 SDK; the SDK brings none of its runtimes', () => {
    for (const name of ['@sedna-ts/cli', '@sedna-ts/worker-sdk']) {
      const heavy = dependencyClosure(lean, name).map((p) => p.manifest.name).filter((n) => HEAVY.test(n));
      expect([name, heavy]).toEqual([name, []]);
    }
  });

  test('each installed package carries LICENSE and NOTICE as the repository has them, its repository folder, homepage and public access', async () => {
    const license = await readFile(path.join(REPO_ROOT, 'LICENSE'), 'utf8');
    const notice = await readFile(path.join(REPO_ROOT, 'NOTICE'), 'utf8');
    expect(license).toContain('Apache License');
    for (const p of packages) {
      const dir = path.join(full, 'node_modules', p.name);
      expect([p.name, await readFile(path.join(dir, 'LICENSE'), 'utf8')]).toEqual([p.name, license]);
      expect([p.name, await readFile(path.join(dir, 'NOTICE'), 'utf8')]).toEqual([p.name, notice]);
      const m = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as PublishedPackage['manifest'];
      expect([p.name, m.repository?.directory, m.homepage?.startsWith('https://github.com/sedna-ts/sedna-ts'), m.publishConfig?.access]).toEqual([p.name, p.dir, true, 'public']);
    }
  });
});
