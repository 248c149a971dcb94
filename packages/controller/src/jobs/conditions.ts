/**
 * The conditions of a learning job: an append-only list whose last element is the current stage and
 * state. Each condition carries its round, and its `data` is the JSON of the stage's input and output
 * plus our fields (round, attempt, worker, failedRound, decision).
 */
import {
  ConditionStatus,
  type JobConditionType,
  JobStage,
  type IncrementalCondData,
  type JobCondition,
} from '@sedna-ts/api-types';
import { MAX_STATUS_BYTES, parseConditionData } from '@sedna-ts/api-types/contract';
import { utf8Head } from '@sedna-ts/internal';

export { conditionAttempt, conditionRound, latestCondition } from '@sedna-ts/api-types/contract';

/**
 * Parsed `data` of a condition: the original's `IncrementalCondData` (input, output) with ours (round,
 * attempt, worker, failedRound, decision), as api-types defines it.
 */
export type ConditionData = IncrementalCondData;

/** Reasons the Global Manager writes on the conditions it appends. */
export const ConditionReason = {
  /** A failed stage is tried again (the next attempt). */
  Retry: 'Retry',
  /** A stage failed on its last attempt: the round ends and its samples go back to the pools. */
  RoundFailed: 'RoundFailed',
  /** `sedna trigger eval|deploy` started a round at that stage. */
  ManualTrigger: 'ManualTrigger',
  /** `sedna rollback` started a round that deploys an earlier model again. */
  Rollback: 'Rollback',
  /** The worker pod failed (exit code, signal or eviction in the message). */
  PodFailed: 'PodFailed',
  /** The worker pod disappeared before the stage finished. */
  PodDeleted: 'PodDeleted',
  /** The worker pod succeeded but no report arrived within the grace period. */
  NoReport: 'NoReport',
  /** A worker pod stayed Pending (not started) past the start deadline. */
  StartTimeout: 'StartTimeout',
  /** The inference worker did not confirm the deployed model in time, even after one restart. */
  DeployTimeout: 'DeployTimeout',
  /** The inference worker did not confirm the deployed model in time: its pod is restarted once. */
  DeployRestarted: 'DeployRestarted',
  /** The worker (through its LC) reported the stage failed. */
  WorkerFailed: 'WorkerFailed',
  /** The condition was reported by the Local Controller. */
  ReportedByLc: 'ReportedByLC',
  /** The job's spec (this generation) is invalid: no pod, no LC frame until it changes. */
  InvalidSpec: 'InvalidSpec',
  /** A new generation of a job whose spec was invalid is valid: the round starts again. */
  SpecFixed: 'SpecFixed',
} as const;
/** A reason the Global Manager writes on a condition. */
export type ConditionReason = (typeof ConditionReason)[keyof typeof ConditionReason];

/** Parses a condition's `data`; a missing or malformed value gives `{}` (the original tolerated both). */
export function conditionData(condition: Pick<JobCondition, 'data'> | undefined): ConditionData {
  return parseConditionData(condition?.data);
}

/** What to append: stage, type, round, and optionally reason, message and data. */
export interface NewCondition {
  stage: JobStage;
  type: JobConditionType;
  round: number;
  reason?: string;
  message?: string;
  data?: ConditionData;
}

/**
 * A condition as the Global Manager appends it: status "True", both timestamps `now`, `data` as JSON
 * with the round repeated inside (so a reader of `data` alone knows it).
 */
export function makeCondition(spec: NewCondition, now: string): JobCondition {
  const data: ConditionData = { ...spec.data, round: spec.round };
  const condition: JobCondition = {
    type: spec.type,
    status: ConditionStatus.True,
    stage: spec.stage,
    round: spec.round,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
    data: JSON.stringify(data),
  };
  if (spec.reason) condition.reason = spec.reason;
  if (spec.message) condition.message = spec.message;
  return condition;
}

/** The newest messages with several lines (a failure with its worker's log lines) that are kept whole. */
export const FULL_MESSAGES = 3;
/** Most UTF-8 bytes of one condition message the GM writes (a longer one is cut, marked with `…`). */
export const MAX_MESSAGE_BYTES = 4096;
/** Most UTF-8 bytes of every other message: one line, its first and, when it had more, its last. */
export const MAX_SHORT_MESSAGE_BYTES = 256;

/**
 * What the messages of `count` conditions take at most, in UTF-8 bytes, however many rounds fail: the
 * latest condition's and the newest {@link FULL_MESSAGES} with log lines whole, every other one line
 * (65.5 KiB for 200 conditions).
 */
