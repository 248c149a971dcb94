/**
 * The contract between the Global Manager, the Local Controllers, the worker SDK and the CLI
 * (`@sedna-ts/api-types/contract`): every name more than one of them writes or reads, defined once.
 * Annotation, label and finalizer keys; the GM-LC protocol version and close codes; the paths the GM
 * mounts into worker pods and the per-job folders of an LC; the worker environment; how a condition's
 * `data`, round and attempt are read; the manual trigger annotation. No Node built-ins: a browser
 * bundle (a dashboard) can import it. Token derivation is in `@sedna-ts/api-types/tokens`.
 */
import { JobStage } from './constants.js';
import type { JobCondition } from './schemas/common.js';
import { RFC3339 } from './rfc3339.js';
import type { IncrementalCondData } from './wire.js';

export * from './knowledgeBase.js';
export * from './deadlines.js';

// ---------------------------------------------------------------------------------------------------
// Annotations, labels, finalizers

/** Annotation `sedna trigger` sets on a job: `<train|eval|deploy>@<RFC 3339 time>`. */
export const TRIGGER_ANNOTATION = 'sedna.io/trigger';
/** Annotation `sedna rollback` sets: `<round|previous>@<RFC 3339 time>` (see `parseRollbackRequest`). */
export const ROLLBACK_ANNOTATION = 'sedna.io/rollback';
/**
 * Annotation of a learning job whose workers may report without a worker token: `none` (the only value).
 * Workers written with the original's Python library send no `Authorization` header; with this opt-in
 * the LC accepts their reports, but only from the pods the job's conditions name on its node (see
 * `workerAuthOptOut`). An annotation, so the original's CRD stays as it is.
 */
export const WORKER_AUTH_ANNOTATION = 'sedna.io/worker-auth';
/** The one value of `sedna.io/worker-auth`: reports without a token are accepted from the job's own pods. */
export const WORKER_AUTH_NONE = 'none';

/**
 * Whether a job's annotations opt in to reports without a worker token: `true` for `none` (any case,
 * spaces trimmed), `false` when absent, else an error naming the annotation and its value.
 *
 * @example
 * workerAuthOptOut({ 'sedna.io/worker-auth': 'none' }); // true
 */
export function workerAuthOptOut(annotations: Readonly<Record<string, string>> | undefined): boolean | { error: string } {
  const value = annotations?.[WORKER_AUTH_ANNOTATION];
  if (value === undefined) return false;
  // Exactly `none`: a value that only looks like it (` none`, `None`) turns no check off.
  if (value === WORKER_AUTH_NONE) return true;
  return { error: `metadata.annotations["${WORKER_AUTH_ANNOTATION}"]: ${JSON.stringify(value)} is not "${WORKER_AUTH_NONE}" (the only value; remove the annotation to require worker tokens)` };
}

/** Reason of the Warning event on a job (and on the worker pod it names) when an LC refuses a worker report. */
export const REPORT_REFUSED_REASON = 'WorkerReportRefused';

/** A worker report an LC refused, as its `WorkerReportRefused` event says it. */
export interface ReportRefusal {
  /** The node of the LC that refused it. */
  node: string;
  /** The report's kind (`train`, `eval`, `deploy`, `inference`), or `unknown` when its body did not say. */
  reportKind: string;
  /** The worker of the URL (`/sedna/workers/{worker}/info`). */
  worker: string;
  /** The HTTP status of the refusal. */
  code: number;
  /** The `reason` label the LC counted it under in `sedna_lc_worker_reports_rejected_total`. */
  reason: string;
  /** The reply's message. */
  detail: string;
}

/**
 * The message of a `WorkerReportRefused` event, which `parseReportRefusal` reads back (the GM quotes it
 * when a stage ends without a report).
 *
 * @example
 * reportRefusalMessage({ node: 'edge-1', reportKind: 'train', worker: 'w', code: 401, reason: 'no-token', detail: 'no token' });
 * // 'the LC of node edge-1 refused the train report of worker w (401 no-token): no token'
 */
export function reportRefusalMessage(refusal: ReportRefusal): string {
  return `the LC of node ${refusal.node} refused the ${refusal.reportKind} report of worker ${refusal.worker} (${refusal.code} ${refusal.reason}): ${refusal.detail}`;
}

