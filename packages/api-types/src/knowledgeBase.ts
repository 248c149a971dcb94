/**
 * The lifelong-learning knowledge base (KB) as every party reads it: the JSON task index the train and
 * eval workers write and the KB service keeps per job, the routes of the KB service, what a worker
 * reports about the KB so the GM can fill `status.knowledgeBase`, and the unseen-sample record the
 * inference worker saves. Part of `@sedna-ts/api-types/contract` (no Node built-ins).
 *
 * The index keeps the original's keys (`seen_task`, `unseen_task`, `task_groups`, `extractor`,
 * `create_time`), as JSON instead of a Python pickle, with every artifact a URL
 * (docs/design/lifelong-learning.md).
 */
import { compareRfc3339, parseRfc3339 } from './rfc3339.js';

/** `format` of a KB index of this version. */
export const KB_INDEX_FORMAT = 'sedna-ts.kb-index/v1';
/** File name of a KB index (the original's was `index.pkl`, a pickle we cannot read). */
export const KB_INDEX_FILE = 'index.json';
/** Default port of the KB service (the original's). */
export const KB_DEFAULT_PORT = 9020;
/** Route prefix of the KB service. */
export const KB_ROUTE_PREFIX = '/knowledgebase';
/**
 * Routes of the KB service, under `KB_ROUTE_PREFIX`. `update`, `update/status`, `file/upload` and
 * `file/download` are the original's; `index` (GET the job's index) is ours. Every route needs a
 * worker token (`Authorization: Bearer`), which opens only its own job's index and files.
 */
export const KB_ROUTES = {
  /** POST, multipart field `task` (or a JSON body): the job's new index. Replies with its download path. */
  update: '/update',
  /** POST, JSON `{tasks: "a,b", status: 0|1}`: marks task groups deployed (1) or dropped (0). */
  updateStatus: '/update/status',
  /** POST, multipart field `file`: stores an artifact of the job. Replies with its download path. */
  fileUpload: '/file/upload',
  /** GET `?files=<relative path>&name=<download name>`: an artifact of the job. */
  fileDownload: '/file/download',
  /** GET: the job's current index (JSON), 404 before the first. */
  index: '/index',
} as const;
/** Largest body the KB service takes (an index, or an uploaded artifact). */
export const KB_MAX_UPLOAD_BYTES = 256 * 1024 * 1024;
/** Largest index the KB service takes. */
export const KB_MAX_INDEX_BYTES = 16 * 1024 * 1024;

/** How a task index maps a sample to its task group. */
export interface KbExtractor {
  /** The task definition that made it, e.g. `TaskDefinitionByDataAttr` or `TaskDefinitionByOrigin`. */
  method: string;
  /** Its parameters (e.g. `{attribute: ["season", "cooling"]}`). */
  param: Record<string, unknown>;
  /** Task key (e.g. `Summer_AC`) to the index of its group in `task_groups`. */
  keys: Record<string, number>;
}

/** The model of a task group. */
export interface KbModel {
  /** Unique id of this model in the job's KB: `<group entry>@r<round>`. */
  id: string;
  /** Position of its group in `task_groups`. */
  index: number;
  /** The group's entry. */
  entry: string;
  /** Where the model is: a host path (as the workers see it, DATA_PATH_PREFIX removed) or a URL. */
  url: string;
  /** The same artifact in the KB service (`<kb>/knowledgebase/file/download?...`), when uploaded. */
  kb_url?: string;
  /** Model format, e.g. `json` (tfjs layers), `onnx`. */
  format: string;
  /** sha256 of the model file, hex. */
  sha256?: string;
  /**
   * The files of the model's folder, relative to `url`'s folder (e.g. `model.json`, `weights.bin`), so an
   * edge that fetches the model through `kb_url` gets all of them. Relative paths inside that folder: no
   * `..` segment, no leading `/`, no NUL, no backslash (`parseKbIndex` refuses the index otherwise).
   */
  files?: string[];
  /** Training metrics. */
  result: Record<string, number>;
  /** Round that trained it (0: before any round). */
  round: number;
  /** Samples it was trained on (all rounds that trained this version, cumulated). */
  numberOfTrainSamples: number;
  /** The model it was fine-tuned from (`id`), or undefined when trained from `base_model` or from scratch. */
  base?: string;
  /** Whether it is the global model serving groups with fewer than `min_train_sample` samples. */
  global?: boolean;
}

