import { type KbExtractor } from '@sedna-ts/api-types/contract';
import { ClassType, registerBuiltin, type Registrable } from './classFactory.js';
import { BaseDataSource } from './dataSource.js';
import { type DataSource } from './estimator.js';
import { WorkerSdkError } from './errors.js';

/**
 * The seen-task modules of lifelong learning (the original's `seen_task_learning` / `multi_task_learning`
 * algorithms): task definition, relation discovery, allocation, remodeling and inference integration,
 * each registered in ClassFactory under the original's ClassType and names.
 */

/** A module chosen by name, as the original's `{"method": ..., "param": ...}`; `param` may be a JSON string. */
export interface ModuleSpec {
  method: string;
  param?: Record<string, unknown> | string;
}

/**
 * A module's `param`: a dict as is, a JSON object string parsed (the original's `json.loads(s,
 * encoding=...)` raised TypeError on Python 3.9+), empty when missing. Throws `CONFIG_INVALID` naming the
 * stage, the method and the value otherwise.
 */
export function parseModuleParam(stage: string, spec: ModuleSpec): Record<string, unknown> {
  const raw = spec.param;
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw === 'object' && !Array.isArray(raw)) return raw;
  if (typeof raw === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      throw new WorkerSdkError('CONFIG_INVALID', `LifelongLearning: ${stage} ${spec.method}: param: ${JSON.stringify(raw)} is not JSON (${(error as Error).message})`, { cause: error });
    }
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  }
  throw new WorkerSdkError('CONFIG_INVALID', `LifelongLearning: ${stage} ${spec.method}: param: ${JSON.stringify(raw)} is not an object or a JSON object string`);
}

/** A task: samples sharing a key (an attribute combination, an origin). */
export interface LlTask {
  entry: string;
  meta_attr: Record<string, string>;
  /** Its samples, the defining attributes removed. */
  samples: DataSource;
}

/** Tasks that share one model, as relation discovery groups them. */
export interface LlTaskGroup {
  entry: string;
  tasks: LlTask[];
  samples: DataSource;
}

/** Where allocation sends one sample. */
export interface Allocation {
  /** The task key computed for it. */
  key: string;
  /** The attribute values (or origin) it was computed from. */
  meta_attr: Record<string, string>;
  /** The sample as its task's model takes it (defining attributes removed). */
  x: unknown;
  /** Index of its task group in the index; undefined when the key is unknown (never silently group 0). */
  group: number | undefined;
}

/** Stage `task_definition`: splits labelled data into tasks and says how keys are computed. */
export interface TaskDefinition {
  define(data: DataSource): { tasks: LlTask[]; extractor: Omit<KbExtractor, 'keys'> };
}
/** Stage `task_relationship_discovery`: groups tasks that share a model. */
export interface TaskRelationDiscover {
  discover(tasks: LlTask[]): LlTaskGroup[];
}
/** Stage `task_allocation`: the task group of each sample at inference and eval. */
export interface TaskAllocation {
  allocate(samples: readonly unknown[], extractor: KbExtractor | null): Allocation[];
}
/** A slice of samples bound for one task group, with their positions in the input. */
export interface RemodeledSlice {
  group: number;
  inx: number[];
  x: unknown[];
}
/** Stage `task_remodeling`: splits allocated samples by group. */
export interface TaskRemodeling {
  remodel(allocations: readonly Allocation[]): RemodeledSlice[];
}
/** Stage `inference_integrate`: puts per-slice results back in input order. */
export interface InferenceIntegrate {
  integrate<R>(count: number, slices: ReadonlyArray<{ inx: readonly number[]; results: readonly R[] }>): Array<R | undefined>;
}