/** The refusal a `WorkerReportRefused` event message says, or undefined for another text. */
export function parseReportRefusal(message: string): ReportRefusal | undefined {
  const match = /^the LC of node (\S+) refused the (\S+) report of worker (\S+) \((\d{3}) ([a-z-]+)\): ([\s\S]*)$/.exec(message);
  if (!match) return undefined;
  const [, node, reportKind, worker, code, reason, detail] = match as unknown as [string, string, string, string, string, string, string];
  return { node, reportKind, worker, code: Number(code), reason, detail };
}

/** Annotation of a learning job naming its classes in id order (`helmet,head`): the labels the dashboard offers and the LC accepts. */
export const CLASS_NAMES_ANNOTATION = 'sedna.io/class-names';
/**
 * Annotation of a learning job saying what its labels are: `boxes` (detection: index lines
 * `path x1,y1,x2,y2,cls ...`) or `class` (classification: `path label`). Without it the LC takes the
 * shape of the first labelled line of the job's dataset index (see `labelShapeAnnotation`).
 */
export const LABELS_ANNOTATION = 'sedna.io/labels';
/** The shapes of a label: boxes (detection) or one class per sample (classification). */
export const LABEL_SHAPES = ['boxes', 'class'] as const;
/** A shape of a label: see {@link LABELS_ANNOTATION}. */
export type LabelShape = (typeof LABEL_SHAPES)[number];

/**
 * The label shape a job's annotations declare: `boxes` or `class` (exactly), undefined when absent,
 * else an error naming the annotation and its value.
 *
 * @example
 * labelShapeAnnotation({ 'sedna.io/labels': 'boxes' }); // 'boxes'
 */
export function labelShapeAnnotation(annotations: Readonly<Record<string, string>> | undefined): LabelShape | undefined | { error: string } {
  const value = annotations?.[LABELS_ANNOTATION];
  if (value === undefined) return undefined;
  if ((LABEL_SHAPES as readonly string[]).includes(value)) return value as LabelShape;
  return { error: `metadata.annotations["${LABELS_ANNOTATION}"]: ${JSON.stringify(value)} is not ${LABEL_SHAPES.map((s) => `"${s}"`).join(' or ')}` };
}

/** Annotation of the GM's Lease: the kinds of job the leading GM handles (`IncrementalLearningJob,...`). */
export const KINDS_ANNOTATION = 'sedna.io/kinds';
/** Label of the GM's Lease (`true`), so clients find it whatever its name and namespace. */
export const GM_LEASE_LABEL = 'sedna.io/global-manager';
/** Label of worker pods: the round they belong to. */
export const ROUND_LABEL = 'sedna.io/round';
/** Label of worker pods: the attempt (1 to the maximum) of the stage they run; 0 for an inference pod started outside a deploy. */
export const ATTEMPT_LABEL = 'sedna.io/attempt';
/** Finalizer through which a deleted job's pods and LC folders are cleaned up. */
export const CLEANUP_FINALIZER = 'sedna.io/cleanup';
/** Label of worker-token Secrets (`true`). */
export const WORKER_TOKEN_LABEL = 'sedna.io/worker-token';
/** The key of the token in a worker-token Secret. */
export const WORKER_TOKEN_SECRET_KEY = 'token';

/** The original's labels of a job's worker pods, prefixed by the lower-case kind. */
export interface WorkerLabelKeys {
  /** `<kind>.sedna.io/name`: the job's name. */
  name: string;
  /** `<kind>.sedna.io/uid`: the job's uid. */
  uid: string;
  /** `<kind>.sedna.io/worker-type`: train, eval or inference. */
  workerType: string;
}

/** The label keys of worker pods for a lower-case kind such as `incrementallearningjob`. */
export function workerLabelKeys(resourceKind: string): WorkerLabelKeys {
  return {
    name: `${resourceKind}.sedna.io/name`,
    uid: `${resourceKind}.sedna.io/uid`,
    workerType: `${resourceKind}.sedna.io/worker-type`,
  };
}

// ---------------------------------------------------------------------------------------------------
// GM-LC protocol

