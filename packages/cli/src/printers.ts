/** Output of objects as kubectl prints them: the server's Table form, JSON, YAML, or kind/name. */
import { stringify } from 'yaml';
import { apiVersionOf, displayKind, type ApiResource } from './discovery.js';
import { CliError } from './errors.js';
import type { CliIo } from './io.js';

/** Output formats of `get` (`-o`). */
export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml', 'name'] as const;
/** One of {@link OUTPUT_FORMATS}. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Checks `-o`. @throws CliError USAGE for another value. */
export function parseOutputFormat(value: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new CliError('USAGE', `--output ${JSON.stringify(value)}: expected ${OUTPUT_FORMATS.join(', ')}`);
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
  columnDefinitions: Array<{ name: string; type?: string; priority?: number }>;
  rows: Array<{ cells: unknown[]; object?: KubeObject }>;
}

/** True when `value` is a Table. */
export function isTable(value: unknown): value is KubeTable {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'Table' && Array.isArray((value as KubeTable).rows);
}

// kubectl's tabwriter: cells padded by 3 spaces, at least 6 wide; the last column is not padded.
const MIN_WIDTH = 6;
const PADDING = 3;

/** A cell as kubectl prints it: nothing for null, JSON for objects. */
function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') return cell;
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
    private readonly options: { wide?: boolean; withNamespace?: boolean; withKind?: ApiResource; noHeaders?: boolean } = {},
  ) {}

  /** Prints the rows of `table` (and the header the first time). Returns how many rows it printed. */
  print(table: KubeTable): number {
    if (table.rows.length === 0) return 0;
    this.columns ??= table.columnDefinitions.flatMap((c, i) => (this.options.wide || !c.priority ? [i] : []));
    const header = [...(this.options.withNamespace ? ['NAMESPACE'] : []), ...this.columns.map((i) => (table.columnDefinitions[i]?.name ?? '').toUpperCase())];
    const lines: string[][] = [];
    if (!this.headerPrinted && !this.options.noHeaders) lines.push(header);
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

/**
 * YAML that reads the same in YAML 1.1 and 1.2: strings such as `yes`, `on` or a timestamp are quoted,
 * as kubectl quotes them, so the output can be fed back to kubectl (YAML 1.1) unchanged.
 */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, version: '1.1' });
}

/** Objects as JSON (4-space indent, as kubectl), YAML, or `kind/name` lines; several objects as a v1 List. */
export function formatObjects(objects: readonly KubeObject[], format: 'json' | 'yaml' | 'name', r: ApiResource, asList: boolean): string {
  if (format === 'name') return objects.map((o) => `${displayKind(r)}/${o.metadata?.name ?? ''}\n`).join('');
  const typed = objects.map((o) => withTypeMeta(o, r));
  const value = asList ? { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: typed } : typed[0];
  return format === 'json' ? `${JSON.stringify(value, null, 4)}\n` : toYaml(value);
}
