/**
 * Wire formats shared by the worker SDK, the Local Controller (LC) and the Global Manager (GM).
 *
 * These follow the original Sedna byte for byte where users or old components depend on them
 * (see docs/original/gm-lc-protocol.md and docs/original/worker-contract.md#report-api), with additions that are
 * optional on the wire so an original peer still interoperates.
 */
import type { DeployDecision } from './schemas/common.js';
import type { DatasetCondition } from './schemas/dataset.js';

/** Stages of an incremental or lifelong learning job. */
export type WorkerKind = 'train' | 'eval' | 'deploy' | 'inference';

/** Status a worker reports about itself. */
export type WorkerReportStatus = 'completed' | 'failed' | 'running' | 'ready';

/** Metric values as workers report them: a scalar or a list (one value per class, for example). */
export type MetricValue = number | number[];

/**
 * One model as it travels in reports and in condition data (`IncrementalCondData` Model of the original).
 * `url` is the path as the worker sees it, with DATA_PATH_PREFIX removed.
 */
export interface ModelInfo {
  format: string;
  url: string;
  metrics?: Record<string, MetricValue>;
  device_soc_versions?: string[];
  /** sha256 of the file at `url` (hex), when the producer computed it. Ours always does for files. */
  sha256?: string;
  /** Size in bytes of the file at `url`, when it is a file. */
  size?: number;
  /** Ours, lifelong learning: the `create_time` of the KB index at `url`. */
  create_time?: string;
  classes?: string[];
  history_metric?: string;
  current_metric?: string;
  number_of_labeled_unseen_sample?: number;
  number_of_model?: number;
  number_of_unseen_sample?: number;
}

/**
 * Body of `POST {LC_SERVER}/sedna/workers/{name}/info`, as the original SDK sends it.
 * `name` must equal the path parameter.
 */
export interface WorkerReport {
  name: string;
  namespace: string;
  ownerName: string;
  /** Lower-case kind of the owning job, e.g. `incrementallearningjob`. */
  ownerKind: string;
  kind: WorkerKind;
  status: WorkerReportStatus;
  results?: ModelInfo[];
  ownerInfo?: Record<string, unknown>;
  /** Ours: a unique id per report so a retried delivery is recognised. Optional on the wire. */
  reportId?: string;
}

/** Reply of the LC worker API. The original capitalised the keys; ours are lower case. */
export interface WorkerReportReply {
  status: number;
  message: string;
}

/**
 * Operations of a GM-LC frame. `ack` and `hello` are ours; original peers never send them. `request`
 * (GM to LC) and `response` (LC to GM, same `messageId`) are ours too, for the dashboard's hard examples
 * and labels: a peer that does not know them ignores them, and the GM's request then times out.
 * `cancel` (GM to LC, the `messageId` of a request) says the GM no longer waits for that request's
 * response (its deadline passed, or the browser went away): the LC stops its work.
 */
export type FrameOperation = 'insert' | 'update' | 'delete' | 'status' | 'ack' | 'hello' | 'request' | 'response' | 'cancel';

/** What the GM asks of a job's LC for the dashboard (frame operation `request`, the job in the header). */
export type LcRequest =
  /**
   * A page of the hard examples waiting for a label (`queue`) or skipped (`skipped`), newest first
   * (`order: 'oldest'` for oldest first), of the model versions in `versions` when given (`initial`
   * for the initial model); `offset` (default 0) and `limit` (default 60, at most 200). With the count
   * of the whole filtered list, the counts per model version and of both lists, and the dataset's line count.
   */
  | { action: 'hardExamples.list'; list: 'queue' | 'skipped'; offset?: number; limit?: number; versions?: string[]; order?: 'newest' | 'oldest' }
  /** One hard example (either list); 404 with `body.state` `evicted`, `labelled` or `gone` when it is in neither. */
  | { action: 'hardExamples.get'; id: string }
  /** The sample file of a hard example (base64 in the response). */
  | { action: 'hardExamples.sample'; id: string }
  /**
   * Labels a hard example: its sample is copied beside the dataset index (temp file and rename), the
   * label line appended to the index in one O_APPEND write, and the example leaves the queue.
   */
  | { action: 'hardExamples.label'; id: string; boxes?: Array<{ x1: number; y1: number; x2: number; y2: number; cls: number }>; label?: string }
  /** Moves a hard example to the skipped list (kept, restorable) or back. */
  | { action: 'hardExamples.skip' | 'hardExamples.restore'; id: string }
  /** The COCO JSON of every labelled sample of the job's dataset index. */
  | { action: 'dataset.coco' };

