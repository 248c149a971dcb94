/**
 * The published packages as a user gets them: packed with `npm pack` from their built folders,
 * installed from the tarballs into an empty folder with nothing but the npm registry (through the local
 * npm cache first: `--prefer-offline`), and the installed tree read back: which packages a package's
 * dependencies bring, and whether every one of them runs on the Node versions ours say they run on.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

/** The repository root (this file is `<root>/tools/src/packaging.ts`). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** What this file reads of a package.json. */
export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  optionalDependencies?: Record<string, string>;
  files?: string[];
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  publishConfig?: { access?: string };
  bin?: Record<string, string>;
}

function readManifest(file: string): Manifest {
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
}

/** One package of `packages/` that is published (not private). */
export interface PublishedPackage {
  name: string;
  /** Its folder relative to the root, `packages/cli`. */
  dir: string;
  manifest: Manifest;
}

/** The published packages, by name. */
export function publishedPackages(root = REPO_ROOT): PublishedPackage[] {
  return readdirSync(path.join(root, 'packages'))
    .filter((d) => existsSync(path.join(root, 'packages', d, 'package.json')))
    .map((d) => ({ dir: `packages/${d}`, manifest: readManifest(path.join(root, 'packages', d, 'package.json')) }))
    .filter((p) => p.manifest.private !== true)
    .map((p) => ({ name: p.manifest.name, ...p }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The result of one command. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command args` in `cwd` to its end, with `env` (default: this process's, without
 * ONNXRUNTIME_NODE_INSTALL, so nothing an install needs can come from it); kills it after `timeoutMs`.
 */
export function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Run> {
  const env = options.env ?? withoutInstallSettings(process.env);
  return new Promise((resolve) => {
    execFile(command, args, { cwd: options.cwd, env, timeout: options.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `env` without the settings that would make an install pass only because they were set by hand. */
export function withoutInstallSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const key of Object.keys(out)) {
    if (/^(ONNXRUNTIME_NODE_INSTALL|npm_config_onnxruntime_node_install)/i.test(key)) delete out[key];
  }
  return out;
}

function describeRun(what: string, r: Run): string {
  return `${what} exited ${r.code}\n${r.stderr.slice(-4000)}`;
}

/**
 * Packs `packages` (built) into `dest` with one `npm pack`; resolves to each package's tarball path.
 *
 * @throws Error naming the packages when npm pack fails.
 */
export async function packAll(packages: readonly PublishedPackage[], dest: string, root = REPO_ROOT): Promise<Map<string, string>> {
  await mkdir(dest, { recursive: true });
  const args = ['pack', '--json', '--pack-destination', dest, ...packages.flatMap((p) => ['-w', p.dir])];
  const r = await run('npm', args, { cwd: root });
  if (r.code !== 0) throw new Error(describeRun(`npm pack of ${packages.map((p) => p.name).join(', ')}`, r));
  const packed = JSON.parse(r.stdout) as Array<{ name: string; filename: string }>;
  return new Map(packed.map((p) => [p.name, path.join(dest, p.filename)]));
}

/**
 * Installs `specs` (tarball paths, `name@range`) into the new folder `dir` as a user would (a
 * package.json of its own, the npm registry through the local cache), without install settings.
 * Resolves to how long it took.
 *
 * @throws Error with npm's output when the install fails.
 */
export async function installInto(dir: string, specs: readonly string[], timeoutMs = 300_000): Promise<number> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), `${JSON.stringify({ name: path.basename(dir), version: '1.0.0', private: true }, null, 2)}\n`);
  const started = Date.now();
  const r = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...specs], { cwd: dir, timeoutMs });
  if (r.code !== 0) throw new Error(describeRun(`npm install in ${dir}`, r));
  return Date.now() - started;
}

/** A package found in an installed tree. */
export interface InstalledPackage {
  /** Its folder. */
  dir: string;
  manifest: Manifest;
}

/** Every package under `nodeModules` (nested node_modules too). */
export function installedPackages(nodeModules: string): InstalledPackage[] {
  const out: InstalledPackage[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      const full = path.join(dir, entry);
      if (entry.startsWith('@')) {
        walk(full);
        continue;
      }
      const file = path.join(full, 'package.json');
      if (!existsSync(file)) continue;
      out.push({ dir: full, manifest: readManifest(file) });
      walk(path.join(full, 'node_modules'));
    }
  };
  walk(nodeModules);
  return out;
}

/** The folder `name` resolves to from a package in `fromDir`, as Node looks it up (node_modules upwards). */
function resolvePackage(fromDir: string, name: string, top: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === top || dir === path.dirname(dir)) return undefined;
  }
}

/**
 * The packages `name` brings when installed in `top` (a folder with node_modules): its dependencies,
 * optional dependencies and the peer dependencies installed beside it, and theirs, as resolved there.
 * The package itself included.
 */
export function dependencyClosure(top: string, name: string): InstalledPackage[] {
  const start = resolvePackage(top, name, top);
  if (!start) throw new Error(`${name} is not installed in ${top}`);
  const seen = new Map<string, InstalledPackage>();
  const queue = [start];
  while (queue.length > 0) {
    const dir = queue.pop() as string;
    if (seen.has(dir)) continue;
    const manifest = readManifest(path.join(dir, 'package.json'));
    seen.set(dir, { dir, manifest });
    const wanted = { ...manifest.dependencies, ...manifest.optionalDependencies, ...manifest.peerDependencies };
    for (const dep of Object.keys(wanted)) {
      const found = resolvePackage(dir, dep, top);
      // An optional dependency or peer that is not installed (another platform's, a runtime not chosen).
      if (found) queue.push(found);
    }
  }
  return [...seen.values()];
}

/**
 * Where `engines.node` is not true: for each package of `closure`, its own range must hold on `node`
 * (this Node) and on every version `declared` (what our packages' engines say) allows. One line per
 * problem, `name@version engines.node "range": ...`.
 */
export function enginesProblems(closure: readonly InstalledPackage[], declared: string, node = process.version): string[] {
  const problems: string[] = [];
  for (const { manifest } of closure) {
    const range = manifest.engines?.node;
    if (range === undefined) continue;
    const id = `${manifest.name}@${manifest.version} engines.node ${JSON.stringify(range)}`;
    if (!semver.validRange(range)) problems.push(`${id}: not a range`);
    else if (!semver.satisfies(node, range)) problems.push(`${id}: not satisfied by this Node ${node}`);
    else if (!semver.subset(declared, range)) problems.push(`${id}: not satisfied by every Node our engines allow (${declared})`);
  }
  return problems;
}

/** The size of a folder on disk, in bytes (`du -sk`). */
export async function diskUsage(dir: string): Promise<number> {
  const r = await run('du', ['-sk', dir], { cwd: dir });
  if (r.code !== 0) throw new Error(describeRun(`du -sk ${dir}`, r));
  return Number(r.stdout.split('\t')[0]) * 1024;
}

/** The tarballs `name` needs to be installed alone: its own and those of the published packages it depends on. */
export function tarballsFor(name: string, packages: readonly PublishedPackage[], tarballs: ReadonlyMap<string, string>): string[] {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const out = new Set<string>();
  const visit = (n: string) => {
    const p = byName.get(n);
    const tarball = tarballs.get(n);
    if (!p || !tarball || out.has(tarball)) return;
    out.add(tarball);
    const m = p.manifest;
    // Required peers are installed by npm; optional ones are the user's choice.
    const peers = Object.keys(m.peerDependencies ?? {}).filter((d) => m.peerDependenciesMeta?.[d]?.optional !== true);
    for (const d of [...Object.keys(m.dependencies ?? {}), ...peers]) visit(d);
  };
  visit(name);
  return [...out];
}
