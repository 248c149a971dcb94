/**
 * `sedna apply -f PATH...`: create or update objects from files, all or nothing as far as can be known
 * before writing: every Sedna object is validated first, every kind must be served, and the server
 * checks every object in a dry run; only then is anything written. A job stored with no controller to
 * act on it (no global manager, or one that does not handle its kind) is warned about.
 */
import { LEARNING_JOB_KINDS } from '@sedna-ts/api-types';
import { outputDirOverlap } from '@sedna-ts/api-types/contract';
import type { Command } from 'commander';
import type { CommandModule } from '../command.js';
import { CliError, toCliError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import { fileFlags, namespaceFlags } from '../flags.js';
import { CONTROLLED_KINDS, needsController, readGmPresence, whyNoController, type GmPresence } from '../gmPresence.js';
import { readInputs } from '../inputs.js';
import type { CliIo } from '../io.js';
import { collectionPath } from '../discovery.js';
import { describeManifest, readManifests, type ManifestSet } from '../manifests.js';
import { applyObject, objectRef, placeManifests, type PlacedManifest } from '../objects.js';
import type { ServerOptions } from '../server.js';
import { withSession, type Session } from '../session.js';

/** Options of `sedna apply` (and the `-f` form of `sedna delete`). */
export interface ApplyOptions extends ServerOptions {
  filename: string[];
  recursive?: boolean;
  namespace?: string;
  /** `server`: only the server's dry run, nothing written. */
  dryRun?: string;
}

/**
 * Reads and checks the files of `-f`: prints the problem lines to stderr and throws when there is any.
 *
 * @throws CliError USAGE without `-f`; NOT_FOUND for a missing path; INVALID_INPUT when an object is invalid or there is none.
 */
export async function readManifestsOrFail(options: Pick<ApplyOptions, 'filename' | 'recursive'>, verb: string, io: CliIo): Promise<ManifestSet> {
  if (options.filename.length === 0) throw new CliError('USAGE', `${verb} needs at least one -f PATH (a file, a folder, or - for stdin)`);
  const files = await readInputs(options.filename, io, { recursive: options.recursive === true });
  const set = readManifests(files);
  for (const line of set.problems) io.stderr.write(`${line}\n`);
  if (set.count === 0) throw new CliError('INVALID_INPUT', `no objects in ${options.filename.join(', ')}`);
  const invalid = set.count - set.manifests.length;
  if (invalid > 0) throw new CliError('INVALID_INPUT', `nothing done: ${invalid} of ${set.count} objects ${invalid === 1 ? 'is' : 'are'} invalid`);
  return set;
}

/**
 * Places the manifests on the server; prints a line per object that cannot go there and throws then.
 *
 * @throws CliError INVALID_INPUT when a kind is not served or a namespace contradicts `-n`.
 */
export async function placeOrFail(session: Session, set: ManifestSet, namespace: string | undefined, io: CliIo): Promise<PlacedManifest[]> {
  const { placed, problems } = await placeManifests(session, set.manifests, namespace);
  for (const line of problems) io.stderr.write(`${line}\n`);
  if (problems.length > 0) throw new CliError('INVALID_INPUT', `nothing done: ${problems.length} of ${set.count} objects cannot go to this server`);
  return placed;
}

/**
 * The order objects are applied in (deleted in reverse): namespaces and CRDs first, then what others
 * refer to (secrets, config maps, datasets, models), then everything else, the jobs last, so a job
 * never starts with its Dataset or Model missing. Within a rank, the order of the files.
 */
const KIND_RANK: Readonly<Record<string, number>> = {
  Namespace: 0,
  CustomResourceDefinition: 1,
  ServiceAccount: 2,
  Secret: 2,
  ConfigMap: 2,
  Dataset: 3,
  Model: 3,
  ...Object.fromEntries([...CONTROLLED_KINDS].map((kind) => [kind, 5])),
};

/** The manifests in apply order (see {@link KIND_RANK}); `reverse` gives the delete order. */
export function applyOrder<T extends { manifest: { object: { kind: string } } }>(placed: readonly T[], reverse = false): T[] {
  const rank = (p: T) => KIND_RANK[p.manifest.object.kind] ?? 4;
  return placed
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (reverse ? rank(b.p) - rank(a.p) : rank(a.p) - rank(b.p)) || a.i - b.i)
    .map(({ p }) => p);
}

/** The namespaces the batch itself creates (objects in them cannot be dry-run before they exist). */
function namespacesCreated(placed: readonly PlacedManifest[]): Set<string> {
  return new Set(placed.filter((p) => p.resource.group === '' && p.resource.resource === 'namespaces').map((p) => p.manifest.object.metadata.name!));
}

interface OutputDirOwner {
  kind: string;
  namespace: string;
  name: string;
  outputDir: string;
}

const OVERLAP_WORDS = { same: 'is also the outputDir of', inside: 'is inside the outputDir of', holds: 'holds the outputDir of' } as const;

/**
 * Warnings for learning jobs of the batch whose outputDir overlaps another job's (stored, or earlier in
 * the batch): the GM refuses the later of two such jobs. Jobs the user may not list are not looked at.
 */
