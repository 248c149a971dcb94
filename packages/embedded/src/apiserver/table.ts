import { compileJsonPath } from './jsonpath.js';
import { type KubeObject } from './kubeObject.js';
import { type PrinterColumn, type ResourceType } from './resources.js';

/**
 * A duration as kubectl prints ages (`45s`, `3m12s`, `5h2m`, `3d4h`, `2y10d`): Kubernetes'
 * `duration.HumanDuration`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    const y = Math.floor(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

/** The age of a timestamp as kubectl prints it, `<unknown>` when there is none. */
export function age(timestamp: unknown, now: Date): string {
  if (typeof timestamp !== 'string' || timestamp === '') return '<unknown>';
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now.getTime() - t);
}

/** The Age column every kind shows last. */
export const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'string',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  cell: (o, now) => age(o.metadata.creationTimestamp, now),
};

/** A CRD's additionalPrinterColumns entry. */
export interface CrdPrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** Turns CRD printer columns into table columns evaluated by their JSONPath. */
export function crdColumns(columns: readonly CrdPrinterColumn[] | undefined): PrinterColumn[] {
  if (!columns || columns.length === 0) return [AGE_COLUMN];
  return columns.map((c) => {
    const path = compileJsonPath(c.jsonPath);
    return {
      name: c.name,
      type: c.type,
      ...(c.format ? { format: c.format } : {}),
      ...(c.description ? { description: c.description } : {}),
      priority: c.priority ?? 0,
      cell: (o: KubeObject, now: Date): unknown => {
        const v = path.evaluate(o)[0];
        if (v === undefined || v === null) return null;
        if (c.type === 'date') return age(v, now);
        if (c.type === 'string') return typeof v === 'string' ? v : JSON.stringify(v);
        return v;
      },
    };
  });
}

/** Which object each Table row carries (`includeObject`). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** A `meta.k8s.io/v1` Table. */
export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: { name: string; type: string; format: string; description: string; priority: number }[];
  rows: { cells: unknown[]; object?: unknown }[];
}

/** The metadata-only form of an object (`PartialObjectMetadata`). */
export function partialMetadata(o: KubeObject): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

/** Builds the Table form of objects of one resource, as `kubectl get` asks for it. */
export function toTable(
  rt: ResourceType,
  objects: readonly KubeObject[],
  options: { include: IncludeObject; now: Date; listMeta?: Table['metadata']; withColumns?: boolean },
): Table {
  const columns = rt.columns;
  const rows = objects.map((o) => {
    const row: { cells: unknown[]; object?: unknown } = { cells: [o.metadata.name ?? '', ...columns.map((c) => c.cell(o, options.now))] };
    if (options.include === 'Object') row.object = o;
    else if (options.include === 'Metadata') row.object = partialMetadata(o);
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: options.listMeta ?? {},
    columnDefinitions:
      options.withColumns === false
        ? []
        : [
            {
              name: 'Name',
              type: 'string',
              format: 'name',
              description: 'Name must be unique within a namespace. Cannot be updated.',
              priority: 0,
            },
            ...columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })),
          ],
    rows,
  };
}