/** One task: a set of samples sharing a key (an attribute combination, an origin). */
export interface KbTask {
  /** Task key, e.g. `Summer_AC`. */
  entry: string;
  /** The attribute values that define it, by attribute name. */
  meta_attr: Record<string, string>;
  /** Samples of this task in the rounds that trained its group's model. */
  sample_num: number;
  /** The task's samples as the KB stored them, when uploaded. */
  samples_url?: string;
  /** Evaluation scores of the last eval, by metric. */
  scores?: Record<string, number>;
  /** Whether its samples were unseen when they arrived (a task learnt by `update` from unseen samples). */
  learnt_from_unseen?: boolean;
}

/** Tasks that share one model. */
export interface KbTaskGroup {
  entry: string;
  tasks: KbTask[];
  model: KbModel;
  /** Samples of the group's tasks. */
  sample_num: number;
  /** Whether the group is deployed (false: the last eval dropped its new model). */
  deploy: boolean;
  /**
   * The model this round's `model` replaces (in a train worker's index, for a group whose model the round
   * changed), so the eval can keep it when it drops the new one; absent for a new group.
   */
  previous_model?: KbModel;
  /** Why the last eval dropped a new model of this group (its previous model stays). */
  dropped?: { round: number; model: string; scores: Record<string, number>; reason: string };
}

/** One side of the index (seen tasks, unseen tasks). */
export interface KbTaskIndex {
  task_groups: KbTaskGroup[];
  extractor: KbExtractor | null;
}

/** A KB task index: the original's keys, in JSON. */
export interface KbIndex {
  format: typeof KB_INDEX_FORMAT;
  /** The job it belongs to. */
  namespace: string;
  job: string;
  /**
   * When this version was made (RFC 3339 with milliseconds, e.g. `2026-01-01T10:00:00.000Z`); versions
   * are told apart and ordered by it. `parseKbIndex` refuses a value that is not an RFC 3339 time.
   */
  create_time: string;
  /** Round that made it. */
  round: number;
  seen_task: KbTaskIndex;
  unseen_task: KbTaskIndex;
  /** The fallback model serving samples of groups too small to train, if any. */
  global_model?: KbModel;
  /** Samples learnt so far that were unseen when they arrived. */
  numberOfLabeledUnseenSample?: number;
}