/** The LC's answer to an {@link LcRequest} (frame operation `response`, the request's `messageId`). */
export interface LcResponse {
  /** An HTTP status: 200, or 400/404/409/500 with `error`. */
  status: number;
  body?: unknown;
  /** For `hardExamples.sample`: the bytes (base64) and their content type. */
  data?: string;
  contentType?: string;
  error?: string;
}

/** Header of a GM-LC frame. */
export interface FrameHeader {
  namespace: string;
  /** Lower-cased Kind: `dataset`, `model`, `incrementallearningjob`, ... */
  resourceKind: string;
  resourceName: string;
  operation: FrameOperation;
  /** Ours: id for the durable outbox. A frame without one is accepted without deduplication. */
  messageId?: string;
}

/**
 * A GM-LC frame as it is on the wire: `content` is the base64 of the UTF-8 JSON payload, because the
 * original marshals a Go `[]byte`.
 */
export interface WireFrame {
  header: FrameHeader;
  content: string;
}

/** Inputs of a stage, in the `data` of a condition (the original's `IncrementalCondData.input`). */
export interface CondInput {
  model?: ModelInfo;
  models?: ModelInfo[];
  dataURL?: string;
  dataIndexURL?: string;
  outputDir?: string;
}

/** Outputs of a stage, in the `data` of a condition (the original's `IncrementalCondData.output`). */
export interface CondOutput {
  model?: ModelInfo;
  models?: ModelInfo[];
  ownerInfo?: Record<string, unknown>;
}

/** Parsed form of a job condition's `data` JSON string. */
export interface IncrementalCondData {
  input?: CondInput;
  output?: CondOutput;
  /** Ours: the round the condition belongs to. */
  round?: number;
  /** Ours: the attempt of the stage (1 to 4; retries of a failed stage count up). */
  attempt?: number;
  /** Ours, on (S, Starting): the name of the worker pod of this stage, round and attempt. */
  worker?: string;
  /** Ours, on (Train, Waiting) with reason `RoundFailed`: the round that failed. */
  failedRound?: number;
  /**
   * Ours, on (Train, Waiting) with reason `RoundFailed`: the next round starts no earlier (RFC 3339);
   * 10 s after one failed round, doubling per consecutive failed round up to 5 min.
   */
  notBefore?: string;
  /** Ours, on deploy conditions: the deploy gate's verdict. */
  decision?: DeployDecision;
  /**
   * Ours, on (Train, Waiting): what the stage waits for, as its LC last said (`12 of 50 samples
   * (num_of_samples >= 50)`, `timer 02:00-04:00, now 15:10`, `no index at /data/index.txt`). The
   * condition's message is its own message (if any) followed by this.
   */
  waitingFor?: string;
  /**
   * Ours, on the latest condition while the GM cannot act on the job (a missing Dataset, Model or
   * Secret, an LC not connected): what blocks it. The message is this, then `; ` and the condition's own
   * message (if any), which comes back alone once nothing blocks.
   */
  blocked?: string;
  /** Ours, on deploy conditions: the inference pod was restarted once because it did not confirm the model in time. */
  restarted?: boolean;
  /** Ours, on (Train, Failed) with reason `InvalidSpec`: the `metadata.generation` found invalid. */
  generation?: number;
  /**
   * Ours, on the (Deploy, Waiting) that starts a rollback round: the request (the annotation value), the
   * round whose model serves again (`to`, and the round that trained it) and the one that served (`from`).
   * `input.models` is [target, serving]; the LC checks the target's files before it reports Ready.
   */
  rollback?: RollbackData;
}

