/**
 * What the images' Dockerfiles do, read without a Docker engine: dockerfile-ast parses them (line
 * continuations, JSON and shell forms, flags), and `provenance` follows a path of the final image back
 * through the stages to where it comes from: a file of the build context, or a RUN that makes it (an
 * `nx build` of a workspace package, an `npm install`).
 */
import path from 'node:path';
import dockerfileAst from 'dockerfile-ast';

const { DockerfileParser } = dockerfileAst;

/** One instruction of a stage. */
export interface Instruction {
  keyword: string;
  /** 1-based line of the instruction. */
  line: number;
  /** Arguments without flags (JSON strings for the JSON form). */
  args: string[];
  /** Whether the arguments were written in JSON (exec) form. */
  json: boolean;
  /** Flags by name (`from` of `COPY --from=build`). */
  flags: Record<string, string>;
  /** The arguments as written (a RUN's command line, continuations joined). */
  text: string;
  /** The working directory the instruction runs in. */
  workdir: string;
}

/** One stage: `FROM <base> [AS <name>]` and its instructions. */
export interface Stage {
  index: number;
  name: string | undefined;
  base: string;
  instructions: Instruction[];
}

/** A parsed Dockerfile. */
export interface Dockerfile {
  file: string;
  stages: Stage[];
}

/** One file or folder a COPY puts into a stage. */
export interface CopyEntry {
  instruction: Instruction;
  /** `context` or the stage it copies from. */
  from: string;
  /** Path in the context (relative) or in the source stage (absolute). */
  source: string;
  /** Absolute path it lands at. */
  target: string;
  /** Whether the source is a folder whose contents land at `target`. */
  folder: boolean;
}

/** Where a path of a stage comes from. */
export type Provenance =
  | { kind: 'context'; path: string }
  | { kind: 'run'; stage: string; instruction: Instruction; claim: RunClaim }
  | { kind: 'folder'; stage: string }
  | { kind: 'missing'; why: string };

/** What a RUN is taken to produce. */
export type RunClaim = { what: 'build'; workspacePackage: string; rest: string } | { what: 'install'; rest: string };

/**
 * Parses a Dockerfile into stages.
 *
 * @throws Error naming the file and line of an instruction before the first FROM.
 */
export function parseDockerfile(file: string, text: string): Dockerfile {
  const ast = DockerfileParser.parse(text);
  const stages: Stage[] = [];
  let workdir = '/';
  for (const ins of ast.getInstructions()) {
    const keyword = ins.getKeyword().toUpperCase();
    const line = ins.getRange().start.line + 1;
    if (keyword === 'FROM') {
      const from = ins as unknown as { getImage(): string | null; getBuildStage(): string | null };
      stages.push({ index: stages.length, name: from.getBuildStage() ?? undefined, base: from.getImage() ?? '', instructions: [] });
      workdir = '/';
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) {
      if (keyword === 'ARG') continue;
      throw new Error(`${file}:${line}: ${keyword} before the first FROM`);
    }
    const flags: Record<string, string> = {};
    const withFlags = ins as unknown as { getFlags?: () => { getName(): string; getValue(): string | null }[] };
    for (const f of withFlags.getFlags?.() ?? []) flags[f.getName()] = f.getValue() ?? '';
    const jsonStrings = (ins as unknown as { getJSONStrings?: () => { getJSONValue(): string }[] }).getJSONStrings?.() ?? [];
    const json = jsonStrings.length > 0;
    const args = json ? jsonStrings.map((s) => s.getJSONValue()) : ins.getArguments().map((a) => a.getValue());
    const instruction: Instruction = { keyword, line, args, json, flags, text: ins.getArgumentsContent() ?? '', workdir };
    if (keyword === 'WORKDIR') workdir = path.posix.resolve(workdir, args[0] ?? '/');
    instruction.workdir = keyword === 'WORKDIR' ? workdir : instruction.workdir;
    stage.instructions.push(instruction);
  }
  return { file, stages };
}

/** The stage a `--from` names (a stage name or index), or undefined for an image. */
export function stageNamed(df: Dockerfile, ref: string, before: number): Stage | undefined {
  const byIndex = /^\d+$/.test(ref) ? df.stages[Number(ref)] : undefined;
  const stage = byIndex ?? df.stages.find((s) => s.name === ref);
  return stage && stage.index < before ? stage : undefined;
}

