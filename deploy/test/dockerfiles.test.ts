/**
 * The Dockerfiles cannot be built here (no Docker engine), so they are read: every base image is
 * node:20-slim, every file a COPY takes from the context exists and is not excluded by .dockerignore,
 * every COPY --from finds what an earlier stage made, the entry point is a file the build produces, and
 * the npm installs cover the workspace packages the image runs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { DEFAULT_STORAGE_INITIALIZER_IMAGE } from '@sedna-ts/controller';
import { STORAGE_INITIALIZER_IMAGE } from '@sedna-ts/storage-initializer/contract';
import { copies, parseDockerfile, provenance, type Dockerfile, type Provenance, type Stage } from '../src/dockerfile.js';
import { IMAGES } from '../src/images.js';
import { loadKustomization } from '../src/manifests.js';
import { buildContext, DEPLOY_DIR, dependencyClosure, REPO_ROOT, workspacePackages } from '../src/repo.js';

const context = buildContext();
const packages = workspacePackages();
const read = (file: string): Dockerfile => parseDockerfile(`deploy/docker/${file}`, readFileSync(path.join(DEPLOY_DIR, 'docker', file), 'utf8'));
const final = (df: Dockerfile): Stage => df.stages.at(-1) as Stage;

/** Whether a provenance ends in something that exists: a context file, a folder, or a build output present after `nx build`. */
function exists(p: Provenance): boolean {
  if (p.kind === 'context' || p.kind === 'folder') return true;
  if (p.kind === 'missing') return false;
  if (p.claim.what === 'install') return true;
  const dir = context.packageDirs[p.claim.workspacePackage] as string;
  return existsSync(path.join(REPO_ROOT, dir, 'dist', p.claim.rest));
}

test('deploy/docker holds exactly the images the deploy package knows', () => {
  expect(readdirSync(path.join(DEPLOY_DIR, 'docker')).sort()).toEqual(IMAGES.map((i) => i.dockerfile).sort());
});

test('.dockerignore keeps host builds and dependencies out of the context', () => {
  for (const p of ['node_modules/ws/index.js', 'packages/controller/node_modules/x', 'packages/controller/dist/bin.js', '.git/HEAD']) expect([p, context.ignored(p)]).toEqual([p, true]);
  for (const p of ['package.json', 'package-lock.json', 'packages/controller/src/index.ts', 'packages/controller/bin/sedna-gm.js']) expect([p, context.ignored(p)]).toEqual([p, false]);
});

