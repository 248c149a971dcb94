/** `sedna get KIND [NAME...]`: list or show objects of any served kind, as kubectl does; `-w` follows changes. */
import type { Command } from 'commander';
import { namespaceFlags } from '../flags.js';
import { checkNames, kindNameArgs } from '../names.js';
import type { CommandModule } from '../command.js';
import { collectionPath, displayKind, objectPath, type ApiResource } from '../discovery.js';
import { CliError, toCliError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import type { CliIo } from '../io.js';
import { age, customColumnsTable, formatObjects, formatValue, isTable, listOf, parseOutput, sortBy, TablePrinter, withTypeMeta, type KubeObject, type KubeTable, type Output } from '../printers.js';
import type { ServerOptions } from '../server.js';
import { checkNamespaceOptions, withSession, type NamespaceOptions, type Session } from '../session.js';
import { connectionNotice, follow } from '../watch.js';

/** Options of `sedna get`. */
export interface GetOptions extends ServerOptions, NamespaceOptions {
  output: string;
  watch?: boolean;
  selector?: string;
  fieldSelector?: string;
  /** Leave out the header line (tables and custom-columns). */
  noHeaders?: boolean;
  /** A path to order the objects by (`.metadata.name`, `{.status.round}`), as kubectl's `--sort-by`. */
  sortBy?: string;
}

/** Accept header for the server's Table form (kubectl's), with plain JSON as fallback. */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

interface KubeList {
  metadata?: { resourceVersion?: string };
  items?: KubeObject[];
}

/** A Table from plain objects, for a server without the Table form: name and age. */
function fallbackTable(objects: readonly KubeObject[], resourceVersion?: string): KubeTable {
  const now = Date.now();
  return {
    kind: 'Table',
    metadata: { resourceVersion },
    columnDefinitions: [{ name: 'Name' }, { name: 'Age' }],
    rows: objects.map((o) => ({ cells: [o.metadata?.name ?? '', age(o.metadata?.creationTimestamp, now)], object: o })),
  };
}

function asTable(value: unknown): KubeTable {
  if (isTable(value)) return value;
  const list = value as KubeList & KubeObject;
  if (Array.isArray(list.items)) return fallbackTable(list.items, list.metadata?.resourceVersion);
  return fallbackTable([list], list.metadata?.resourceVersion);
}

function noneFound(io: CliIo, r: ApiResource, namespace: string | undefined): void {
  io.stderr.write(r.namespaced && namespace ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
}

/** `table` with its rows ordered by `--sort-by` (on each row's object), when asked. */
function sorted(table: KubeTable, options: GetOptions): KubeTable {
  return options.sortBy ? { ...table, rows: sortBy(table.rows, options.sortBy, (row) => row.object) } : table;
}

/** Reads the objects asked for; one entry per name (an error for a name not found), or the list. */
async function read(session: Session, r: ApiResource, namespace: string | undefined, names: readonly string[], options: GetOptions, accept: string) {
  // Sorting a Table needs each row's whole object, not only its metadata.
  const query = { labelSelector: options.selector, fieldSelector: options.fieldSelector, includeObject: options.sortBy && accept === TABLE_ACCEPT ? 'Object' : undefined };
  if (names.length === 0) {
    const list = await session.client.get<KubeList | KubeTable>(collectionPath(r, namespace), { accept, query });
    return { list, errors: [] as CliError[] };
  }
  const found: unknown[] = [];
  const errors: CliError[] = [];
  for (const name of names) {
    try {
      found.push(await session.client.get(objectPath(r, namespace, name), { accept }));
    } catch (error) {
      errors.push(toCliError(error));
    }
  }
  return { found, errors };
}

/** `sedna get KIND1,KIND2,...`: a table per kind (names as kind/name), or one List of every object. */
async function getSeveral(kinds: readonly string[], options: GetOptions, output: Output, io: CliIo): Promise<ExitCode> {
  const format = output.format;
  return withSession(options, io, async (session) => {
    const resources: ApiResource[] = [];
    for (const k of kinds) resources.push(await session.resolve(k));
    const namespaceOf = (r: ApiResource) => (r.namespaced && !options.allNamespaces ? session.namespace(options) : undefined);
    const tableOutput = format === 'table' || format === 'wide';
    const query = { labelSelector: options.selector, fieldSelector: options.fieldSelector, includeObject: tableOutput && options.sortBy ? 'Object' : undefined };
    let printed = 0;
    const items: KubeObject[] = [];
    /** kind/name of each of `items`, for -o name. */
    const names: string[] = [];
    for (const r of resources) {
      const list = await session.client.get<KubeList | KubeTable>(collectionPath(r, namespaceOf(r)), { accept: tableOutput ? TABLE_ACCEPT : 'application/json', query });
      if (tableOutput) {
        const table = sorted(asTable(list), options);
        if (table.rows.length === 0) continue;
        // kubectl separates the tables of several kinds with an empty line (not the rows without headers).
        if (printed > 0 && !options.noHeaders) io.stdout.write('\n');
        printed += new TablePrinter(io, { wide: format === 'wide', withNamespace: r.namespaced && options.allNamespaces === true, withKind: r, noHeaders: options.noHeaders }).print(table);
      } else {
        const objects = (list as KubeList).items ?? [];
        for (const o of objects) {
          items.push(withTypeMeta(o, r));
          names.push(`${displayKind(r)}/${o.metadata?.name ?? ''}`);
        }
        printed += objects.length;
      }
    }
    if (format === 'name') {
      // As kubectl: one order across the kinds.
      const refs = items.map((object, i) => ({ object, name: names[i]! }));
      for (const ref of options.sortBy ? sortBy(refs, options.sortBy, (x) => x.object) : refs) io.stdout.write(`${ref.name}\n`);
    }
    if (format === 'jsonpath' || format === 'custom-columns') {
      // kubectl prints the template or the header even for no object, and says nothing more.
      const all = options.sortBy ? sortBy(items, options.sortBy, (o) => o) : items;
      if (output.jsonPath) io.stdout.write(output.jsonPath.print(listOf(all)));
      else new TablePrinter(io, { noHeaders: options.noHeaders, headersAsGiven: true }).print(customColumnsTable(output.columns ?? [], all), true);
      return ExitCode.Ok;
    }
    // As kubectl: only a table says "No resources found"; -o json|yaml print an empty List, -o name nothing.
    if (printed === 0 && tableOutput) {
      const namespace = resources.some((r) => r.namespaced) && !options.allNamespaces ? session.namespace(options) : undefined;
      io.stderr.write(namespace ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
    }
    if (format === 'json' || format === 'yaml') {
      const value = listOf(options.sortBy ? sortBy(items, options.sortBy, (o) => o) : items);
      io.stdout.write(formatValue(value, format));
    }
    return ExitCode.Ok;
  });
}

/** A resource's key: objects of one kind print in one table. */
const resourceKey = (r: ApiResource) => `${r.group}/${r.resource}`;

/**
 * Objects by name (`KIND NAME...` or `KIND/NAME...`), in the order given, as kubectl prints them: one
 * table for each run of objects of one kind (names as kind/name when they are of several kinds), or
 * one object (one name asked for) or a List of them; errors (a name not found) on stderr after.
 */
async function getNamed(session: Session, targets: ReadonlyArray<{ r: ApiResource; name: string }>, options: GetOptions, output: Output, io: CliIo): Promise<ExitCode> {
  const format = output.format;
  const tableOutput = format === 'table' || format === 'wide';
  const accept = tableOutput ? TABLE_ACCEPT : 'application/json';
  // Sorting a Table needs each row's whole object, not only its metadata.
  const query = tableOutput && options.sortBy ? { includeObject: 'Object' } : undefined;
  let found: Array<{ r: ApiResource; object: KubeObject; table?: KubeTable; row?: KubeTable['rows'][number] }> = [];
  const errors: CliError[] = [];
  for (const { r, name } of targets) {
    try {
      const value = await session.client.get<unknown>(objectPath(r, r.namespaced ? session.namespace(options) : undefined, name), { accept, query });
      if (!tableOutput) found.push({ r, object: withTypeMeta(value as KubeObject, r) });
      else {
        const table = asTable(value);
        for (const row of table.rows) found.push({ r, object: row.object ?? {}, table, row });
      }
    } catch (error) {
      const e = toCliError(error);
      if (e.code === 'UNREACHABLE') throw e;
      errors.push(e);
    }
  }
  if (options.sortBy) found = sortBy(found, options.sortBy, (f) => f.object);
  if (tableOutput) {
    const withKind = new Set(found.map((f) => resourceKey(f.r))).size > 1;
    for (let start = 0; start < found.length; ) {
      let end = start + 1;
      while (end < found.length && resourceKey(found[end]!.r) === resourceKey(found[start]!.r)) end++;
      const { r, table } = found[start]!;
      if (start > 0 && !options.noHeaders) io.stdout.write('\n');
      const printer = new TablePrinter(io, { wide: format === 'wide', noHeaders: options.noHeaders, ...(withKind ? { withKind: r } : {}) });
      printer.print({ ...table!, rows: found.slice(start, end).map((f) => f.row!) });
      start = end;
    }
  } else if (format === 'name') {
    for (const { r, object } of found) io.stdout.write(`${displayKind(r)}/${object.metadata?.name ?? ''}\n`);
  } else if (format === 'custom-columns') {
    if (found.length > 0) new TablePrinter(io, { noHeaders: options.noHeaders, headersAsGiven: true }).print(customColumnsTable(output.columns ?? [], found.map((f) => f.object)), true);
  } else if (found.length > 0) {
    // As kubectl: one name asked for prints the object, several a List (of those found).
    const value = targets.length > 1 ? listOf(found.map((f) => f.object)) : found[0]!.object;
    io.stdout.write(output.jsonPath ? output.jsonPath.print(value) : formatValue(value, format === 'json' ? 'json' : 'yaml'));
  }
  for (const error of errors) io.stderr.write(`sedna: ${error.message}\n`);
  return errors[0]?.exitCode ?? ExitCode.Ok;
}

/** Runs `sedna get`; resolves to the exit code. */
export async function runGet(kind: string, names: readonly string[], options: GetOptions, io: CliIo): Promise<ExitCode> {
  checkNamespaceOptions(options);
  const output = parseOutput(options.output);
  const format = output.format;
  if (options.sortBy !== undefined) sortBy([], options.sortBy, (o) => o); // checks the path before any request
  const slashed = kindNameArgs(kind, names, 'get');
  if (slashed) {
    if (options.selector || options.fieldSelector) throw new CliError('USAGE', 'selectors cannot be used when passing resource/name arguments');
    if (options.allNamespaces) throw new CliError('USAGE', 'an object cannot be read by name across all namespaces: use -n NAMESPACE');
    if (options.watch) {
      if (slashed.length > 1) throw new CliError('USAGE', '-w/--watch follows one NAME or the whole collection');
      return runGet(slashed[0]!.kind, [slashed[0]!.name], options, io);
    }
    return withSession(options, io, async (session) => {
      const targets: Array<{ r: ApiResource; name: string }> = [];
      for (const { kind: k, name } of slashed) targets.push({ r: await session.resolve(k), name });
      return getNamed(session, targets, options, output, io);
    });
  }
  const kinds = kind.split(',').filter(Boolean);
  if (kinds.length > 1) {
    if (names.length > 0) throw new CliError('USAGE', 'names go with one KIND, not a list of kinds');
    if (options.watch) throw new CliError('USAGE', '-w/--watch follows one KIND at a time');
    return getSeveral(kinds, options, output, io);
  }
  checkNames(names, kind);
  if (names.length > 0 && options.allNamespaces) throw new CliError('USAGE', 'an object cannot be read by name across all namespaces: use -n NAMESPACE');
  if (options.watch && names.length > 1) throw new CliError('USAGE', '-w/--watch follows one NAME or the whole collection');
  return withSession(options, io, async (session) => {
    const r = await session.resolve(kind);
    if (names.length > 0 && !options.watch) return getNamed(session, names.map((name) => ({ r, name })), options, output, io);
    const namespace = r.namespaced && !options.allNamespaces ? session.namespace(options) : undefined;
    const tableOutput = format === 'table' || format === 'wide';
    const accept = tableOutput ? TABLE_ACCEPT : 'application/json';
    const result = await read(session, r, namespace, names, options, accept);
    for (const error of result.errors) io.stderr.write(`sedna: ${error.message}\n`);

    const printer =
      format === 'custom-columns'
        ? new TablePrinter(io, { noHeaders: options.noHeaders, headersAsGiven: true })
        : new TablePrinter(io, { wide: format === 'wide', withNamespace: r.namespaced && options.allNamespaces === true, noHeaders: options.noHeaders });
    const seen = new Map<string, string>();
    const remember = (o: KubeObject | undefined) => {
      if (o?.metadata?.uid && o.metadata.resourceVersion) seen.set(o.metadata.uid, o.metadata.resourceVersion);
    };
    let documents = 0;
    const emitObjects = (objects: KubeObject[], asList: boolean) => {
      if (tableOutput) return;
      if (format === 'custom-columns') {
        printer.print(customColumnsTable(output.columns ?? [], objects.map((o) => withTypeMeta(o, r))), true);
        return;
      }
      // A stream of YAML documents, as kubectl get -w -o yaml prints it.
      if (documents > 0 && format === 'yaml') io.stdout.write('---\n');
      io.stdout.write(formatObjects(objects, output, r, asList));
      documents++;
    };

    let resourceVersion = '';
    if (result.list) {
      resourceVersion = result.list.metadata?.resourceVersion ?? '';
      if (tableOutput) {
        const table = sorted(asTable(result.list), options);
        table.rows.forEach((row) => remember(row.object));
        if (printer.print(table) === 0 && !options.watch) noneFound(io, r, namespace);
      } else {
        const listed = ((result.list as KubeList).items ?? []).map((o) => withTypeMeta(o, r));
        const items = options.sortBy ? sortBy(listed, options.sortBy, (o) => o) : listed;
        items.forEach(remember);
        // As kubectl, for no object: -o json|yaml print an empty List, jsonpath its template on it,
        // custom-columns the header, -o name nothing; none says "No resources found" (only a table does).
        if (items.length > 0 || !options.watch) emitObjects(items, true);
      }
    } else {
      const found = result.found ?? [];
      if (tableOutput) {
        for (const value of found) {
          const table = asTable(value);
          table.rows.forEach((row) => remember(row.object));
          printer.print(table);
        }
      } else if (found.length > 0) {
        const objects = found as KubeObject[];
        objects.forEach(remember);
        emitObjects(objects, objects.length > 1);
      }
      resourceVersion = (found[0] as { metadata?: { resourceVersion?: string }; rows?: KubeTable['rows'] } | undefined)?.rows?.[0]?.object?.metadata?.resourceVersion ??
        (found[0] as KubeObject | undefined)?.metadata?.resourceVersion ??
        '';
    }
    const failed = result.errors[0];
    if (!options.watch) return failed ? failed.exitCode : ExitCode.Ok;
    if (failed) return failed.exitCode;

    const signal = io.signal ?? new AbortController().signal;
    const watchPath = collectionPath(r, namespace);
    const query = {
      labelSelector: options.selector,
      fieldSelector: [names[0] ? `metadata.name=${names[0]}` : undefined, options.fieldSelector].filter(Boolean).join(',') || undefined,
    };
    const show = (value: unknown) => {
      if (tableOutput) {
        const table = asTable(value);
        table.rows.forEach((row) => remember(row.object));
        printer.print(table);
      } else {
        const o = withTypeMeta(value as KubeObject, r);
        remember(o);
        emitObjects([o], false);
      }
    };
    await follow(session.client, {
      path: watchPath,
      query,
      accept,
      resourceVersion,
      signal,
      onEvent: (event) => show(event.object),
      relist: async () => {
        const again = await session.client.get<KubeList | KubeTable>(watchPath, { accept, query });
        // Print what changed while the watch was behind.
        if (isTable(again)) {
          const changed = again.rows.filter((row) => {
            const uid = row.object?.metadata?.uid;
            return !uid || seen.get(uid) !== row.object?.metadata?.resourceVersion;
          });
          if (changed.length > 0) show({ ...again, rows: changed });
        } else {
          for (const o of (again as KubeList).items ?? []) if (!o.metadata?.uid || seen.get(o.metadata.uid) !== o.metadata.resourceVersion) show(o);
        }
        return again.metadata?.resourceVersion ?? '';
      },
      onConnectionChange: connectionNotice(io, session.client.server),
    });
    return ExitCode.Ok;
  });
}

/** The `get` verb. */
export const getCommand: CommandModule = {
  name: 'get',
  register(program, io, exit) {
    const command = program
      .command('get')
      .description('list objects of any served kind (ij, datasets, models, pods, events, ...), or show some by name')
      .argument('<kind>', 'kind: singular, plural or short name (ij, incrementallearningjob, datasets, pods), optionally .group')
      .argument('[names...]', 'names of objects (default: all)');
    namespaceFlags(command)
      .option('-o, --output <format>', 'table, wide, json, yaml, name, jsonpath=TEMPLATE or custom-columns=HEADER:PATH,...', 'table')
      .option('--no-headers', 'leave out the header line (table, wide, custom-columns)')
      .option('--sort-by <path>', 'order the objects by this field, e.g. .metadata.name or {.status.round}')
      .option('-w, --watch', 'after the list, print each change as it happens (until interrupted)')
      .option('-l, --selector <selector>', 'label selector, e.g. sedna.io/round=2')
      .option('--field-selector <selector>', 'field selector, e.g. status.phase=Running')
      .action(async (kind: string, names: string[], _options: GetOptions, cmd: Command) => {
        // Commander gives `--no-headers` as `headers: false`.
        const options = cmd.optsWithGlobals<GetOptions & { headers?: boolean }>();
        exit(await runGet(kind, names, { ...options, noHeaders: options.headers === false }, io));
      });
  },
};
