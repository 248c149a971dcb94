/** Output of objects as kubectl prints them: the server's Table form, JSON, YAML, or kind/name. */
import { printable } from '@sedna-ts/internal';
import { Document, visit } from 'yaml';
import { apiVersionOf, displayKind, type ApiResource } from './discovery.js';
import { CliError } from './errors.js';
import type { CliIo } from './io.js';
import { goJson, goSprint, JsonPath, relaxedJsonPath } from './jsonpath.js';

/** Output formats of `get` (`-o`); the last two take a template or a column list after `=`. */
export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml', 'name', 'jsonpath', 'custom-columns'] as const;
/** One of {@link OUTPUT_FORMATS}. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** A column of `-o custom-columns=HEADER:PATH,...`. */
export interface CustomColumn {
  header: string;
  path: JsonPath;
}

/** What `-o` asks for: the format, and its template or columns. */
export interface Output {
  format: OutputFormat;
  /** `-o jsonpath=TEMPLATE`. */
  jsonPath?: JsonPath;
  /** `-o custom-columns=SPEC`. */
  columns?: CustomColumn[];
}

const OUTPUT_HELP = 'table, wide, json, yaml, name, jsonpath=TEMPLATE, custom-columns=HEADER:PATH,...';

/**
 * Checks `-o`: `table`, `wide`, `json`, `yaml`, `name`, `jsonpath=TEMPLATE` (kubectl's JSONPath) or
 * `custom-columns=HEADER:PATH,...` (each PATH as `.metadata.name` or `{.metadata.name}`).
 *
 * @throws CliError USAGE for another value, an empty template or column list, or one that does not parse.
 */
export function parseOutput(value: string): Output {
  const eq = value.indexOf('=');
  const name = eq < 0 ? value : value.slice(0, eq);
  const arg = eq < 0 ? '' : value.slice(eq + 1);
  if (name === 'jsonpath') {
    if (arg === '') throw new CliError('USAGE', '-o jsonpath: no template given (e.g. -o jsonpath=\'{.items[*].metadata.name}\')');
    return { format: 'jsonpath', jsonPath: new JsonPath(arg, '-o jsonpath') };
  }
  if (name === 'custom-columns') {
    if (arg === '') throw new CliError('USAGE', '-o custom-columns: no columns given (e.g. -o custom-columns=NAME:.metadata.name,ROUND:.status.round)');
    const columns = arg.split(',').map((spec) => {
      const colon = spec.indexOf(':');
      if (colon < 0) throw new CliError('USAGE', `-o custom-columns: ${JSON.stringify(spec)}: expected HEADER:PATH, e.g. NAME:.metadata.name`);
      const what = `-o custom-columns ${spec.slice(0, colon)}:`;
      return { header: spec.slice(0, colon), path: new JsonPath(relaxedJsonPath(spec.slice(colon + 1), what), what) };
    });
    return { format: 'custom-columns', columns };
  }
  if (eq < 0 && (OUTPUT_FORMATS as readonly string[]).includes(value)) return { format: value as OutputFormat };
  throw new CliError('USAGE', `--output ${JSON.stringify(value)}: expected ${OUTPUT_HELP}`);
}

/** A Kubernetes object, as far as printing needs to know. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    generateName?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    ownerReferences?: Array<{ kind?: string; name?: string; uid?: string; controller?: boolean }>;
    generation?: number;
  };
  [key: string]: unknown;
}

/** A `meta.k8s.io/v1` Table, the form `kubectl get` asks the server for. */
export interface KubeTable {
  kind: 'Table';
  metadata?: { resourceVersion?: string };
  /** `name` is a string from a well-formed server; a CRD's additionalPrinterColumns may bring another JSON value. */
  columnDefinitions: Array<{ name: unknown; type?: string; priority?: number }>;
  rows: Array<{ cells: unknown[]; object?: KubeObject }>;
}

/** True when `value` is a Table. */
export function isTable(value: unknown): value is KubeTable {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Table' && Array.isArray((value as KubeTable).rows);
}

// kubectl's tabwriter: cells padded by 3 spaces, at least 6 wide; the last column is not padded.
const MIN_WIDTH = 6;
const PADDING = 3;

/**
 * A cell as kubectl prints it: nothing for null, JSON for objects. Control characters are escaped here
 * (`\xNN`, as the terminal-safe output would write them) so the widths are measured on what is printed.
 */
function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') return printable(cell);
  if (typeof cell === 'number' || typeof cell === 'boolean') return String(cell);
  return JSON.stringify(cell);
}