async function outputDirWarnings(session: Session, placed: readonly PlacedManifest[]): Promise<string[]> {
  const learning = new Set(LEARNING_JOB_KINDS.map((k) => k.kind));
  const jobs = placed.filter((p) => p.resource.group === 'sedna.io' && learning.has(p.resource.kind as (typeof LEARNING_JOB_KINDS)[number]["kind"]));
  if (jobs.length === 0) return [];
  const owners: OutputDirOwner[] = [];
  for (const info of LEARNING_JOB_KINDS) {
    try {
      const resource = await session.resolve(info.plural);
      const list = await session.client.get<{ items?: Array<{ metadata?: { name?: string; namespace?: string }; spec?: { outputDir?: unknown }; status?: { conditions?: Array<{ reason?: string }> } }> }>(
        collectionPath(resource, undefined),
      );
      for (const item of list.items ?? []) {
        // A job the GM refused (its spec, or this very overlap) holds no folder.
        if (item.status?.conditions?.at(-1)?.reason === 'InvalidSpec') continue;
        if (typeof item.spec?.outputDir === 'string') owners.push({ kind: info.kind, namespace: item.metadata?.namespace ?? 'default', name: item.metadata?.name ?? '', outputDir: item.spec.outputDir });
      }
    } catch {
      // Not allowed to list them, or the kind is not served: nothing to compare with.
    }
  }
  const warnings: string[] = [];
  for (const p of jobs) {
    const me = { kind: p.resource.kind, namespace: p.namespace ?? 'default', name: p.manifest.object.metadata.name ?? '' };
    const dir = (p.manifest.object as { spec?: { outputDir?: unknown } }).spec?.outputDir;
    if (typeof dir !== 'string') continue;
    const other = owners.find((o) => !(o.kind === me.kind && o.namespace === me.namespace && o.name === me.name) && outputDirOverlap(dir, o.outputDir));
    if (other) {
      const how = OVERLAP_WORDS[outputDirOverlap(dir, other.outputDir) as keyof typeof OVERLAP_WORDS];
      warnings.push(`${me.kind} ${me.namespace}/${me.name}: spec.outputDir ${JSON.stringify(dir)} ${how} ${other.kind} ${other.namespace}/${other.name} (${JSON.stringify(other.outputDir)}): the global manager refuses the later of the two jobs (InvalidSpec)`);
    }
    if (!owners.some((o) => o.kind === me.kind && o.namespace === me.namespace && o.name === me.name)) owners.push({ ...me, outputDir: dir });
  }
  return warnings;
}

/** Runs `sedna apply`; resolves to the exit code. */
export async function runApply(options: ApplyOptions, io: CliIo): Promise<ExitCode> {
  if (options.dryRun !== undefined && options.dryRun !== 'server') throw new CliError('USAGE', `--dry-run ${JSON.stringify(options.dryRun)}: expected server`);
  const set = await readManifestsOrFail(options, 'apply', io);
  return withSession(options, io, async (session) => {
    const placed = applyOrder(await placeOrFail(session, set, options.namespace, io));

    // The server's own checks first, for every object, so an invalid one stops the whole batch.
    const created = namespacesCreated(placed);
    const rejected: string[] = [];
    for (const p of placed) {
      try {
        await applyObject(session.client, p, { dryRun: true });
      } catch (error) {
        const e = toCliError(error);
        if (e.code === 'UNREACHABLE') throw e;
        if (e.status === 404 && p.namespace && created.has(p.namespace)) continue;
        rejected.push(`${p.manifest.path}: ${describeManifest(p.manifest, p.namespace)}: ${e.message}`);
      }
    }
    for (const line of rejected) io.stderr.write(`${line}\n`);
    if (rejected.length > 0) throw new CliError('INVALID_INPUT', `nothing applied: the API server rejected ${rejected.length} of ${set.count} objects`);

    // Before anything is stored: a job that would share another's outputDir is refused by the GM.
    for (const warning of await outputDirWarnings(session, placed)) io.stderr.write(`warning: ${warning}\n`);

    let code: ExitCode = ExitCode.Ok;
    const suffix = options.dryRun ? ' (server dry run)' : '';
    let presence: Promise<GmPresence | undefined> | undefined;
    for (const p of placed) {
      try {
        const outcome = await applyObject(session.client, p, { dryRun: options.dryRun === 'server' });
        io.stdout.write(`${objectRef({ resource: p.resource, name: p.manifest.object.metadata.name! })} ${outcome}${suffix}\n`);
        if (!options.dryRun && needsController(p.resource.group, p.resource.kind)) {
          // The Lease is read once, and only when a job was stored.
          const why = whyNoController(p.resource.kind, await (presence ??= readGmPresence(session.client)));
          if (why) io.stderr.write(`warning: ${p.resource.kind} ${p.namespace}/${p.manifest.object.metadata.name!} is stored but ${why}\n`);
        }
      } catch (error) {
        // Something changed since the dry run: report, go on with the others, fail at the end.
        const e = toCliError(error);
        if (e.code === 'UNREACHABLE') throw e;
        io.stderr.write(`${p.manifest.path}: ${describeManifest(p.manifest, p.namespace)}: ${e.message}\n`);
        if (code === ExitCode.Ok) code = e.exitCode;
      }
    }
    return code;
  });
}

/** The `apply` verb. */
export const applyCommand: CommandModule = {
  name: 'apply',
  register(program, io, exit) {
    const command = program
      .command('apply')
      .description('create or update objects from files (Sedna objects in the sedna.io or the older edgeai.io form, and any other kind the server serves)');
    namespaceFlags(fileFlags(command), false)
      .option('--dry-run <mode>', 'server: let the server check every object, write nothing')
      .addHelpText(
        'after',
        '\nPrints kind/name created|configured|unchanged per object. Nothing is written when any object is invalid\n(one line per problem on stderr, as `sedna validate` prints them; exit code 1).',
      )
      .action(async (_options: ApplyOptions, cmd: Command) => exit(await runApply(cmd.optsWithGlobals<ApplyOptions>(), io)));
  },
};