/** Every file or folder the COPY and ADD instructions of a stage put into it, in order. */
export function copies(stage: Stage, sourceIsFolder: (from: string, source: string) => boolean): CopyEntry[] {
  const out: CopyEntry[] = [];
  for (const ins of stage.instructions) {
    if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
    const sources = ins.args.slice(0, -1);
    const dest = ins.args.at(-1) as string;
    const destAbs = path.posix.resolve(ins.workdir, dest);
    const destIsFolder = dest.endsWith('/') || sources.length > 1;
    const from = ins.flags.from ?? 'context';
    for (const raw of sources) {
      const source = from === 'context' ? path.posix.normalize(raw).replace(/\/$/, '') : path.posix.resolve('/', raw);
      const folder = sourceIsFolder(from, source);
      const target = folder || !destIsFolder ? destAbs : path.posix.join(destAbs, path.posix.basename(source));
      out.push({ instruction: ins, from, source, target, folder });
    }
  }
  return out;
}

/** What a RUN produces under `target`, if it is an nx build or an npm install this model knows. */
export function runClaim(ins: Instruction, target: string, packageDirs: Record<string, string>, closure: (pkg: string) => string[]): RunClaim | undefined {
  const rel = path.posix.relative(ins.workdir, target);
  if (rel.startsWith('..')) return undefined;
  const built = [...ins.text.matchAll(/nx\s+run-many\s+(?:-t|--targets?)\s+build\s+(?:-p|--projects?)\s+(\S+)/g), ...ins.text.matchAll(/nx\s+run\s+([^\s:]+):build/g)].flatMap((m) =>
    (m[1] as string).split(','),
  );
  for (const project of built) {
    for (const pkg of closure(project)) {
      const dir = packageDirs[pkg];
      if (dir === undefined) continue;
      const distPrefix = `${dir}/dist`;
      if (rel === distPrefix || rel.startsWith(`${distPrefix}/`)) return { what: 'build', workspacePackage: pkg, rest: rel.slice(distPrefix.length + 1) };
    }
  }
  if (/\bnpm\s+(install|ci)\b/.test(ins.text) && (/^node_modules(\/|$)/.test(rel) || /^[^/]+\/[^/]+\/node_modules(\/|$)/.test(rel))) return { what: 'install', rest: rel };
  return undefined;
}

/** How `provenance` sees the repository. */
export interface ContextView {
  /** Whether a context path (relative) exists and is sent to the build (not in .dockerignore). */
  provides(relativePath: string): boolean;
  /** Whether a context path is a folder. */
  isFolder(relativePath: string): boolean;
  /** Workspace package name to its folder (`@sedna-ts/controller` -> `packages/controller`). */
  packageDirs: Record<string, string>;
  /** A workspace package and the workspace packages it depends on, transitively. */
  closure(pkg: string): string[];
}

/**
 * Where `target` (an absolute path) of `stage` comes from: the latest instruction that puts it there
 * wins, as in the image's layers. A COPY from the context provides it when the context has the file;
 * a COPY from another stage hands the question to that stage; a RUN provides what `runClaim` says it
 * makes. Folders of a stage are there when an instruction puts something under them.
 */
export function provenance(df: Dockerfile, stage: Stage, target: string, view: ContextView): Provenance {
  const isFolder = (from: string, source: string): boolean => (from === 'context' ? view.isFolder(source) : !path.posix.extname(source));
  const entries = copies(stage, isFolder);
  for (let i = stage.instructions.length - 1; i >= 0; i--) {
    const ins = stage.instructions[i] as Instruction;
    if (ins.keyword === 'RUN') {
      const claim = runClaim(ins, target, view.packageDirs, (p) => view.closure(p));
      if (claim) return { kind: 'run', stage: stage.name ?? String(stage.index), instruction: ins, claim };
      continue;
    }
    for (const e of entries.filter((x) => x.instruction === ins).reverse()) {
      let sourcePath: string | undefined;
      if (e.folder && (target === e.target || target.startsWith(`${e.target}/`))) sourcePath = path.posix.join(e.source, path.posix.relative(e.target, target));
      else if (!e.folder && target === e.target) sourcePath = e.source;
      if (sourcePath === undefined) continue;
      if (e.from === 'context') {
        const rel = path.posix.normalize(sourcePath);
        if (view.provides(rel)) return { kind: 'context', path: rel };
        continue; // not in the context (ignored): an earlier layer may have it
      }
      const from = stageNamed(df, e.from, stage.index);
      if (!from) return { kind: 'missing', why: `${df.file}:${ins.line}: --from=${e.from} is not an earlier stage` };
      const found = provenance(df, from, sourcePath, view);
      if (found.kind !== 'missing') return found;
    }
  }
  // A folder of the stage: its WORKDIR, or where something was put.
  const under = (p: string) => p === target || p.startsWith(`${target === '/' ? '' : target}/`);
  if (stage.instructions.some((i) => i.keyword === 'WORKDIR' && under(i.workdir)) || entries.some((e) => under(e.target))) return { kind: 'folder', stage: stage.name ?? String(stage.index) };
  return { kind: 'missing', why: `${target} is put into stage ${stage.name ?? stage.index} by no COPY of a file that exists and no RUN known to make it` };
}
