/**
 * What the job pages show, derived from a job object alone (pure functions): its rounds with the stage
 * timeline, the gate's metric per finished round, the deploy decisions and the model lineage.
 */

/** A condition of a learning job, as in its status. */
export interface Condition {
  type: string;
  status?: string;
  stage: string;
  round?: number;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
  data?: string;
}

/** The deploy gate's verdict, as in condition data and `status.lastDecision`. */
export interface Decision {
  round: number;
  decision: string;
  reason?: string;
  metric?: string;
  operator?: string;
  threshold?: number;
  compared?: Record<string, number | number[]>;
  time?: string;
  deployed?: string[];
}

/** A job object as the dashboard reads it. */
export interface Job {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; creationTimestamp?: string; annotations?: Record<string, string>; uid?: string };
  spec?: Record<string, unknown>;
  status?: {
    conditions?: Condition[];
    round?: number;
    lastDecision?: Decision;
    lastGoodModel?: { url?: string; format?: string };
    deployments?: Array<{ round: number; trainedIn: number; decision: string; model?: { url?: string; format?: string }; since?: string }>;
    servingIndex?: { url: string; createTime: string; round: number };
    knowledgeBase?: KnowledgeBase;
    startTime?: string;
  };
}

/** A lifelong-learning job's knowledge base summary. */
export interface KnowledgeBase {
  AIModels?: { numberOfAIModels: number; listOfAIModels?: Array<{ modelID: string; averagePrecision: number; numberOfTrainSamples: number; task?: string; metrics?: Record<string, number>; round?: number }> };
  AIClasses?: { numberOfAIClasses: number; listOfAIClasses?: string[] };
  samples?: { numberOfLabeledUnseenSample: number; numberOfUnseenSample: number };
}

/** The parsed `data` of a condition (fields the pages use). */
export interface ConditionData {
  round?: number;
  attempt?: number;
  worker?: string;
  decision?: Decision;
  output?: { model?: { url?: string; metrics?: Record<string, number | number[]> }; models?: Array<{ url?: string; format?: string; metrics?: Record<string, number | number[]> }> };
  input?: { models?: Array<{ url?: string }> };
}

/** The parsed data of a condition; `{}` when it has none or it is not JSON. */
export function dataOf(condition: Condition): ConditionData {
  if (!condition.data) return {};
  try {
    const parsed = JSON.parse(condition.data) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as ConditionData) : {};
  } catch {
    return {};
  }
}

/** The round of a condition (its `round`, else its data's, else 0). */
export function roundOf(condition: Condition): number {
  return condition.round ?? dataOf(condition).round ?? 0;
}

/** One stage of one round, in the timeline. */
export interface StageSpan {
  stage: string;
  /** The condition types it went through, in order, e.g. Waiting, Ready, Starting, Running, Completed. */
  steps: Array<{ type: string; reason?: string; message?: string; time?: string }>;
  start?: string;
  /** When the stage was left (the next stage's first condition), or its last condition. */
  end?: string;
  durationMs?: number;
  failed: boolean;
  /** The worker pods of the stage (from its Starting conditions). */
  workers: string[];
  last: string;
}

/** One round: its stages in order. */
export interface Round {
  round: number;
  stages: StageSpan[];
  decision?: Decision;
  finished: boolean;
  /** The round failed (a stage failed past its retries: the GM's Train Waiting condition with reason RoundFailed). */
  failed: boolean;
}

function timeOf(c: Condition): string | undefined {
  return c.lastTransitionTime ?? c.lastHeartbeatTime;
}

/** The rounds of a job, oldest first, each with its stage spans (a stage entered again after a retry is one span). */
export function roundsOf(job: Job): Round[] {
  const conditions = job.status?.conditions ?? [];
  const rounds = new Map<number, Round>();
  const spans: StageSpan[] = [];
  for (const c of conditions) {
    const r = roundOf(c);
    let round = rounds.get(r);
    if (!round) {
      round = { round: r, stages: [], finished: false, failed: false };
      rounds.set(r, round);
    }
    let span = round.stages.at(-1);
    if (!span || span.stage !== c.stage) {
      span = { stage: c.stage, steps: [], failed: false, workers: [], last: c.type, ...(timeOf(c) ? { start: timeOf(c) } : {}) };
      round.stages.push(span);
      spans.push(span);
    }
    span.steps.push({ type: c.type, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}), ...(timeOf(c) ? { time: timeOf(c) } : {}) });
    span.last = c.type;
    if (c.type === 'Failed') span.failed = true;
    if (c.type === 'Waiting' && c.reason === 'RoundFailed') round.failed = true;
    const data = dataOf(c);
    if (data.worker && !span.workers.includes(data.worker)) span.workers.push(data.worker);
    if (data.decision && c.stage === 'Deploy') round.decision = data.decision;
  }
  // A stage ends with its Completed (or last Failed) condition; one left otherwise ends where the next began.
  spans.forEach((span, i) => {
    const done = span.last === 'Completed' || span.last === 'Failed';
    const end = done ? span.steps.at(-1)?.time : spans[i + 1]?.start;
    if (end) span.end = end;
    if (span.start && span.end) span.durationMs = Date.parse(span.end) - Date.parse(span.start);
  });
  const ordered = [...rounds.values()].sort((a, b) => a.round - b.round);
  for (const round of ordered) {
    // A round ends with its Deploy stage Completed (or Failed past the retries), when it failed, or when the next round began.
    round.finished = round.failed || round.stages.some((s) => s.stage === 'Deploy' && (s.last === 'Completed' || s.last === 'Failed')) || ordered.some((o) => o.round > round.round);
  }
  // Round 0 holds the job's start (Train Waiting): not a round of work.
  return ordered.filter((r) => r.round > 0 || r.stages.some((s) => s.stage !== 'Train' || s.last !== 'Waiting'));
}