/** Grows `widths` to fit `rows` (kubectl's tabwriter: text + 3, at least 6). */
function measure(rows: readonly string[][], widths: number[]): void {
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, MIN_WIDTH, cell.length + PADDING)));
}

/** One aligned line; the last cell is not padded. */
function alignRow(row: readonly string[], widths: readonly number[]): string {
  return row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('').trimEnd();
}

/** Rows of text as aligned columns (kubectl's layout), each line prefixed by `indent`. */
export function formatColumns(rows: readonly string[][], indent = ''): string {
  const widths: number[] = [];
  measure(rows, widths);
  return rows.map((row) => `${indent}${alignRow(row, widths)}\n`).join('');
}

/**
 * Prints Table rows aligned as kubectl does, header once. Column widths only grow across calls, so the
 * rows of a watch stay aligned with the header.
 */
export class TablePrinter {
  private widths: number[] = [];
  private headerPrinted = false;
  private columns: number[] | undefined;

  constructor(
    private readonly io: CliIo,
    private readonly options: { wide?: boolean; withNamespace?: boolean; withKind?: ApiResource; noHeaders?: boolean; headersAsGiven?: boolean } = {},
  ) {}

  /**
   * Prints the rows of `table` (and the header the first time; with `header`, also when there is no
   * row, as kubectl's custom-columns does). Returns how many rows it printed.
   */
  print(table: KubeTable, header = false): number {
    if (table.rows.length === 0 && !(header && !this.headerPrinted && !this.options.noHeaders)) return 0;
    this.columns ??= table.columnDefinitions.flatMap((c, i) => (this.options.wide || !c.priority ? [i] : []));
    const headerCells = [
      ...(this.options.withNamespace ? ['NAMESPACE'] : []),
      ...this.columns.map((i) => {
        // A CRD's column name may be no string (YAML 1.1 reads `name: On` as true): printed as text, as kubectl does.
        const name = cellText(table.columnDefinitions[i]?.name);
        return this.options.headersAsGiven ? name : name.toUpperCase();
      }),
    ];
    const lines: string[][] = [];
    if (!this.headerPrinted && !this.options.noHeaders) lines.push(headerCells);
    for (const row of table.rows) {
      const cells = this.columns.map((i) => cellText(row.cells[i]));
      if (this.options.withKind && cells.length > 0) cells[0] = `${displayKind(this.options.withKind)}/${cells[0]}`;
      lines.push([...(this.options.withNamespace ? [row.object?.metadata?.namespace ?? ''] : []), ...cells]);
    }
    this.headerPrinted = true;
    measure(lines, this.widths);
    for (const line of lines) this.io.stdout.write(`${alignRow(line, this.widths)}\n`);
    return table.rows.length;
  }
}

/**
 * Objects as the Table of `-o custom-columns`: one row per object, each cell the column's results
 * joined by commas (Go's text of each value, `<none>` when there is none), headers as given.
 */
export function customColumnsTable(columns: readonly CustomColumn[], objects: readonly KubeObject[]): KubeTable {
  return {
    kind: 'Table',
    columnDefinitions: columns.map((c) => ({ name: c.header })),
    rows: objects.map((o) => ({
      object: o,
      cells: columns.map((c) => {
        const values = c.path.results(o).flat();
        return values.length === 0 ? '<none>' : values.map(goSprint).join(',');
      }),
    })),
  };
}

/** The first result of `path` on `value`, or undefined when there is none. */
function sortKey(path: JsonPath, value: unknown): { found: boolean; key: unknown } {
  const first = path.results(value)[0];
  return first && first.length > 0 ? { found: true, key: first[0] } : { found: false, key: undefined };
}

const QUANTITY_SUFFIX: Readonly<Record<string, number>> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/**
 * The value of a Kubernetes quantity (`-3`, `1.5`, `1e3`, `500m`, `100Mi`), or undefined when `text` is
 * none (apimachinery's ParseQuantity grammar; compared as a double, which orders every realistic value).
 */
export function quantityValue(text: string): number | undefined {
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))([a-zA-Z]*|[eE][+-]?\d+)$/.exec(text);
  if (!m) return undefined;
  const number = Number(m[1]);
  const suffix = m[2]!;
  if (/^[eE][+-]?\d+$/.test(suffix)) return number * 10 ** Number(suffix.slice(1));
  const factor = QUANTITY_SUFFIX[suffix];
  return factor === undefined ? undefined : number * factor;
}

