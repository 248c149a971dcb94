/**
 * The deadlines of a learning job's stages, and the annotation that sets them for one job.
 *
 * The GM has a setting for each deadline; `sedna.io/deadlines` on a job (IncrementalLearningJob or
 * LifelongLearningJob) overrides some of them for that job only. Its value is a JSON object whose keys
 * are the deadlines below and whose values are durations: a Go-style duration (`"90s"`, `"5m"`,
 * `"1h30m"`, `"1.5h"`), a number of seconds (`30` or `"30"`), or `0` / `"0s"` / `"none"` for no
 * deadline. A deadline is at least 1 s (`"1ms"` is refused: a typo of `"1m"` more often than not) and at
 * most 7 days (168h). The running stage has no deadline of its own: a worker template's
 * `spec.activeDeadlineSeconds` bounds it (the node agent and the kubelet honour it).
 *
 * No Node built-ins: part of `@sedna-ts/api-types/contract`.
 */
import { didYouMean } from './issues.js';

/** Annotation of a job: its own deadlines, as JSON (`{"starting":"5m","reportAfterPodEnded":"30s"}`). */
export const DEADLINES_ANNOTATION = 'sedna.io/deadlines';

/** The deadlines a job may set, with what each bounds (used in messages and docs). */
export const DEADLINE_KEYS = {
  /** A train or eval worker pod (or a cold update's inference pod) that is still Pending after its stage went Starting. */
  starting: 'a worker pod to start',
  /** A worker pod that ended (Succeeded or Failed) without the report of its stage. */
  reportAfterPodEnded: 'the report of a worker pod that ended',
  /** The inference worker's confirmation of a hot-deployed model (once more after one restart of its pod). */
  deployConfirmation: 'the inference worker to confirm a deployed model',
} as const;

/** A deadline a job may set. */
export type DeadlineKey = keyof typeof DEADLINE_KEYS;

/** A job's deadlines in milliseconds; `null` is no deadline; a key absent leaves the GM's setting. */
export type JobDeadlines = Partial<Record<DeadlineKey, number | null>>;

/** The shortest deadline (1 s). */
export const MIN_DEADLINE_MS = 1000;
/** The longest deadline (7 days): beyond it, say `"none"`. */
export const MAX_DEADLINE_MS = 7 * 24 * 3600 * 1000;

/** A problem of the annotation: the key it is about (none: the whole value), the value and what is wrong. */
export interface DeadlineIssue {
  key?: string;
  value: unknown;
  message: string;
}

const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/;
const GO_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;

/**
 * A duration in milliseconds, `null` for no deadline (`0`, `"0s"`, `"none"`), or an error text saying
 * what is wrong with the value (the caller names the field).
 *
 * @example
 * parseDeadline('1h30m'); // 5400000
 * parseDeadline(30);      // 30000
 * parseDeadline('none');  // null
 * parseDeadline('5x');    // { error: 'is not a duration: ...' }
 */
export function parseDeadline(value: unknown): number | null | { error: string } {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { error: 'is not a finite number of seconds' };
    ms = value * 1000;
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (text.toLowerCase() === 'none') return null;
    if (/^\d+(?:\.\d+)?$/.test(text)) ms = Number(text) * 1000;
    else if (GO_DURATION.test(text)) {
      ms = 0;
      for (const [, amount, unit] of text.matchAll(GO_PART)) ms += Number(amount) * (UNIT_MS[unit as string] ?? 0);
    } else {
      return { error: 'is not a duration: a number of seconds, a Go-style duration such as "90s", "5m" or "1h30m", or "none"' };
    }
  } else {
    return { error: 'is not a duration: a number of seconds, a Go-style duration such as "90s", "5m" or "1h30m", or "none"' };
  }
  if (ms < 0) return { error: 'is negative: a deadline is a duration, or "none"' };
  if (ms === 0) return null;
  if (ms < MIN_DEADLINE_MS) return { error: `is shorter than ${MIN_DEADLINE_MS / 1000}s, the least a deadline may be (did you mean minutes, "m"?)` };
  if (ms > MAX_DEADLINE_MS) return { error: `is longer than ${MAX_DEADLINE_MS / 3_600_000}h (7 days), the most a deadline may be: say "none" for no deadline` };
  return Math.round(ms);
}

function hint(key: string, known: readonly string[]): string {
  const near = didYouMean(key, known);
  return near ? `: did you mean ${JSON.stringify(near)}?` : '';
}

/**
 * Parses the value of `sedna.io/deadlines`: the deadlines it sets well, and one issue per problem (a
 * value that is not a JSON object, an unknown key, a bad duration). A key with a bad value is left out
 * of `deadlines`, so a reader that goes on keeps its own setting for it.
 *
 * @example
 * parseDeadlines('{"starting":"5m","deployConfirmation":"none"}');
 * // { deadlines: { starting: 300000, deployConfirmation: null }, issues: [] }
 */
export function parseDeadlines(value: string): { deadlines: JobDeadlines; issues: DeadlineIssue[] } {
  const deadlines: JobDeadlines = {};
  const issues: DeadlineIssue[] = [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    issues.push({ value, message: `is not a JSON object of deadlines such as {"starting":"10m","reportAfterPodEnded":"60s","deployConfirmation":"10m"}` });
    return { deadlines, issues };
  }
  const known = Object.keys(DEADLINE_KEYS);
  for (const [key, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (!known.includes(key)) {
      const message =
        key === 'running'
          ? 'is not a deadline of this annotation: a running worker is bounded by its template\'s spec.activeDeadlineSeconds'
          : `is not a deadline${hint(key, known)} (known: ${known.join(', ')})`;
      issues.push({ key, value: raw, message });
      continue;
    }
    const ms = parseDeadline(raw);
    if (ms !== null && typeof ms === 'object') issues.push({ key, value: raw, message: ms.error });
    else deadlines[key as DeadlineKey] = ms;
  }
  return { deadlines, issues };
}

/** A deadline in words for messages: `600s`, or `no deadline`. */
export function formatDeadline(ms: number | null | undefined): string {
  return ms ? `${Math.round(ms / 1000)}s` : 'no deadline';
}