/** The rollback a round carries out (see `IncrementalCondData.rollback`). */
export interface RollbackData {
  requested: string;
  to: number;
  toTrainedIn: number;
  from: number;
}

/** Upstream payload from an LC about a learning job (operation `status`). Phase and status are case-insensitive. */
export interface UpstreamJobMessage {
  phase: string;
  status: string;
  input?: CondInput;
  output?: CondOutput;
  /** Ours: the round this report belongs to, so a late report of an old round is recognised. */
  round?: number;
  /** Ours: the attempt of the stage a worker report belongs to (1 to 4), when the LC knows it. */
  attempt?: number;
  /**
   * Ours: a human-readable reason for a failure; with status `Waiting` (ours, phase Train), what the
   * waiting stage waits for. A GM that does not know `Waiting` reports ignores it: the stage waits the same.
   */
  reason?: string;
  /** Ours: the deploy gate's verdict, on a Deploy report (Ready for Deploy/ManualDeploy, Completed for Keep). */
  decision?: DeployDecision;
  /**
   * Ours: events about the job the GM records as Kubernetes Events, on a message of phase `Event` (status
   * `Warning` or `Normal`), e.g. Warning `WorkerReportRefused` when the LC refused a worker's report.
   */
  events?: JobEvent[];
}

/** Ours: an event the LC reports about a job; the GM records it as a Kubernetes Event on the job. */
export interface JobEvent extends DatasetEvent {
  /**
   * A worker pod of the job the event is about too (the worker whose report was refused): the GM records
   * the event on that pod as well, where it looks when the pod's stage ends without a report.
   */
  pod?: string;
}

/** Phase of an upstream job message that only carries `events` (no stage, no round). */
export const JOB_EVENT_PHASE = 'Event';

/** Ours: an event the LC reports about a Dataset (a line of its index put in quarantine); the GM records it as a Kubernetes Event. */
export interface DatasetEvent {
  type: 'Normal' | 'Warning';
  /** One CamelCase word, e.g. `LineQuarantined`. */
  reason: string;
  message: string;
}

/**
 * Upstream payload from an LC about a Dataset: the count of samples, and (ours) conditions on its index
 * and events. An LC before conditions sends only `numberOfSamples`; a newer one leaves the count out when
 * it has none (an index refused before it was ever read) and sends at least one of the three.
 */
export interface UpstreamDatasetMessage {
  numberOfSamples?: number;
  /** Ours: the LC's verdicts on the index, e.g. `IndexReadable` `False` reason `PathNotAllowed` or `ReadTimeout`; the GM keeps one per type. */
  conditions?: DatasetCondition[];
  /** Ours: events about the Dataset, e.g. Warning `LineQuarantined`. */
  events?: DatasetEvent[];
}

/**
 * The hot-update config file the LC writes and the inference worker watches
 * (`MODEL_HOT_UPDATE_CONFIG`). The original had the first two fields; the rest are ours.
 */
export interface ModelHotUpdateConfig {
  model_config: {
    model_path: string;
    model_update_time: string;
    model_version?: string;
    model_size?: number;
    model_sha256?: string;
  };
}

/** Encode a payload as a frame's `content` (base64 of its JSON), as the original does. */
export function encodeFrameContent(payload: unknown): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64');
}

/** Decode a frame's `content`. Accepts base64 JSON (the original) and, leniently, plain JSON text. */
export function decodeFrameContent<T = unknown>(content: string): T {
  const trimmed = content.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return JSON.parse(content) as T;
  return JSON.parse(Buffer.from(content, 'base64').toString('utf8')) as T;
}