function less(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a < b;
  if (typeof a === 'string' && typeof b === 'string') {
    // As kubectl: two strings that are quantities compare by value (`9` < `10`, `500m` < `2` < `1Ki`).
    const qa = quantityValue(a);
    const qb = qa === undefined ? undefined : quantityValue(b);
    return qa !== undefined && qb !== undefined ? qa < qb : a < b;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return !a && b;
  if (a === null || a === undefined) return b !== null && b !== undefined;
  return goJson(a) < goJson(b);
}

/**
 * `--sort-by PATH` (kubectl's relaxed path: `.metadata.name`, `{.status.round}`): `items` ordered by the
 * first value PATH finds in `of(item)`: numbers as numbers, two strings that are Kubernetes quantities by
 * value (as kubectl), other strings by code unit, items without it first;
 * a stable sort.
 *
 * @throws CliError USAGE when PATH does not parse; INVALID_INPUT when no item has the field.
 */
export function sortBy<T>(items: readonly T[], expression: string, of: (item: T) => unknown): T[] {
  const path = new JsonPath(relaxedJsonPath(expression, '--sort-by'), '--sort-by');
  const keyed = items.map((item) => ({ item, ...sortKey(path, of(item)) }));
  if (items.length > 0 && !keyed.some((k) => k.found)) throw new CliError('INVALID_INPUT', `--sort-by ${JSON.stringify(expression)}: none of the ${items.length} objects has that field`);
  return keyed
    .sort((x, y) => {
      if (!x.found || !y.found) return x.found === y.found ? 0 : x.found ? 1 : -1;
      return less(x.key, y.key) ? -1 : less(y.key, x.key) ? 1 : 0;
    })
    .map((k) => k.item);
}

/** kubectl's short ages: 45s, 3m12s, 5h, 3d. */
export function age(timestamp: string | undefined, now = Date.now()): string {
  const t = timestamp ? Date.parse(timestamp) : NaN;
  if (Number.isNaN(t)) return '<unknown>';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  return d < 365 * 2 ? `${d}d` : `${Math.floor(d / 365)}y`;
}

/** An object with `apiVersion` and `kind` filled in from its resource (list items often lack them). */
export function withTypeMeta(object: KubeObject, r: Pick<ApiResource, 'group' | 'version' | 'kind'>): KubeObject {
  if (object.apiVersion && object.kind) return object;
  const { apiVersion: _a, kind: _k, ...rest } = object;
  return { apiVersion: apiVersionOf(r), kind: r.kind, ...rest };
}

/** A tab or another control character but newline: what go-yaml (kubectl) writes only double-quoted. */
const CONTROL = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/;

/**
 * YAML that reads the same in YAML 1.1 and 1.2: strings such as `yes`, `on` or a timestamp are quoted,
 * as kubectl quotes them, so the output can be fed back to kubectl (YAML 1.1) unchanged. A string (or
 * key) holding a tab or another control character is double-quoted with escapes (`"a\tb"`, `"\e[31m"`),
 * as go-yaml writes it: never a raw tab or escape in a plain or block scalar. A list under a key is not
 * indented (`items:\n- a`), as go-yaml writes it.
 */
export function toYaml(value: unknown): string {
  const doc = new Document(value, { version: '1.1' });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && CONTROL.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ lineWidth: 0, indentSeq: false });
}

/** Objects as the `v1 List` kubectl prints them in (and applies a JSONPath template to); empty for none. */
export function listOf(items: readonly KubeObject[]): { apiVersion: 'v1'; items: KubeObject[]; kind: 'List'; metadata: { resourceVersion: string } } {
  return { apiVersion: 'v1', items: [...items], kind: 'List', metadata: { resourceVersion: '' } };
}

/** `value` with the keys of every object in it sorted, as Go marshals a map (kubectl's json and yaml). */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
  );
}

/** A value as `-o json` (4-space indent) or `-o yaml` prints it: every object's keys sorted, as kubectl. */
export function formatValue(value: unknown, format: 'json' | 'yaml'): string {
  const sorted = sortedKeys(value);
  return format === 'json' ? `${JSON.stringify(sorted, null, 4)}\n` : toYaml(sorted);
}

/**
 * Objects as JSON (4-space indent, as kubectl), YAML (keys sorted, as kubectl), `kind/name` lines, or
 * a JSONPath template's text; several objects (or none, with `asList`) as a v1 List.
 */
export function formatObjects(objects: readonly KubeObject[], output: Output, r: ApiResource, asList: boolean): string {
  if (output.format === 'name') return objects.map((o) => `${displayKind(r)}/${o.metadata?.name ?? ''}\n`).join('');
  const typed = objects.map((o) => withTypeMeta(o, r));
  const value = asList ? listOf(typed) : typed[0];
  if (output.jsonPath) return output.jsonPath.print(value);
  return formatValue(value, output.format === 'json' ? 'json' : 'yaml');
}
