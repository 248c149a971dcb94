/**
 * The repository as the image builds and the deploy tests see it: the workspace packages and their
 * folders, their workspace dependencies, and the build context the root .dockerignore leaves.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ContextView } from './dockerfile.js';

/** The repository root (this package is `<root>/deploy`). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The deploy folder. */
export const DEPLOY_DIR = path.join(REPO_ROOT, 'deploy');

interface PackageJson {
  name?: string;
  private?: boolean;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

function readJson(file: string): PackageJson {
  return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
}

/** One workspace package. */
export interface WorkspacePackage {
  name: string;
  /** Folder relative to the root, `packages/controller`. */
  dir: string;
  /** Workspace packages it depends on at run time (`dependencies`). */
  runtime: string[];
  /**
   * Workspace packages its build needs: `runtime` and the private ones among its `devDependencies`,
   * which are never published, so a package that lists one bundles it (@sedna-ts/internal).
   */
  build: string[];
  /** Workspace packages it depends on at all (what nx builds first). */
  all: string[];
}

/** The workspace packages of the root package.json (`packages/*`, `deploy`, ...). */
export function workspacePackages(root = REPO_ROOT): Map<string, WorkspacePackage> {
  const globs = readJson(path.join(root, 'package.json')).workspaces ?? [];
  const dirs: string[] = [];
  for (const glob of globs) {
    if (glob.endsWith('/*')) {
      const parent = glob.slice(0, -2);
      if (!existsSync(path.join(root, parent))) continue;
      for (const d of readdirSync(path.join(root, parent))) dirs.push(`${parent}/${d}`);
    } else dirs.push(glob);
  }
  const found = dirs.filter((d) => existsSync(path.join(root, d, 'package.json'))).map((d) => ({ dir: d, json: readJson(path.join(root, d, 'package.json')) }));
  const names = new Set(found.map((f) => f.json.name ?? ''));
  const privates = new Set(found.filter((f) => f.json.private === true).map((f) => f.json.name ?? ''));
  const out = new Map<string, WorkspacePackage>();
  for (const { dir, json } of found) {
    const pick = (deps: Record<string, string> | undefined) => Object.keys(deps ?? {}).filter((d) => names.has(d));
    out.set(json.name ?? dir, {
      name: json.name ?? dir,
      dir,
      runtime: pick(json.dependencies),
      build: [...pick(json.dependencies), ...pick(json.devDependencies).filter((d) => privates.has(d))],
      all: [...new Set([...pick(json.dependencies), ...pick(json.devDependencies), ...pick(json.peerDependencies)])],
    });
  }
  return out;
}

/** A package and the workspace packages it reaches through `key` dependencies, transitively. */
export function dependencyClosure(packages: Map<string, WorkspacePackage>, name: string, key: 'runtime' | 'build' | 'all'): string[] {
  const seen = new Set<string>();
  const visit = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const d of packages.get(n)?.[key] ?? []) visit(d);
  };
  visit(name);
  return [...seen];
}

interface DockerIgnore {
  add(patterns: string): DockerIgnore;
  ignores(path: string): boolean;
}
// A CommonJS module (module.exports is the factory) whose types declare an ES default export.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as (options?: { ignorecase?: boolean }) => DockerIgnore;

/** The build context of the images: the repository less what the root .dockerignore excludes. */
export function buildContext(root = REPO_ROOT): ContextView & { ignored(relativePath: string): boolean } {
  const ignoreFile = path.join(root, '.dockerignore');
  const ig = dockerignore({ ignorecase: false }).add(existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8') : '');
  const packages = workspacePackages(root);
  const exists = (rel: string) => existsSync(path.join(root, rel));
  return {
    ignored: (rel) => ig.ignores(rel),
    provides: (rel) => exists(rel) && !ig.ignores(rel),
    isFolder: (rel) => exists(rel) && statSync(path.join(root, rel)).isDirectory(),
    packageDirs: Object.fromEntries([...packages.values()].map((p) => [p.name, p.dir])),
    closure: (pkg) => dependencyClosure(packages, pkg, 'all'),
  };
}