/** The GM-LC protocol version, sent by the LC in `Sec-WebSocket-Protocol`-style hello and checked by the GM. */
export const PROTOCOL_VERSION = 1;
/** WebSocket close code: the connection was replaced by a newer one of the same node. */
export const CLOSE_REPLACED = 4000;
/** WebSocket close code: the peer speaks another protocol version (the reason names both). */
export const CLOSE_UNSUPPORTED_PROTOCOL = 4001;
/** WebSocket close code: a frame broke the protocol (no hello in time, a malformed frame). */
export const CLOSE_PROTOCOL_ERROR = 4002;
/** WebSocket close code: this GM replica does not lead (any more). */
export const CLOSE_NOT_LEADER = 4003;

/**
 * The close reason (and log line) of a side that refuses its peer's protocol version: both versions,
 * from the side that says it (`this LC speaks 1, the GM 2`). Short enough for a close frame (123 bytes).
 *
 * @example
 * protocolMismatch('GM', 2); // 'protocol version mismatch: this GM speaks 1, the LC 2'
 */
export function protocolMismatch(self: 'GM' | 'LC', peerVersion: unknown): string {
  const peer = self === 'GM' ? 'LC' : 'GM';
  const theirs = peerVersion === undefined ? 'none' : typeof peerVersion === 'string' ? peerVersion : (JSON.stringify(peerVersion) ?? String(peerVersion));
  return `protocol version mismatch: this ${self} speaks ${PROTOCOL_VERSION}, the ${peer} ${theirs.slice(0, 24)}`;
}

// ---------------------------------------------------------------------------------------------------
// Sizes agreed end to end (a report the LC takes must fit in a condition, a status in the API server)

/** The largest worker report body the LC takes (413 beyond). */
export const MAX_REPORT_BYTES = 1024 * 1024;
/** The largest `data` of one condition, as JSON (a report whose models and ownerInfo make more is refused). */
export const MAX_CONDITION_DATA_BYTES = 64 * 1024;
/** The GM keeps a job's status, as JSON, under this many bytes by dropping the oldest conditions. */
export const MAX_STATUS_BYTES = 1024 * 1024;
/** Most entries of `status.deployments` (the oldest are dropped first). */
export const MAX_DEPLOYMENTS = 50;

// ---------------------------------------------------------------------------------------------------
// Paths in worker pods and on the node

/** Where host paths are mounted in worker containers (`DATA_PATH_PREFIX`), as the original. */
export const DATA_PATH_PREFIX = '/home/data';
/** Where the job's hot-update folder is mounted in the inference worker. */
export const HOT_UPDATE_MOUNT_PATH = '/model-hot-update';
/** The file the LC writes in a hot-update folder and the inference worker polls. */
export const HOT_UPDATE_CONFIG_FILE = 'model_config.json';
/** `MODEL_HOT_UPDATE_CONFIG` as the inference worker sees it. */
export const HOT_UPDATE_CONFIG_PATH = `${HOT_UPDATE_MOUNT_PATH}/${HOT_UPDATE_CONFIG_FILE}`;
/** `HE_SAVED_URL`: where the inference worker saves hard examples (the LC's folder of the job). */
export const HARD_EXAMPLES_MOUNT_PATH = '/sedna/hard-examples';
/** `SEDNA_REPORT_SPOOL_DIR`: an emptyDir where the inference worker keeps reports its LC has not taken yet. */
export const REPORT_SPOOL_MOUNT_PATH = '/sedna/report-spool';
/** The parts of a pod template `userHardExampleFolder` reads. */
export interface HardExampleTemplate {
  containers?: ReadonlyArray<{ env?: ReadonlyArray<{ name: string; value?: string }>; volumeMounts?: ReadonlyArray<{ name: string; mountPath: string; subPath?: string }> }>;
  volumes?: ReadonlyArray<{ name: string; hostPath?: { path: string } }>;
}

/**
 * The `HE_SAVED_URL` a job's inference template sets itself (the original's helmet example does, with a
 * hostPath volume of its own), and where that folder is on the node: `hostPath` through the template's
 * hostPath volume mounted above it (its `subPath` and the rest of the path joined), or undefined when no
 * hostPath volume holds it (a process on one machine then writes the path itself). Undefined when the
 * template sets no `HE_SAVED_URL`: the GM mounts the LC's folder of the job. The GM and the LC call this.
 *
 * @example
 * userHardExampleFolder({ containers: [{ env: [{ name: 'HE_SAVED_URL', value: '/he/out' }], volumeMounts: [{ name: 'he', mountPath: '/he' }] }], volumes: [{ name: 'he', hostPath: { path: '/data/he' } }] });
 * // { url: '/he/out', hostPath: '/data/he/out' }
 */