/** The value of a gate metric as one number: the mean of a per-class list. */
export function metricValue(value: number | number[] | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  if (value.length === 0) return undefined;
  return value.reduce((a, b) => a + b, 0) / value.length;
}

/** One point of the metrics chart: a finished round's gate metric, with the threshold it was compared with. */
export interface MetricPoint {
  round: number;
  metric: string;
  value: number;
  threshold: number;
  decision: string;
}

/** The gate's metric per round that has a decision with that metric, oldest first. */
export function metricPoints(job: Job): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (const round of roundsOf(job)) {
    const d = round.decision;
    if (!d?.metric || d.threshold === undefined) continue;
    const value = metricValue(d.compared?.[d.metric]);
    if (value === undefined) continue;
    points.push({ round: round.round, metric: d.metric, value, threshold: d.threshold, decision: d.decision });
  }
  return points;
}

/** The deploy decisions, one per round, oldest first. */
export function decisionsOf(job: Job): Decision[] {
  return roundsOf(job)
    .map((r) => r.decision)
    .filter((d): d is Decision => d !== undefined);
}

/** The model a round's Train stage produced (its Completed output), if any. */
export function trainedModel(job: Job, round: number): string | undefined {
  const done = (job.status?.conditions ?? []).filter((c) => c.stage === 'Train' && c.type === 'Completed' && roundOf(c) === round).at(-1);
  if (!done) return undefined;
  const out = dataOf(done).output;
  return out?.models?.find((m) => m.format === 'onnx')?.url ?? out?.models?.[0]?.url ?? out?.model?.url;
}

/** Lineage: which models served (and from which round), and which rounds' models were kept out. */
export interface Lineage {
  serving?: { round: number; trainedIn: number; url?: string };
  served: Array<{ round: number; trainedIn: number; decision: string; url?: string; since?: string }>;
  keptOut: Array<{ round: number; url?: string; reason?: string }>;
}

/** The lineage of a job's models. */
export function lineageOf(job: Job): Lineage {
  const served = (job.status?.deployments ?? []).map((d) => ({ round: d.round, trainedIn: d.trainedIn, decision: d.decision, ...(d.model?.url ? { url: d.model.url } : {}), ...(d.since ? { since: d.since } : {}) }));
  const keptOut = decisionsOf(job)
    .filter((d) => d.decision === 'Keep')
    .map((d) => ({ round: d.round, ...(trainedModel(job, d.round) ? { url: trainedModel(job, d.round) } : {}), ...(d.reason ? { reason: d.reason } : {}) }));
  const last = served.at(-1);
  return { ...(last ? { serving: { round: last.round, trainedIn: last.trainedIn, ...(last.url ? { url: last.url } : {}) } } : {}), served, keptOut };
}

/** The job's current stage and its state (the last condition). */
export function currentOf(job: Job): { stage: string; type: string; reason?: string } | undefined {
  const c = job.status?.conditions?.at(-1);
  return c ? { stage: c.stage, type: c.type, ...(c.reason ? { reason: c.reason } : {}) } : undefined;
}

/** Age of an object in a short form (`42s`, `5m`, `3h`, `2d`). */
export function age(since: string | undefined, now: number): string {
  if (!since) return '';
  const s = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** A duration in a short form (`850ms`, `12.3s`, `4m 05s`). */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m ${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

/** ANSI escape sequences (colours, cursor moves) of a terminal, as a worker's log may hold them. */
const ANSI = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])/g;

/** `text` without its ANSI escape sequences (the log panel showed them raw: `\u001b[31mError`). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}