function isRow(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A list parameter: an array of strings, or a comma-separated string (`"real, sim"`). */
function listParam(owner: string, name: string, value: unknown, fallback: string[] = []): string[] {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  throw new WorkerSdkError('CONFIG_INVALID', `${owner}: param ${name}: ${JSON.stringify(value)} is not a list of strings`);
}

/** The key part of one attribute value: `_` becomes `-`, spaces are removed (the original's rule). */
export function keyPart(value: unknown): string {
  return String(value ?? '').replace(/_/g, '-').replace(/\s+/g, '');
}

function subset(dataType: DataSource['dataType'], x: unknown[], y: unknown[]): BaseDataSource {
  const data = new BaseDataSource(dataType);
  data.x = x;
  data.y = y;
  return data;
}

// ---------------------------------------------------------------------------------------------------
// Task definition

/**
 * `TaskDefinitionByDataAttr`: one task per combination of the `attribute` columns of the rows; key =
 * the values joined by `_` (inside a value `_` becomes `-`, spaces are removed). Each task's samples are
 * its rows without the attribute columns. Param `attribute`: a list or a comma-separated string.
 */
export class TaskDefinitionByDataAttr implements TaskDefinition {
  readonly attribute: string[];

  constructor(param: Record<string, unknown> = {}) {
    this.attribute = listParam('TaskDefinitionByDataAttr', 'attribute', param.attribute);
    if (this.attribute.length === 0) throw new WorkerSdkError('CONFIG_INVALID', 'TaskDefinitionByDataAttr: param attribute: empty; name the columns that define tasks, e.g. ["season", "cooling"]');
  }

  define(data: DataSource): { tasks: LlTask[]; extractor: Omit<KbExtractor, 'keys'> } {
    const byKey = new Map<string, { meta: Record<string, string>; x: unknown[]; y: unknown[] }>();
    const allocations = splitRows('TaskDefinitionByDataAttr', data.x, this.attribute);
    allocations.forEach((a, i) => {
      let task = byKey.get(a.key);
      if (!task) byKey.set(a.key, (task = { meta: a.meta_attr, x: [], y: [] }));
      task.x.push(a.x);
      task.y.push(data.y[i]);
    });
    const tasks = [...byKey.entries()].map(([entry, t]) => ({ entry, meta_attr: t.meta, samples: subset(data.dataType, t.x, t.y) }));
    return { tasks, extractor: { method: 'TaskDefinitionByDataAttr', param: { attribute: this.attribute } } };
  }
}

/** Key, attribute values and stripped row of each row, by the attribute columns. */
function splitRows(owner: string, rows: readonly unknown[], attribute: readonly string[]): Array<Omit<Allocation, 'group'>> {
  return rows.map((row, i) => {
    if (!isRow(row)) throw new WorkerSdkError('INPUT_INVALID', `${owner}: sample ${i}: ${JSON.stringify(row)?.slice(0, 80)} is not a row object (attributes define tasks)`);
    const meta: Record<string, string> = {};
    const x: Record<string, unknown> = { ...row };
    for (const name of attribute) {
      if (!(name in row)) throw new WorkerSdkError('INPUT_INVALID', `${owner}: sample ${i}: attribute ${JSON.stringify(name)} missing; columns: ${Object.keys(row).join(', ')}`);
      meta[name] = String(row[name]);
      delete x[name];
    }
    return { key: attribute.map((name) => keyPart(row[name])).join('_'), meta_attr: meta, x };
  });
}

/**
 * How `TaskDefinitionByOrigin` and `TaskAllocationByOrigin` find a sample's origin: the value of the
 * column `origin_attribute` of a row, else the first origin one of whose `match` substrings is in the
 * sample's path (the sample itself when a string, its first element when a list, else its
 * `path_field`), else `default`, else the last origin (the original's "everything else").
 */
class OriginRule {
  readonly origins: string[];
  readonly originAttribute: string | undefined;
  readonly match: Record<string, string[]>;
  readonly pathField: string;
  readonly fallback: string;

  constructor(owner: string, param: Record<string, unknown>) {
    this.origins = listParam(owner, 'attribute', param.attribute);
    this.originAttribute = typeof param.origin_attribute === 'string' && param.origin_attribute !== '' ? param.origin_attribute : undefined;
    this.match = {};
    if (param.match !== undefined) {
      if (!isRow(param.match)) throw new WorkerSdkError('CONFIG_INVALID', `${owner}: param match: ${JSON.stringify(param.match)} is not {origin: [substring, ...]}`);
      for (const [origin, list] of Object.entries(param.match)) this.match[origin] = listParam(owner, `match.${origin}`, list);
    }
    this.pathField = typeof param.path_field === 'string' ? param.path_field : 'path';
    if (this.origins.length === 0) this.origins.push(...Object.keys(this.match));
    if (this.origins.length === 0 && !this.originAttribute) {
      throw new WorkerSdkError('CONFIG_INVALID', `${owner}: param attribute (the origins, e.g. "real, sim") or origin_attribute is required (the original crashed without it)`);
    }
    this.fallback = typeof param.default === 'string' && param.default !== '' ? param.default : (this.origins[this.origins.length - 1] ?? '');
  }

  originOf(sample: unknown): string {
    if (this.originAttribute && isRow(sample) && sample[this.originAttribute] !== undefined) return keyPart(sample[this.originAttribute]);
    const path = typeof sample === 'string' ? sample : Array.isArray(sample) ? String(sample[0]) : isRow(sample) ? String(sample[this.pathField] ?? '') : '';
    for (const origin of this.origins) if ((this.match[origin] ?? []).some((s) => path.includes(s))) return origin;
    return this.fallback;
  }

  strip(sample: unknown): unknown {
    if (!this.originAttribute || !isRow(sample)) return sample;
    const { [this.originAttribute]: _origin, ...rest } = sample;
    return rest;
  }
}

/**
 * `TaskDefinitionByOrigin`: one task per origin of the samples (e.g. real / simulated). Params:
 * `attribute` (the origins, a list or `"real, sim"`), and `origin_attribute` (a column holding the
 * origin) or `match` (`{origin: [substrings of the sample path]}`), `path_field`, `default`. No city
 * names are built in (the original hard-coded 19 Cityscapes cities).
 */
export class TaskDefinitionByOrigin implements TaskDefinition {
  private readonly rule: OriginRule;
  private readonly param: Record<string, unknown>;

  constructor(param: Record<string, unknown> = {}) {
    this.rule = new OriginRule('TaskDefinitionByOrigin', param);
    this.param = param;
  }

  define(data: DataSource): { tasks: LlTask[]; extractor: Omit<KbExtractor, 'keys'> } {
    const byOrigin = new Map<string, { x: unknown[]; y: unknown[] }>();
    data.x.forEach((sample, i) => {
      const origin = this.rule.originOf(sample);
      let task = byOrigin.get(origin);
      if (!task) byOrigin.set(origin, (task = { x: [], y: [] }));
      task.x.push(this.rule.strip(sample));
      task.y.push(data.y[i]);
    });
    const tasks = [...byOrigin.entries()].map(([entry, t]) => ({ entry, meta_attr: { origin: entry }, samples: subset(data.dataType, t.x, t.y) }));
    return { tasks, extractor: { method: 'TaskDefinitionByOrigin', param: this.param } };
  }
}

// ---------------------------------------------------------------------------------------------------
// Relation discovery, allocation, remodeling, integration

/** `DefaultTaskRelationDiscover`: each task in its own group, named after it. */
export class DefaultTaskRelationDiscover implements TaskRelationDiscover {
  constructor(_param: Record<string, unknown> = {}) {}

  discover(tasks: LlTask[]): LlTaskGroup[] {
    return tasks.map((task) => ({ entry: task.entry, tasks: [task], samples: task.samples }));
  }
}

function groupOf(extractor: KbExtractor | null, key: string): number | undefined {
  const keys = extractor?.keys;
  return keys && Object.prototype.hasOwnProperty.call(keys, key) ? keys[key] : undefined;
}

/**
 * `TaskAllocationByDataAttr` (Gen-1 `TaskMiningByDataAttr`): the key of each row by the `attribute`
 * columns (param, else the extractor's), looked up in the extractor. An unknown key gets no group (the
 * original silently sent it to group 0); the unseen recogniser decides what serves it.
 */
export class TaskAllocationByDataAttr implements TaskAllocation {
  private readonly attribute: string[] | undefined;

  constructor(param: Record<string, unknown> = {}) {
    const list = listParam('TaskAllocationByDataAttr', 'attribute', param.attribute);
    this.attribute = list.length > 0 ? list : undefined;
  }

  allocate(samples: readonly unknown[], extractor: KbExtractor | null): Allocation[] {
    const attribute = this.attribute ?? listParam('TaskAllocationByDataAttr', 'extractor.param.attribute', extractor?.param.attribute);
    if (attribute.length === 0) throw new WorkerSdkError('CONFIG_INVALID', 'TaskAllocationByDataAttr: no attribute: give param attribute, or an index whose extractor names them');
    return splitRows('TaskAllocationByDataAttr', samples, attribute).map((a) => ({ ...a, group: groupOf(extractor, a.key) }));
  }
}

/** `TaskAllocationByOrigin`: the origin of each sample (params as `TaskDefinitionByOrigin`, else the extractor's). */
export class TaskAllocationByOrigin implements TaskAllocation {
  private readonly param: Record<string, unknown>;

  constructor(param: Record<string, unknown> = {}) {
    this.param = param;
  }

  allocate(samples: readonly unknown[], extractor: KbExtractor | null): Allocation[] {
    const rule = new OriginRule('TaskAllocationByOrigin', { ...(extractor?.param ?? {}), ...this.param });
    return samples.map((sample) => {
      const origin = rule.originOf(sample);
      return { key: origin, meta_attr: { origin }, x: rule.strip(sample), group: groupOf(extractor, origin) };
    });
  }
}

/** `TaskAllocationDefault`: every sample to group 0 (the original's default), when the index has one. */
export class TaskAllocationDefault implements TaskAllocation {
  constructor(_param: Record<string, unknown> = {}) {}

  allocate(samples: readonly unknown[], extractor: KbExtractor | null): Allocation[] {
    const has = extractor !== null && Object.values(extractor.keys).includes(0);
    return samples.map((x) => ({ key: '', meta_attr: {}, x, group: has ? 0 : undefined }));
  }
}

/** `DefaultTaskRemodeling`: one slice per group, in order of first appearance; unallocated samples are left out. */
export class DefaultTaskRemodeling implements TaskRemodeling {
  constructor(_param: Record<string, unknown> = {}) {}

  remodel(allocations: readonly Allocation[]): RemodeledSlice[] {
    const slices = new Map<number, RemodeledSlice>();
    allocations.forEach((a, i) => {
      if (a.group === undefined) return;
      let slice = slices.get(a.group);
      if (!slice) slices.set(a.group, (slice = { group: a.group, inx: [], x: [] }));
      slice.inx.push(i);
      slice.x.push(a.x);
    });
    return [...slices.values()];
  }
}

/** `DefaultInferenceIntegrate`: scatters each slice's results back to the positions it came from. */
export class DefaultInferenceIntegrate implements InferenceIntegrate {
  constructor(_param: Record<string, unknown> = {}) {}

  integrate<R>(count: number, slices: ReadonlyArray<{ inx: readonly number[]; results: readonly R[] }>): Array<R | undefined> {
    const out = new Array<R | undefined>(count).fill(undefined);
    for (const slice of slices) slice.inx.forEach((position, j) => (out[position] = slice.results[j]));
    return out;
  }
}

// The original registers each module under STP and, for the Gen-1 copies, under MTL (spelled
// `multi_task_learening`), with the Gen-1 names of allocation (`TaskMining...`).
const SEEN_TASK_MODULES: ReadonlyArray<[Registrable, string[]]> = [
  [TaskDefinitionByDataAttr, ['TaskDefinitionByDataAttr']],
  [TaskDefinitionByOrigin, ['TaskDefinitionByOrigin']],
  [DefaultTaskRelationDiscover, ['DefaultTaskRelationDiscover']],
  [TaskAllocationByDataAttr, ['TaskAllocationByDataAttr', 'TaskMiningByDataAttr']],
  [TaskAllocationByOrigin, ['TaskAllocationByOrigin']],
  [TaskAllocationDefault, ['TaskAllocationDefault']],
  [DefaultTaskRemodeling, ['DefaultTaskRemodeling']],
  [DefaultInferenceIntegrate, ['DefaultInferenceIntegrate']],
];
for (const [cls, names] of SEEN_TASK_MODULES) {
  for (const name of names) {
    registerBuiltin(cls, ClassType.STP, name);
    registerBuiltin(cls, ClassType.MTL, name);
  }
}