export function userHardExampleFolder(template: HardExampleTemplate | undefined): { url: string; hostPath?: string } | undefined {
  for (const container of template?.containers ?? []) {
    const url = container.env?.find((e) => e.name === 'HE_SAVED_URL')?.value?.trim();
    if (!url) continue;
    const clean = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);
    const target = clean(url);
    let best: { mountPath: string; hostPath: string } | undefined;
    for (const mount of container.volumeMounts ?? []) {
      const mountPath = clean(mount.mountPath);
      if (target !== mountPath && !target.startsWith(mountPath === '/' ? '/' : `${mountPath}/`)) continue;
      const host = template?.volumes?.find((v) => v.name === mount.name)?.hostPath?.path;
      if (!host || (best && best.mountPath.length >= mountPath.length)) continue;
      best = { mountPath, hostPath: [clean(host), mount.subPath].filter(Boolean).join('/') };
    }
    if (!best) return { url };
    const rest = target.slice(best.mountPath === '/' ? 0 : best.mountPath.length).replace(/^\/+/, '');
    return { url, hostPath: rest ? `${best.hostPath}/${rest}` : best.hostPath };
  }
  return undefined;
}

/** The original's host root of hot-update folders, used when an LC does not say its own. */
export const DEFAULT_HOT_UPDATE_ROOT = '/var/lib/sedna/model-hot-update';

/**
 * The folder of one job under an LC root (hot updates, hard examples): `<root>/<namespace>/<kind>/<name>`,
 * lower case as the original. The GM mounts it into the job's pods and the LC writes it: both call this.
 *
 * @example
 * jobFolder('/var/lib/sedna/model-hot-update', 'default', 'IncrementalLearningJob', 'helmet');
 * // '/var/lib/sedna/model-hot-update/default/incrementallearningjob/helmet'
 */
export function jobFolder(root: string, namespace: string, kind: string, name: string): string {
  const base = root.length > 1 ? root.replace(/\/+$/, '') : root;
  const parts = [namespace, kind, name].map((p) => p.toLowerCase());
  return base === '/' ? `/${parts.join('/')}` : [base, ...parts].join('/');
}

// ---------------------------------------------------------------------------------------------------
// Output folders

/**
 * A job output folder as `outputDirOverlap` compares it: the scheme lower-cased, `.` and empty parts
 * dropped, `..` applied, no trailing slash (`/` for the root).
 */