/** Why `parseKbIndex` refused a value: the field path and what is wrong. */
export interface KbIndexProblem {
  path: string;
  message: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a model's file path (`files[i]`) is refused, or undefined when it is a relative path inside the model's folder. */
function modelFileProblem(file: unknown): string | undefined {
  if (typeof file !== 'string' || file === '') return 'is not a non-empty string';
  if (file.includes('\0')) return 'contains a NUL character';
  if (file.includes('\\')) return 'contains a backslash';
  if (file.startsWith('/') || /^[A-Za-z]:/.test(file)) return "is an absolute path; give a path relative to the model's folder";
  if (file.split('/').includes('..')) return "has a \"..\" segment (a file outside the model's folder)";
  return undefined;
}

/** The first problem of a model at `at` (`seen_task.task_groups[0].model`, `global_model`), or undefined. */
function modelProblem(model: unknown, at: string): KbIndexProblem | undefined {
  if (!isRecord(model)) return { path: at, message: 'is not an object' };
  for (const key of ['id', 'url', 'format'] as const) {
    if (typeof model[key] !== 'string' || model[key] === '') return { path: `${at}.${key}`, message: `${JSON.stringify(model[key])} is not a non-empty string` };
  }
  if (model.kb_url !== undefined && (typeof model.kb_url !== 'string' || model.kb_url === '')) return { path: `${at}.kb_url`, message: `${JSON.stringify(model.kb_url)} is not a non-empty string` };
  if (model.files !== undefined) {
    if (!Array.isArray(model.files)) return { path: `${at}.files`, message: 'is not a list' };
    for (const [k, file] of model.files.entries()) {
      const why = modelFileProblem(file);
      if (why) return { path: `${at}.files[${k}]`, message: `${JSON.stringify(file)} ${why}` };
    }
  }
  return undefined;
}

/**
 * Checks a parsed JSON value is a KB index of this version; returns it, or the first problem with the
 * field path (e.g. `seen_task.task_groups[2].model.url`). A pickle or another format is refused, and so
 * are a `create_time` that is not an RFC 3339 time and a model `files` entry that leaves the model's
 * folder (`..`, an absolute path, a NUL, a backslash).
 */
export function parseKbIndex(value: unknown): { ok: true; index: KbIndex } | { ok: false; problem: KbIndexProblem } {
  const fail = (path: string, message: string) => ({ ok: false as const, problem: { path, message } });
  if (!isRecord(value)) return fail('(index)', 'is not a JSON object');
  if (value.format !== KB_INDEX_FORMAT) return fail('format', `${JSON.stringify(value.format)} is not ${JSON.stringify(KB_INDEX_FORMAT)}`);
  for (const key of ['namespace', 'job', 'create_time'] as const) {
    if (typeof value[key] !== 'string' || value[key] === '') return fail(key, `${JSON.stringify(value[key])} is not a non-empty string`);
  }
  if (!parseRfc3339(value.create_time as string)) return fail('create_time', `${JSON.stringify(value.create_time)} is not an RFC 3339 time (e.g. "2026-01-01T10:00:00.000Z")`);
  if (!Number.isInteger(value.round) || (value.round as number) < 0) return fail('round', `${JSON.stringify(value.round)} is not a round number`);
  for (const side of ['seen_task', 'unseen_task'] as const) {
    const part = value[side];
    if (!isRecord(part)) return fail(side, 'is not an object');
    if (!Array.isArray(part.task_groups)) return fail(`${side}.task_groups`, 'is not a list');
    for (const [i, group] of part.task_groups.entries()) {
      const at = `${side}.task_groups[${i}]`;
      if (!isRecord(group)) return fail(at, 'is not an object');
      if (typeof group.entry !== 'string' || group.entry === '') return fail(`${at}.entry`, `${JSON.stringify(group.entry)} is not a non-empty string`);
      if (!Array.isArray(group.tasks)) return fail(`${at}.tasks`, 'is not a list');
      for (const [j, task] of group.tasks.entries()) {
        if (!isRecord(task) || typeof task.entry !== 'string') return fail(`${at}.tasks[${j}].entry`, 'is not a string');
      }
      const problem = modelProblem(group.model, `${at}.model`) ?? (group.previous_model === undefined ? undefined : modelProblem(group.previous_model, `${at}.previous_model`));
      if (problem) return { ok: false, problem };
    }
    if (part.extractor !== null && part.extractor !== undefined) {
      const extractor = part.extractor;
      if (!isRecord(extractor) || typeof extractor.method !== 'string' || !isRecord(extractor.keys)) return fail(`${side}.extractor`, 'is not {method, param, keys}');
      for (const [key, n] of Object.entries(extractor.keys)) {
        if (!Number.isInteger(n) || (n as number) < 0 || (n as number) >= part.task_groups.length) return fail(`${side}.extractor.keys.${key}`, `${JSON.stringify(n)} is not the index of a task group`);
      }
    }
  }
  const global = value.global_model === undefined ? undefined : modelProblem(value.global_model, 'global_model');
  if (global) return { ok: false, problem: global };
  return { ok: true, index: value as unknown as KbIndex };
}

/**
 * Orders two index versions by the instant their `create_time` names (not as text: `+01:00` and `Z`
 * times compare right): negative when `a` is earlier, 0 for the same instant, positive when later.
 * Both must be RFC 3339 times, as `parseKbIndex` checks.
 *
 * @throws TypeError when either is not an RFC 3339 time.
 * @example
 * compareKbCreateTimes('2026-01-01T10:00:00.000Z', '2026-01-01T10:30:00.000+01:00'); // > 0
 */
export function compareKbCreateTimes(a: string, b: string): number {
  const left = parseRfc3339(a);
  const right = parseRfc3339(b);
  if (!left || !right) throw new TypeError(`compareKbCreateTimes: ${JSON.stringify(left ? b : a)} is not an RFC 3339 time`);
  return compareRfc3339(left, right);
}

/** Every model of an index: one per seen task group (and the global fallback), deduplicated by id. */
export function kbIndexModels(index: KbIndex): KbModel[] {
  const byId = new Map<string, KbModel>();
  for (const group of index.seen_task.task_groups) byId.set(group.model.id, group.model);
  if (index.global_model) byId.set(index.global_model.id, index.global_model);
  return [...byId.values()];
}

// ---------------------------------------------------------------------------------------------------
// What workers report about the KB (the GM fills `status.knowledgeBase` from it)

/** Key of the KB summary in a lifelong train or eval worker's `ownerInfo`. */
export const KB_SUMMARY_KEY = 'knowledge_base';
/** Key, in an inference worker's deploy report `ownerInfo`, of the index version it serves. */
export const KB_CREATE_TIME_KEY = 'create_time';

/** One model of the KB as the status lists it. */
export interface KbSummaryModel {
  modelID: string;
  /** The task group it serves. */
  task: string;
  /** Evaluation metrics (after eval) or training metrics (after train). */
  metrics: Record<string, number>;
  numberOfTrainSamples: number;
  /** The round that trained it. */
  round: number;
}

/** What a lifelong train or eval worker reports about the KB it wrote (`ownerInfo.knowledge_base`). */
export interface KbSummary {
  create_time: string;
  round: number;
  /** The index as the KB service serves it, when uploaded (the result's `url` is the file). */
  index_url?: string;
  models: KbSummaryModel[];
  /** Task groups whose new model the eval dropped, with their scores. */
  dropped?: Array<{ task: string; modelID: string; scores: Record<string, number>; reason: string }>;
  /** Groups whose model this round changed (trained, fine-tuned). */
  changed?: string[];
  classes?: string[];
  numberOfLabeledUnseenSample?: number;
}

/** Turns an index into the summary a worker reports. */
export function kbSummaryOf(index: KbIndex, extra: Pick<KbSummary, 'index_url' | 'dropped' | 'changed' | 'classes'> = {}): KbSummary {
  const models: KbSummaryModel[] = index.seen_task.task_groups.map((group) => {
    const scores = group.tasks.find((t) => t.scores)?.scores;
    return {
      modelID: group.model.id,
      task: group.entry,
      metrics: scores ?? group.model.result,
      numberOfTrainSamples: group.model.numberOfTrainSamples,
      round: group.model.round,
    };
  });
  const summary: KbSummary = { create_time: index.create_time, round: index.round, models, ...extra };
  if (index.numberOfLabeledUnseenSample !== undefined) summary.numberOfLabeledUnseenSample = index.numberOfLabeledUnseenSample;
  return summary;
}

/** Reads a KB summary from a report's `ownerInfo`, or undefined when it has none (or a malformed one). */
export function readKbSummary(ownerInfo: Record<string, unknown> | undefined): KbSummary | undefined {
  const value = ownerInfo?.[KB_SUMMARY_KEY];
  if (!isRecord(value) || typeof value.create_time !== 'string' || !Array.isArray(value.models)) return undefined;
  const models = value.models.filter(
    (m): m is KbSummaryModel => isRecord(m) && typeof m.modelID === 'string' && typeof m.task === 'string' && typeof m.numberOfTrainSamples === 'number' && isRecord(m.metrics),
  );
  return { ...(value as unknown as KbSummary), models };
}

// ---------------------------------------------------------------------------------------------------
// Unseen samples on the edge

/**
 * The record an inference worker saves beside an unseen sample (`<stem>.meta.json`, the hard-example
 * layout, so the LC's store indexes, counts and trims them): why it was unseen and what served it.
 */
export interface UnseenSampleMeta {
  /** `attribute` (a task key the extractor does not know) or `confidence` (the model was unsure). */
  reason: 'attribute' | 'confidence' | string;
  /** The task key computed for the sample, when attributes define tasks. */
  task?: string;
  /** The sample's attributes. */
  meta_attr?: Record<string, string>;
  /** The confidence that flagged it, for `confidence`. */
  confidence?: number;
  /** The inference result served (by the fallback model). */
  result: unknown;
  /** `create_time` of the index serving. */
  modelVersion: string | null;
  /** When it was saved, RFC 3339. */
  time: string;
}