describe.each(IMAGES.map((i) => [i.dockerfile, i] as const))('%s', (file, spec) => {
  const df = read(file);
  const pkgDir = context.packageDirs[spec.workspacePackage] as string;

  test(`says how to build it: docker build -f deploy/docker/${file} -t ${spec.image} .`, () => {
    expect(readFileSync(path.join(DEPLOY_DIR, 'docker', file), 'utf8')).toContain(`docker build -f deploy/docker/${file} -t ${spec.image} .`);
  });

  test('every stage starts from node:20-slim or an earlier stage', () => {
    expect(df.stages.length).toBeGreaterThan(1);
    df.stages.forEach((stage, i) => {
      const earlier = df.stages.slice(0, i).map((s) => s.name);
      expect([stage.base, stage.base === 'node:20-slim' || earlier.includes(stage.base)]).toEqual([stage.base, true]);
    });
    expect(final(df).base).toBe('node:20-slim');
  });

  test('every file or folder copied from the context exists and is not excluded by .dockerignore', () => {
    for (const stage of df.stages) {
      for (const e of copies(stage, (from, source) => from === 'context' && context.isFolder(source)).filter((x) => x.from === 'context')) {
        const where = `${df.file}:${e.instruction.line} ${e.source}`;
        expect([where, context.provides(e.source)]).toEqual([where, true]);
        // A package folder brings its sources and build configuration.
        if (e.folder && existsSync(path.join(REPO_ROOT, e.source, 'package.json'))) {
          for (const needed of ['package.json', 'src', 'tsup.config.ts']) {
            const rel = `${e.source}/${needed}`;
            if (existsSync(path.join(REPO_ROOT, rel))) expect([rel, context.provides(rel)]).toEqual([rel, true]);
          }
        }
      }
    }
  });

  test('every COPY --from takes what an earlier stage made', () => {
    for (const stage of df.stages) {
      for (const e of copies(stage, () => false).filter((x) => x.from !== 'context')) {
        const source = df.stages.find((s) => s.name === e.from && s.index < stage.index);
        expect([e.from, source !== undefined]).toEqual([e.from, true]);
        const found = provenance(df, source as Stage, e.source, context);
        expect([`${df.file}:${e.instruction.line} ${e.source}`, found.kind !== 'missing' && exists(found)]).toEqual([`${df.file}:${e.instruction.line} ${e.source}`, true]);
      }
    }
  });

  test("the entry point runs node on a file the build produces (the package's bin launcher or dist)", () => {
    const entrypoints = final(df).instructions.filter((i) => i.keyword === 'ENTRYPOINT');
    expect(entrypoints).toHaveLength(1);
    const [entry] = entrypoints as [Stage['instructions'][number]];
    expect(entry.json).toBe(true);
    expect(entry.args[0]).toBe('node');
    if (spec.workspacePackage === '@sedna-ts/worker-sdk') {
      // node --import tsx <args[0] of the pod>: tsx is made a dependency of the image, and the SDK
      // resolves from the working directory the worker scripts go to.
      expect(entry.args).toEqual(['node', '--import', 'tsx']);
      const installs = df.stages.flatMap((s) => s.instructions).filter((i) => i.keyword === 'RUN' && /dependencies\.tsx=/.test(i.text));
      expect(installs).toHaveLength(1);
      // The SDK's optional peer dependencies (the runtimes worker scripts load) are made dependencies of
      // the image too: the production install would leave them out.
      const sdkManifest = JSON.parse(readFileSync(path.join(REPO_ROOT, pkgDir, 'package.json'), 'utf8')) as { peerDependencies?: Record<string, string> };
      const peers = Object.keys(sdkManifest.peerDependencies ?? {});
      expect(peers.length).toBeGreaterThan(0);
      for (const peer of peers) expect([peer, installs[0]?.text.includes(peer)]).toEqual([peer, true]);
      const workdir = final(df).instructions.filter((i) => i.keyword === 'WORKDIR').at(-1)?.workdir as string;
      const sdk = provenance(df, final(df), path.posix.join(path.posix.dirname(workdir), 'node_modules/@sedna-ts/worker-sdk'), context);
      expect(sdk).toMatchObject({ kind: 'run', claim: { what: 'install' } });
      expect(exists(provenance(df, final(df), `/app/${pkgDir}/dist/index.js`, context))).toBe(true);
      return;
    }
    const script = entry.args[1] as string;
    const found = provenance(df, final(df), script, context);
    expect([script, found.kind !== 'missing' && exists(found)]).toEqual([script, true]);
    expect(script.startsWith(`/app/${pkgDir}/`)).toBe(true);
    // A bin launcher imports the built dist/bin.js, which the image must carry too.
    if (found.kind === 'context') {
      const launcher = readFileSync(path.join(REPO_ROOT, found.path), 'utf8');
      const target = /import\('(\.\.\/dist\/[^']+)'\)/.exec(launcher)?.[1];
      expect(target).toBeDefined();
      const built = path.posix.join(path.posix.dirname(script), target as string);
      expect(exists(provenance(df, final(df), built, context))).toBe(true);
    }
  });

  test('the npm installs cover the workspace packages the image runs, with their package.json copied first', () => {
    // The packages the program imports, transitively: the build compiles them (their types, for the
    // d.ts) and the image runs them. Private workspace devDependencies (@sedna-ts/internal) are bundled
    // by the build: installed and copied for it, not for the image. Other workspace devDependencies are
    // the packages' tests' (the embedded API server for the GM's): neither built nor installed.
    const runtime = dependencyClosure(packages, spec.workspacePackage, 'runtime');
    const build = dependencyClosure(packages, spec.workspacePackage, 'build');
    for (const stage of df.stages) {
      for (const [i, ins] of stage.instructions.entries()) {
        if (ins.keyword !== 'RUN' || !/npm install/.test(ins.text)) continue;
        const named = [...ins.text.matchAll(/-w\s+(\S+)/g)].map((m) => m[1] as string);
        const production = /--omit=dev/.test(ins.text);
        // The production install names the image's package (npm follows its workspace dependencies);
        // the build install names every workspace package the build compiles.
        expect(named).toContain(spec.workspacePackage);
        if (!production) expect([...named].sort()).toEqual(expect.arrayContaining([...build].sort()));
        const copied = copies({ ...stage, instructions: stage.instructions.slice(0, i) }, () => false).map((e) => e.source);
        for (const pkg of production ? runtime : build) expect([pkg, copied.includes(`${context.packageDirs[pkg]}/package.json`)]).toEqual([pkg, true]);
        // The build stage then copies each one's sources before building.
        if (!production) {
          const later = copies({ ...stage, instructions: stage.instructions.slice(i + 1) }, () => true).map((e) => e.source);
          for (const pkg of build) expect([pkg, later.includes(context.packageDirs[pkg] as string)]).toEqual([pkg, true]);
        }
        expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
      }
    }
  });
});