export function normalisedFolder(dir: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(dir)?.[0] ?? '';
  const parts: string[] = [];
  for (const part of dir.slice(scheme.length).split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  const absolute = dir.slice(scheme.length).startsWith('/') ? '/' : '';
  return `${scheme.toLowerCase()}${absolute}${parts.join('/')}`;
}

/**
 * How the job output folder `dir` lies against `other`'s: `same`, `inside` it, or `holds` it; undefined
 * when apart. Two jobs must not overlap: they would overwrite each other's round files and models.
 *
 * @example
 * outputDirOverlap('/out/a/', '/out/a'); // 'same'
 * outputDirOverlap('/out/a/b', '/out/a'); // 'inside'
 * outputDirOverlap('/out/ab', '/out/a'); // undefined
 */
export function outputDirOverlap(dir: string, other: string): 'same' | 'inside' | 'holds' | undefined {
  const a = normalisedFolder(dir);
  const b = normalisedFolder(other);
  const under = (x: string, folder: string) => (folder.endsWith('/') ? x.startsWith(folder) && x !== folder : x.startsWith(`${folder}/`));
  if (a === b) return 'same';
  if (under(a, b)) return 'inside';
  if (under(b, a)) return 'holds';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Worker environment

/** The workers an environment variable is given to. */
export type WorkerEnvTarget = 'train' | 'eval' | 'inference';

/** One environment variable of the worker contract. */
export interface WorkerEnvEntry {
  /** The workers the GM gives it to. */
  readonly workers: readonly WorkerEnvTarget[];
  /** What it holds. */
  readonly description: string;
}

const ALL: readonly WorkerEnvTarget[] = ['train', 'eval', 'inference'];

/**
 * The environment the GM writes into worker containers and the SDK's BaseConfig reads: the original's
 * names, plus ours prefixed `SEDNA_`. Keys are the variable names.
 */
export const WORKER_ENV = {
  NAMESPACE: { workers: ALL, description: "the job's namespace" },
  JOB_NAME: { workers: ALL, description: "the job's name" },
  WORKER_NAME: { workers: ALL, description: "the worker pod's name (the {name} of its reports)" },
  LC_SERVER: { workers: ALL, description: "the worker API of the LC of the pod's node" },
  SEDNA_WORKER_TOKEN: { workers: ALL, description: "the worker's token (from its Secret), sent as Authorization: Bearer" },
  DATA_PATH_PREFIX: { workers: ALL, description: 'where host paths are mounted (/home/data) when the pod mounts any' },
  BASE_MODEL_URL: { workers: ['train'], description: 'the model training starts from' },
  MODEL_URL: { workers: ALL, description: 'train and eval: where to write the output; inference: the model to serve' },
  MODEL_URLS: { workers: ['eval', 'inference'], description: 'eval: the models to evaluate, separated by ;; lifelong inference: the deployed KB index' },
  OUTPUT_URL: { workers: ALL, description: 'lifelong learning: where train and eval write (the KB index, models); inference: the job\'s outputDir' },
  KB_SERVER: { workers: ALL, description: 'lifelong learning: the knowledge-base service (http://host:9020)' },
  HAS_COMPLETED_INITIAL_TRAINING: { workers: ['train'], description: 'lifelong learning: "true" once a round has trained (the worker updates the KB)' },
  CLOUD_KB_INDEX: { workers: ['train'], description: 'lifelong learning: the KB index the round starts from' },
  unseen_save_url: { workers: ['inference'], description: 'lifelong learning: where unseen samples are saved (the original\'s lower-case name)' },
  TRAIN_DATASET_URL: { workers: ['train'], description: "the round's train samples" },
  TEST_DATASET_URL: { workers: ['eval'], description: "the round's eval samples" },
  ORIGINAL_DATASET_URL: { workers: ['train', 'eval'], description: "the Dataset's index" },
  HEM_NAME: { workers: ['inference'], description: 'the hard-example filter' },
  HEM_PARAMETERS: { workers: ['inference'], description: 'its parameters, a JSON list of {key, value}' },
  HE_SAVED_URL: { workers: ['inference'], description: 'where hard examples are saved' },
  MODEL_HOT_UPDATE: { workers: ['inference'], description: '"true" when the model is swapped in without a restart' },
  MODEL_POLL_PERIOD_SECONDS: { workers: ['inference'], description: 'how often the hot-update file is polled' },
  MODEL_HOT_UPDATE_CONFIG: { workers: ['inference'], description: 'the hot-update file' },
  SEDNA_REPORT_SPOOL_DIR: { workers: ['inference'], description: 'where unsent reports wait across restarts' },
} as const satisfies Record<string, WorkerEnvEntry>;

/** The name of a worker environment variable of the contract. */
export type WorkerEnvName = keyof typeof WORKER_ENV;
/** Values of worker environment variables, by name. */
export type WorkerEnvValues = Partial<Record<WorkerEnvName, string>>;

// ---------------------------------------------------------------------------------------------------
// Conditions as every reader reads them

/** A condition's `data` parsed; a missing or malformed value gives `{}` (the original tolerated both). */
export function parseConditionData(data: string | undefined): IncrementalCondData {
  if (!data) return {};
  try {
    const parsed: unknown = JSON.parse(data);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as IncrementalCondData) : {};
  } catch {
    return {};
  }
}

function nonNegativeInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** The round of a condition: its own `round`, else the one in its `data`, else `fallback`. */
export function conditionRound(condition: Pick<JobCondition, 'round' | 'data'>, fallback: number): number {
  return nonNegativeInteger(condition.round) ?? nonNegativeInteger(parseConditionData(condition.data).round) ?? fallback;
}

/** The stage attempt of a condition: `data.attempt`, else 1. */
export function conditionAttempt(condition: Pick<JobCondition, 'data'>): number {
  const attempt = parseConditionData(condition.data).attempt;
  return typeof attempt === 'number' && Number.isInteger(attempt) && attempt >= 1 ? attempt : 1;
}

/** The last condition, the current state; undefined before the first. */
export function latestCondition<C>(conditions: readonly C[] | undefined): C | undefined {
  return conditions && conditions.length > 0 ? conditions[conditions.length - 1] : undefined;
}

// ---------------------------------------------------------------------------------------------------
// The manual trigger

/** A parsed manual trigger. */
export interface ManualTrigger {
  stage: JobStage;
  /** Milliseconds since the epoch of the annotation's time. */
  timeMs: number;
}

const TRIGGER_STAGES: Readonly<Record<string, JobStage>> = { train: JobStage.Train, eval: JobStage.Eval, deploy: JobStage.Deploy };
const MAX_SHOWN = 80;
/** How far ahead of the reader's clock a trigger's time may be (clocks of different machines differ). */
export const MAX_TRIGGER_SKEW_MS = 5 * 60_000;

/**
 * Parses the annotation value `<train|eval|deploy>@<RFC 3339 time>` (stage in any case). The GM and
 * the LC both act on a trigger only when this accepts it; otherwise an error text naming the value (cut
 * to 80 characters). Given `nowMs`, a time more than `MAX_TRIGGER_SKEW_MS` ahead is refused too.
 *
 * @example
 * parseManualTrigger('train@2026-12-04T10:00:00Z'); // { stage: 'Train', timeMs: 1796378400000 }
 * parseManualTrigger('train@garbage'); // { error: '"train@garbage" is not <train|eval|deploy>@<RFC 3339 time>' }
 */
export function parseManualTrigger(value: string, nowMs?: number): ManualTrigger | { error: string } {
  const at = value.indexOf('@');
  const stage = at < 0 ? undefined : TRIGGER_STAGES[value.slice(0, at).trim().toLowerCase()];
  const text = at < 0 ? '' : value.slice(at + 1).trim();
  const time = RFC3339.test(text) ? Date.parse(text) : Number.NaN;
  // A long value is shown cut, with its length: it goes into events and logs.
  const shown = value.length > MAX_SHOWN ? `${JSON.stringify(value.slice(0, MAX_SHOWN))}... (${value.length} characters)` : JSON.stringify(value);
  if (!stage || Number.isNaN(time)) return { error: `${shown} is not <train|eval|deploy>@<RFC 3339 time>` };
  // A time in the future would never be consumed (the stage must leave Waiting after it): refused.
  if (nowMs !== undefined && time > nowMs + MAX_TRIGGER_SKEW_MS) return { error: `${shown} is in the future (more than ${MAX_TRIGGER_SKEW_MS / 1000} s ahead of this clock)` };
  return { stage, timeMs: time };
}

// ---------------------------------------------------------------------------------------------------
// Rollback

/** A parsed rollback request: serve again the model round `target` deployed, or the one before the current. */
export interface RollbackRequest {
  /** A round number (0: the job's initial deploy model), or `previous`: the model that served before the current one. */
  target: number | 'previous';
  /** Milliseconds since the epoch of the annotation's time. */
  timeMs: number;
}

/**
 * Parses the annotation value `<round|previous>@<RFC 3339 time>` of `sedna.io/rollback`. The GM acts on
 * a request only when this accepts it; otherwise an error text naming the value (cut to 80 characters).
 * Given `nowMs`, a time more than `MAX_TRIGGER_SKEW_MS` ahead is refused too. The whole value identifies
 * the request: the outcome in `status.lastRollback.requested` repeats it.
 *
 * @example
 * parseRollbackRequest('1@2026-12-05T04:00:00Z'); // { target: 1, timeMs: 1796443200000 }
 * parseRollbackRequest('previous@2026-12-05T04:00:00Z'); // { target: 'previous', timeMs: 1796443200000 }
 */
export function parseRollbackRequest(value: string, nowMs?: number): RollbackRequest | { error: string } {
  const at = value.indexOf('@');
  const head = at < 0 ? '' : value.slice(0, at).trim().toLowerCase();
  const text = at < 0 ? '' : value.slice(at + 1).trim();
  const time = RFC3339.test(text) ? Date.parse(text) : Number.NaN;
  const shown = value.length > MAX_SHOWN ? `${JSON.stringify(value.slice(0, MAX_SHOWN))}... (${value.length} characters)` : JSON.stringify(value);
  const target = head === 'previous' ? 'previous' : /^\d{1,9}$/.test(head) ? Number(head) : undefined;
  if (target === undefined || Number.isNaN(time)) return { error: `${shown} is not <round|previous>@<RFC 3339 time>` };
  if (nowMs !== undefined && time > nowMs + MAX_TRIGGER_SKEW_MS) return { error: `${shown} is in the future (more than ${MAX_TRIGGER_SKEW_MS / 1000} s ahead of this clock)` };
  return { target, timeMs: time };
}

/** The annotation value of a rollback to `target` asked at `at`. */
export function rollbackAnnotationValue(target: number | 'previous', at: Date): string {
  return `${target}@${at.toISOString()}`;
}

// ---------------------------------------------------------------------------------------------------
// Metrics: the labels every component's series share (the Grafana dashboard and its test read these)

/**
 * The label of a learning job's name on the series of the GM, the LCs and the inference workers, beside
 * `namespace`. Not `job`: Prometheus sets `job` on every series to the target's scrape job, so a learning
 * job named like a scrape job (`sedna-gm`) would merge with it.
 */
export const METRIC_JOB_LABEL = 'sedna_job';
/** Values of a `stage` label: a job stage in lower case, as every value of an enumerated label. */
export const METRIC_STAGES = ['train', 'eval', 'deploy'] as const;
/** Values of the `result` label of a round, a stage or a hot update that ended. */
export const METRIC_OUTCOMES = ['completed', 'failed'] as const;
/** Values of a deploy gate's `decision` label (`Deploy`, `Keep`, `ManualDeploy`, `Rollback` in status). */
export const METRIC_DECISIONS = ['deploy', 'keep', 'manual_deploy', 'rollback'] as const;

/** The `stage` label of a stage (`Train` -> `train`); `unknown` for anything else. */
export function stageLabel(stage: string): string {
  const value = stage.toLowerCase();
  return (METRIC_STAGES as readonly string[]).includes(value) ? value : 'unknown';
}

/** The `result` label of a condition type that ends something (`Completed` -> `completed`); `unknown` otherwise. */
export function outcomeLabel(type: string): string {
  const value = type.toLowerCase();
  return (METRIC_OUTCOMES as readonly string[]).includes(value) ? value : 'unknown';
}

/** The `decision` label of a deploy gate's verdict (`ManualDeploy` -> `manual_deploy`); `unknown` otherwise. */
export function decisionLabel(decision: string | undefined): string {
  const value = (decision ?? '').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return (METRIC_DECISIONS as readonly string[]).includes(value) ? value : 'unknown';
}

/**
 * The values the code writes for the enumerated labels of each metric, one form everywhere: lower case,
 * words joined by `_` (besides `unknown` for what the code cannot name). The Grafana dashboard's test
 * checks every label value its queries match against these.
 */
export const METRIC_LABEL_VALUES: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  sedna_gm_rounds_total: { result: METRIC_OUTCOMES },
  sedna_gm_stage_duration_seconds: { stage: METRIC_STAGES, result: METRIC_OUTCOMES },
  sedna_gm_trigger_latency_seconds: { stage: METRIC_STAGES },
  sedna_gm_trigger_decisions_total: { stage: METRIC_STAGES, decision: ['fire', ...METRIC_DECISIONS] },
  sedna_lc_trigger_checks_total: { stage: METRIC_STAGES, result: ['fire', 'wait'] },
  sedna_lc_triggers_fired_total: { stage: METRIC_STAGES, cause: ['trigger', 'manual'] },
  sedna_lc_deploy_decisions_total: { decision: METRIC_DECISIONS },
  sedna_lc_upstream_acks_total: { result: ['ok', 'rejected'] },
  sedna_worker_inferences_total: { result: ['ok', 'error'] },
  sedna_worker_model_updates_total: { result: METRIC_OUTCOMES },
};
