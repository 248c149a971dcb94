/**
 * Rehearses the builds of deploy/docker without a Docker engine: each stage of a Dockerfile gets a
 * folder standing for its root file system; WORKDIR, ENV, COPY (from the build context, .dockerignore
 * applied, or from an earlier stage) and RUN (run by `sh` in the stage's working directory with the
 * stage's environment) are carried out in it, with this machine's Node 20 and npm standing in for
 * node:20-slim's. Then the final stage's entry point is run with a smoke argument, its absolute paths
 * mapped into the stage's folder. RUN steps install from the npm registry (the npm cache helps), so
 * this takes minutes and never runs in the tests:
 *
 *   npx tsx deploy/scripts/rehearse-images.ts [gm|lc|storage-initializer|worker ...]
 *
 * What it cannot show: anything of the real base image beyond Node and npm (its libc, users), and
 * Docker's own handling of COPY edge cases (ownership, symlinks), which the RUN steps here do not use.
 * `npm cache clean --force` is skipped: here it would empty this machine's shared npm cache.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { copies, parseDockerfile, stageNamed, type Stage } from '../src/dockerfile.js';
import { IMAGES } from '../src/images.js';
import { buildContext, DEPLOY_DIR, REPO_ROOT } from '../src/repo.js';

const context = buildContext();

/** Copies a context path into `target`, leaving out what .dockerignore excludes. */
function copyFromContext(rel: string, target: string): void {
  const from = path.join(REPO_ROOT, rel);
  if (statSync(from).isDirectory()) {
    mkdirSync(target, { recursive: true });
    for (const entry of readdirSync(from)) {
      const child = rel === '.' ? entry : `${rel}/${entry}`;
      if (!context.ignored(child)) copyFromContext(child, path.join(target, entry));
    }
    return;
  }
  mkdirSync(path.dirname(target), { recursive: true });
  cpSync(from, target);
}

function du(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += du(p);
    else if (entry.isFile()) total += statSync(p).size;
  }
  return total;
}

function rehearse(image: (typeof IMAGES)[number], work: string): { ok: boolean; seconds: number; megabytes: number; output: string } {
  const started = Date.now();
  const df = parseDockerfile(image.dockerfile, readFileSync(path.join(DEPLOY_DIR, 'docker', image.dockerfile), 'utf8'));
  const roots = new Map<Stage, string>();
  const inRoot = (stage: Stage, p: string) => path.join(roots.get(stage) as string, p);
  let last: Stage | undefined;
  for (const stage of df.stages) {
    const root = path.join(work, image.dockerfile, stage.name ?? String(stage.index));
    mkdirSync(root, { recursive: true });
    roots.set(stage, root);
    const env: Record<string, string> = { ...process.env } as Record<string, string>;
    const entries = copies(stage, (from, source) => (from === 'context' ? context.isFolder(source) : statSync(inRoot(stageNamed(df, from, stage.index) as Stage, source)).isDirectory()));
    for (const ins of stage.instructions) {
      const where = `${image.dockerfile}:${ins.line} ${ins.keyword}`;
      if (ins.keyword === 'WORKDIR') mkdirSync(inRoot(stage, ins.workdir), { recursive: true });
      else if (ins.keyword === 'ENV') {
        for (const pair of ins.args) {
          const eq = pair.indexOf('=');
          if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
        }
      } else if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
        for (const e of entries.filter((x) => x.instruction === ins)) {
          const target = inRoot(stage, e.target);
          if (e.from === 'context') copyFromContext(e.source, target);
          else {
            const from = stageNamed(df, e.from, stage.index) as Stage;
            mkdirSync(path.dirname(target), { recursive: true });
            cpSync(inRoot(from, e.source), target, { recursive: true, verbatimSymlinks: true });
          }
        }
      } else if (ins.keyword === 'RUN') {
        process.stdout.write(`  ${where}: ${ins.text.slice(0, 100)}${ins.text.length > 100 ? '...' : ''}\n`);
        // `npm cache clean` would empty this machine's npm cache, which other work shares: skipped.
        const command = ins.text.replaceAll('npm cache clean --force', 'true');
        const run = spawnSync('sh', ['-c', command], { cwd: inRoot(stage, ins.workdir), env, encoding: 'utf8' });
        if (run.status !== 0) return { ok: false, seconds: (Date.now() - started) / 1000, megabytes: 0, output: `${where} failed (${run.status}):\n${run.stdout}\n${run.stderr}` };
      }
    }
    last = stage;
  }
  const final = last as Stage;
  const entry = final.instructions.filter((i) => i.keyword === 'ENTRYPOINT').at(-1);
  const workdir = final.instructions.filter((i) => i.keyword === 'WORKDIR').at(-1)?.workdir ?? '/';
  let args = (entry?.args ?? []).map((a, i) => (i > 0 && a.startsWith('/') ? inRoot(final, a) : a));
  if (image.workspacePackage === '@sedna-ts/worker-sdk') {
    // A worker script as a user adds it: the SDK and its heavy parts load from the image.
    writeFileSync(
      inRoot(final, path.posix.join(workdir, 'rehearse-check.ts')),
      [
        "import { BaseConfig } from '@sedna-ts/worker-sdk';",
        "import { OnnxEstimator } from '@sedna-ts/worker-sdk/onnx';",
        "import { initTfjs } from '@sedna-ts/worker-sdk/tfjs';",
        "import sharp from 'sharp';",
        'const runtime: unknown = await initTfjs();',
        "const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } }).png().toBuffer();",
        "console.log(`worker image ok: ${typeof BaseConfig}, ${typeof OnnxEstimator}, tfjs ${typeof runtime}, png ${png.length} bytes`);",
      ].join('\n'),
    );
    args = [...args, 'rehearse-check.ts'];
  } else args = [...args, image.workspacePackage === '@sedna-ts/controller' ? '--version' : '--help'];
  const smoke = spawnSync(args[0] as string, args.slice(1), { cwd: inRoot(final, workdir), encoding: 'utf8', env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' } });
  return {
    ok: smoke.status === 0,
    seconds: (Date.now() - started) / 1000,
    megabytes: Math.round(du(roots.get(final) as string) / 1024 / 1024),
    output: `${args.join(' ').replaceAll(roots.get(final) as string, '')}\n${(smoke.stdout + smoke.stderr).trim().split('\n').slice(0, 3).join('\n')}`,
  };
}

const wanted = process.argv.slice(2);
const images = IMAGES.filter((i) => wanted.length === 0 || wanted.some((w) => i.dockerfile.startsWith(`${w}.`)));
const work = mkdtempSync(path.join(tmpdir(), 'sedna-rehearse-'));
let failed = 0;
try {
  for (const image of images) {
    process.stdout.write(`${image.image} (deploy/docker/${image.dockerfile})\n`);
    const result = rehearse(image, work);
    process.stdout.write(`  ${result.ok ? 'ok' : 'FAILED'} in ${result.seconds.toFixed(0)} s, final stage ${result.megabytes} MiB (without the base image)\n  ${result.output.replaceAll('\n', '\n  ')}\n`);
    if (!result.ok) failed++;
  }
} finally {
  if (existsSync(work)) rmSync(work, { recursive: true, force: true });
}
process.exit(failed > 0 ? 1 : 0);