export function messagesBound(count: number): number {
  const whole = Math.min(count, FULL_MESSAGES + 1);
  return whole * MAX_MESSAGE_BYTES + (count - whole) * MAX_SHORT_MESSAGE_BYTES;
}

/** `text` within `maxBytes`, cut at a character and ended with `…` (3 bytes) when cut. */
function cut(text: string, maxBytes: number): string {
  return Buffer.byteLength(text) <= maxBytes ? text : `${utf8Head(text, Math.max(0, maxBytes - 3))}…`;
}

/**
 * A message in one line of at most `maxBytes`: its first line and, when it had more, ` … ` and its last
 * (a worker's log tail: the exit code and the log's first line, then the error it ended with).
 *
 * @example
 * messageSummary('worker pod p failed: exit 1: Traceback\n  File "t.py"\nValueError: bad');
 * // 'worker pod p failed: exit 1: Traceback … ValueError: bad'
 */
export function messageSummary(message: string, maxBytes = MAX_SHORT_MESSAGE_BYTES): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const first = lines[0] ?? '';
  if (lines.length <= 1) return cut(first, maxBytes);
  const last = cut(lines[lines.length - 1] as string, Math.floor(maxBytes / 2));
  return `${cut(first, maxBytes - Buffer.byteLength(last) - 5)} … ${last}`;
}

/**
 * Keeps the messages of a job's conditions bounded however many rounds fail (each failure carries up to
 * 2 KiB of its worker's log): the latest condition's message (the job's state now) and the newest
 * {@link FULL_MESSAGES} messages with several lines stay whole (cut at {@link MAX_MESSAGE_BYTES}); every
 * other one becomes its {@link messageSummary}, one line of at most {@link MAX_SHORT_MESSAGE_BYTES}.
 * Reasons, types and data are untouched. Applied at every decision: a summary is its own summary, so a
 * condition changes once.
 */
export function compactMessages(conditions: readonly JobCondition[]): JobCondition[] {
  let full = 0;
  const out = [...conditions];
  for (let i = out.length - 1; i >= 0; i--) {
    const condition = out[i] as JobCondition;
    const message = condition.message;
    if (message === undefined) continue;
    const lines = message.includes('\n');
    let compact: string;
    if (i === out.length - 1 || (lines && full < FULL_MESSAGES)) {
      compact = cut(message, MAX_MESSAGE_BYTES);
      if (lines && i < out.length - 1) full++;
    } else compact = lines || Buffer.byteLength(message) > MAX_SHORT_MESSAGE_BYTES ? messageSummary(message) : message;
    if (compact !== message) out[i] = { ...condition, message: compact };
  }
  return out;
}

/**
 * Keeps the last `max` conditions, and drops more of the oldest while the status around them (`rest`,
 * without conditions) would be `maxBytes` or more as JSON (the API server refuses large objects; the
 * round history stays in the LC's round files). The latest condition is always kept.
 */
export function capConditions(conditions: JobCondition[], max: number, rest: object = {}, maxBytes = MAX_STATUS_BYTES): JobCondition[] {
  const kept = conditions.length > max ? conditions.slice(conditions.length - max) : conditions;
  let total = Buffer.byteLength(JSON.stringify({ ...rest, conditions: kept }));
  if (total < maxBytes) return kept;
  // Dropped from the oldest until the rest fits (each condition's JSON and its comma).
  let from = 0;
  while (total >= maxBytes && from < kept.length - 1) total -= Buffer.byteLength(JSON.stringify(kept[from++])) + 1;
  return kept.slice(from);
}

/** The stage after `stage` in a round: Train -> Eval -> Deploy; Deploy has none (the round ends). */
export function nextStage(stage: JobStage): JobStage | undefined {
  if (stage === JobStage.Train) return JobStage.Eval;
  if (stage === JobStage.Eval) return JobStage.Deploy;
  return undefined;
}

/** The last condition matching `predicate`, searching from the end. */
export function findLastCondition(conditions: readonly JobCondition[], predicate: (c: JobCondition) => boolean): JobCondition | undefined {
  for (let i = conditions.length - 1; i >= 0; i--) {
    const condition = conditions[i] as JobCondition;
    if (predicate(condition)) return condition;
  }
  return undefined;
}

/** Milliseconds since the epoch of an RFC 3339 time, or NaN. */
export function timeMs(time: string | Date | undefined): number {
  if (time === undefined) return Number.NaN;
  return time instanceof Date ? time.getTime() : Date.parse(time);
}
