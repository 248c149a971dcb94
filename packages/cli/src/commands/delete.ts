/** `sedna delete KIND NAME...` or `sedna delete -f PATH...`: delete objects, and wait until they are gone. */
import type { Command } from 'commander';
import type { CommandModule } from '../command.js';
import { collectionPath, type ApiResource } from '../discovery.js';
import { CliError, toCliError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import { fileFlags, namespaceFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { checkNames, kindNameArgs } from '../names.js';
import { deleteObject, objectRef, waitGone } from '../objects.js';
import type { KubeObject } from '../printers.js';
import { parseDuration, type ServerOptions } from '../server.js';
import { withSession, type Session } from '../session.js';
import { applyOrder, placeOrFail, readManifestsOrFail } from './apply.js';

/** Options of `sedna delete`. */
export interface DeleteOptions extends ServerOptions {
  filename: string[];
  recursive?: boolean;
  namespace?: string;
  all?: boolean;
  selector?: string;
  ignoreNotFound?: boolean;
  /** Wait until each object is gone (its finalizers done); default true. */
  wait?: boolean;
  /** How long to wait for each object to be gone (default {@link DEFAULT_DELETE_TIMEOUT}). */
  timeout?: string;
}

/** How long delete waits for an object to be gone, without --timeout. */
export const DEFAULT_DELETE_TIMEOUT = '5m';

interface Target {
  resource: ApiResource;
  namespace: string | undefined;
  name: string;
}

async function deleteTargets(session: Session, targets: readonly Target[], options: DeleteOptions, io: CliIo): Promise<ExitCode> {
  const timeoutMs = parseDuration('--timeout', options.timeout ?? DEFAULT_DELETE_TIMEOUT);
  let code: ExitCode = ExitCode.Ok;
  if (targets.length > 0) session.announce(io, 'delete');
  for (const t of targets) {
    const ref = objectRef(t);
    const where = t.namespace ? ` in namespace ${t.namespace}` : '';
    try {
      const existed = await deleteObject(session.client, t.resource, t.namespace, t.name);
      if (!existed) {
        if (options.ignoreNotFound) continue;
        io.stderr.write(`sedna: ${ref} not found${where}\n`);
        if (code === ExitCode.Ok) code = ExitCode.NotFound;
        continue;
      }
      if (options.wait !== false) {
        const left = await waitGone(session.client, t.resource, t.namespace, t.name, {
          timeoutMs,
          signal: io.signal,
          onSlow: (finalizers) => {
            if (finalizers.length > 0) io.stderr.write(`sedna: waiting for ${ref} to finish its finalizers (${finalizers.join(', ')}); is its controller running? (--no-wait returns at once)\n`);
          },
        });
        if (left !== undefined) {
          if (io.signal?.aborted) return code;
          const why = left.length > 0 ? ` (finalizers left: ${left.join(', ')})` : '';
          io.stderr.write(`sedna: ${ref}: deletion accepted, but still there after --timeout ${options.timeout ?? DEFAULT_DELETE_TIMEOUT}${why}\n`);
          code = ExitCode.Timeout;
          continue;
        }
      }
      io.stdout.write(`${ref} deleted\n`);
    } catch (error) {
      const e = toCliError(error);
      if (e.code === 'UNREACHABLE') throw e;
      io.stderr.write(`sedna: ${ref}: ${e.message}\n`);
      if (code === ExitCode.Ok) code = e.exitCode;
    }
  }
  return code;
}

/** Runs `sedna delete`; resolves to the exit code. */
export async function runDelete(kind: string | undefined, names: readonly string[], options: DeleteOptions, io: CliIo): Promise<ExitCode> {
  parseDuration('--timeout', options.timeout ?? DEFAULT_DELETE_TIMEOUT); // a bad value before any request
  if (options.filename.length > 0) {
    if (kind !== undefined) throw new CliError('USAGE', 'delete takes either KIND [NAME...] or -f PATH, not both');
    const set = await readManifestsOrFail(options, 'delete', io);
    return withSession(options, io, async (session) => {
      const placed = applyOrder(await placeOrFail(session, set, options.namespace, io), true);
      return deleteTargets(
        session,
        placed.map((p) => ({ resource: p.resource, namespace: p.namespace, name: p.manifest.object.metadata.name! })),
        options,
        io,
      );
    });
  }
  if (kind === undefined) throw new CliError('USAGE', 'delete needs KIND NAME..., KIND/NAME..., KIND --all, KIND -l SELECTOR, or -f PATH');
  const bulk = options.all === true || options.selector !== undefined;
  // KIND/NAME arguments, several and of several kinds, as kubectl takes them.
  const pairs = kind.includes('/') ? kindNameArgs(kind, names, 'delete') : undefined;
  if (pairs) {
    if (bulk) throw new CliError('USAGE', 'KIND/NAME arguments and --all/-l exclude each other');
    return withSession(options, io, async (session) => {
      const targets: Target[] = [];
      for (const { kind: k, name } of pairs) {
        const resource = await session.resolve(k);
        targets.push({ resource, namespace: resource.namespaced ? session.namespace(options) : undefined, name });
      }
      return deleteTargets(session, targets, options, io);
    });
  }
  if (names.length === 0 && !bulk) throw new CliError('USAGE', `delete ${kind} needs a NAME (or --all, or -l SELECTOR, to delete several)`);
  if (names.length > 0 && bulk) throw new CliError('USAGE', 'names and --all/-l exclude each other');
  // Every name before any request: '' or '.' would delete the collection, '..' the namespace.
  checkNames(names, kind);
  return withSession(options, io, async (session) => {
    const resource = await session.resolve(kind);
    const namespace = resource.namespaced ? session.namespace(options) : undefined;
    let targets: Target[];
    if (bulk) {
      const list = await session.client.get<{ items?: KubeObject[] }>(collectionPath(resource, namespace), { query: { labelSelector: options.selector } });
      targets = (list.items ?? []).map((o) => ({ resource, namespace, name: o.metadata?.name ?? '' }));
      if (targets.length === 0) io.stderr.write(namespace ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
    } else {
      targets = names.map((name) => ({ resource, namespace, name }));
    }
    return deleteTargets(session, targets, options, io);
  });
}

/** The `delete` verb. */
export const deleteCommand: CommandModule = {
  name: 'delete',
  register(program, io, exit) {
    const command = program
      .command('delete')
      .description('delete objects by kind and name, or those of files; waits until they are gone')
      .argument('[kind]', 'kind: singular, plural or short name (ij, datasets, models, pods, ...), or KIND/NAME')
      .argument('[names...]', 'names of the objects');
    namespaceFlags(fileFlags(command), false)
      .option('--all', 'every object of KIND in the namespace')
      .option('-l, --selector <selector>', 'the objects of KIND with these labels')
      .option('--ignore-not-found', 'an object that does not exist is not an error')
      .option('--no-wait', 'return once the deletion is accepted, without waiting for finalizers')
      .option('--timeout <duration>', `how long to wait for each object to be gone (exit 5 past it; default ${DEFAULT_DELETE_TIMEOUT})`)
      .addHelpText('after', '\nPrints kind/name deleted per object. Exit code 3 when an object does not exist (unless --ignore-not-found), 5 when one is still there after --timeout.')
      .action(async (kind: string | undefined, names: string[], _o: DeleteOptions, cmd: Command) => exit(await runDelete(kind, names, cmd.optsWithGlobals<DeleteOptions>(), io)));
  },
};