test('the manifests use only these images, and the GM names the storage initializer the one its code and the node agent know', () => {
  const { objects } = loadKustomization(DEPLOY_DIR);
  const images = objects.flatMap(({ object }) => {
    const spec = (object as { spec?: { template?: { spec?: { containers?: { image: string }[]; initContainers?: { image: string }[] } } } }).spec?.template?.spec;
    return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].map((c) => c.image);
  });
  expect(images.length).toBeGreaterThan(0);
  for (const image of images) expect(IMAGES.map((i) => i.image)).toContain(image);
  const initializer = IMAGES.find((i) => i.workspacePackage === '@sedna-ts/storage-initializer')?.image;
  expect(initializer).toBe(STORAGE_INITIALIZER_IMAGE);
  expect(initializer).toBe(DEFAULT_STORAGE_INITIALIZER_IMAGE);
  const gm = objects.find((o) => o.object.kind === 'Deployment')?.object as unknown as { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } };
  expect(gm.spec.template.spec.containers[0]?.env.find((e) => e.name === 'SEDNA_GM_STORAGE_INITIALIZER_IMAGE')?.value).toBe(initializer);
});

describe('the Dockerfile reading can fail (so the tests above can)', () => {
  const broken = parseDockerfile(
    'broken.Dockerfile',
    [
      'FROM node:20-slim AS build',
      'WORKDIR /src',
      'COPY packages/controller/ packages/controller/',
      'RUN npx nx run-many -t build -p @sedna-ts/controller',
      'FROM node:20-slim',
      'WORKDIR /app',
      'COPY --from=build /src/packages/controller/dist packages/controller/dist',
      'COPY packages/no-such-package/bin packages/no-such-package/bin',
      'ENTRYPOINT ["node", "/app/packages/no-such-package/bin/x.js"]',
    ].join('\n'),
  );

  test('a file no COPY brings and no RUN makes is missing; one that a build makes but that is not built is not there', () => {
    expect(provenance(broken, final(broken), '/app/packages/no-such-package/bin/x.js', context).kind).toBe('missing');
    const notBuilt = provenance(broken, final(broken), '/app/packages/controller/dist/no-such-file.js', context);
    expect(notBuilt).toMatchObject({ kind: 'run', claim: { what: 'build', workspacePackage: '@sedna-ts/controller', rest: 'no-such-file.js' } });
    expect(exists(notBuilt)).toBe(false);
    // A host build in the context is not what the image gets: dist is excluded, the RUN provides it.
    expect(provenance(broken, broken.stages[0] as Stage, '/src/packages/controller/dist/bin.js', context)).toMatchObject({ kind: 'run' });
  });
});
