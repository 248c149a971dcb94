/**
 * The trigger engine: a daily timer window AND a condition `metric operator threshold`, as the original
 * LC evaluates them, with its quirks fixed:
 * - operators: the seed's `>= > = == <= < ge gt eq le lt` plus `ne` and `!=`; equality (`=`, `==`, `eq`,
 *   and the equal part of `>=`, `<=`, and `!=`) holds within 1e-6;
 * - `name[i]` takes element i of a list-valued metric; a list without an index compares by its mean
 *   (the original silently compared 0); an empty list, a missing metric, an index out of range or a
 *   value that is not a number make the condition false, with the reason said;
 * - the timer compares the time of day `HH:MM` in a configurable IANA time zone (default: the system's),
 *   `start <= now <= end`, wrapping past midnight when `start > end`;
 * - a trigger without a timer is only its condition.
 * Everything here is pure: the time is an argument.
 */
import { type MetricValue, type Timer, type Trigger, type TriggerCondition } from '@sedna-ts/api-types';

/** Values a condition can look at: numbers, lists of numbers, or numeric strings. */
export type MetricMap = Readonly<Record<string, MetricValue | string | undefined>>;

/** Equality tolerance of the original (`|v - t| < 1e-6`). */
export const EQUALITY_EPSILON = 1e-6;

type Comparison = 'gt' | 'ge' | 'eq' | 'ne' | 'le' | 'lt';

const OPERATORS: Readonly<Record<string, Comparison>> = {
  '>': 'gt',
  gt: 'gt',
  '>=': 'ge',
  ge: 'ge',
  '=': 'eq',
  '==': 'eq',
  eq: 'eq',
  '!=': 'ne',
  ne: 'ne',
  '<=': 'le',
  le: 'le',
  '<': 'lt',
  lt: 'lt',
};

/** The comparison an operator stands for, or undefined for an unknown operator. */
export function normalizeOperator(operator: string): Comparison | undefined {
  return OPERATORS[operator.trim().toLowerCase()];
}

/** `value operator threshold` with the original's equality tolerance; an unknown operator is false. */
export function compare(value: number, operator: string, threshold: number): boolean {
  const equal = Math.abs(value - threshold) < EQUALITY_EPSILON;
  switch (normalizeOperator(operator)) {
    case 'gt':
      return value > threshold;
    case 'ge':
      return value > threshold || equal;
    case 'eq':
      return equal;
    case 'ne':
      return !equal;
    case 'le':
      return value < threshold || equal;
    case 'lt':
      return value < threshold;
    default:
      return false;
  }
}

/** The number a condition compares, or why there is none. */
export type ResolvedMetric = { ok: true; value: number; description: string } | { ok: false; reason: string };

const INDEXED = /^(.*)\[(\d+)\]$/;

function toNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw === 'string' && raw.trim() !== '') {
    const n = Number(raw);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Resolve `name` or `name[i]` in `metrics` to one number (a list without an index: its mean). */
export function resolveMetric(metric: string, metrics: MetricMap): ResolvedMetric {
  const indexed = INDEXED.exec(metric.trim());
  const name = indexed ? (indexed[1] as string) : metric.trim();
  if (!Object.prototype.hasOwnProperty.call(metrics, name) || metrics[name] === undefined) {
    return { ok: false, reason: `metric ${name} is not reported` };
  }
  const raw = metrics[name];
  if (indexed) {
    const index = Number(indexed[2]);
    if (!Array.isArray(raw)) return { ok: false, reason: `metric ${name} is not a list, so ${metric} has no value` };
    if (index >= raw.length) return { ok: false, reason: `${metric}: index ${index} is out of range (the list has ${raw.length} values)` };
    const value = toNumber(raw[index]);
    if (value === undefined) return { ok: false, reason: `${metric}: ${JSON.stringify(raw[index])} is not a number` };
    return { ok: true, value, description: metric };
  }
  if (Array.isArray(raw)) {
    if (raw.length === 0) return { ok: false, reason: `metric ${name} is an empty list` };
    let sum = 0;
    for (const item of raw) {
      const n = toNumber(item);
      if (n === undefined) return { ok: false, reason: `metric ${name}: ${JSON.stringify(item)} is not a number` };
      sum += n;
    }
    return { ok: true, value: sum / raw.length, description: `mean of ${name}` };
  }
  const value = toNumber(raw);
  if (value === undefined) return { ok: false, reason: `metric ${name}: ${JSON.stringify(raw)} is not a number` };
  return { ok: true, value, description: name };
}

/** Outcome of a condition: whether it holds, the value compared, and a sentence saying why. */
export interface ConditionResult {
  pass: boolean;
  value?: number;
  reason: string;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

/** Evaluate `metric operator threshold` on `metrics`. */
export function evaluateCondition(condition: TriggerCondition, metrics: MetricMap): ConditionResult {
  if (!normalizeOperator(condition.operator)) return { pass: false, reason: `operator ${JSON.stringify(condition.operator)} is not known` };
  const resolved = resolveMetric(condition.metric, metrics);
  if (!resolved.ok) return { pass: false, reason: resolved.reason };
  const pass = compare(resolved.value, condition.operator, condition.threshold);
  const verdict = pass ? '' : 'not ';
  return {
    pass,
    value: resolved.value,
    reason: `${resolved.description} ${formatNumber(resolved.value)} ${verdict}${condition.operator} ${formatNumber(condition.threshold)}`,
  };
}

const clockFormats = new Map<string, Intl.DateTimeFormat>();

/** The time of day `HH:MM` (00:00 to 23:59) of `now` in `timeZone` (an IANA name; default the system's). */
export function timeOfDay(now: Date, timeZone?: string): string {
  const key = timeZone ?? '';
  let format = clockFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    clockFormats.set(key, format);
  }
  let hour = '00';
  let minute = '00';
  for (const part of format.formatToParts(now)) {
    if (part.type === 'hour') hour = part.value.padStart(2, '0');
    if (part.type === 'minute') minute = part.value.padStart(2, '0');
  }
  return `${hour}:${minute}`;
}

/** Whether `timeZone` is an IANA time zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Whether the time of day `clock` (`HH:MM`) is in the window; `start > end` wraps past midnight. */
export function clockInWindow(clock: string, timer: Timer): boolean {
  const { start, end } = timer;
  if (start <= end) return start <= clock && clock <= end;
  return clock >= start || clock <= end;
}

/** Whether `now` is in the timer's window, in `timeZone`. */
export function timerInRange(timer: Timer, now: Date, timeZone?: string): boolean {
  return clockInWindow(timeOfDay(now, timeZone), timer);
}

/** Outcome of a whole trigger. */
export interface TriggerResult {
  /** Timer AND condition. */
  fire: boolean;
  /** Whether the timer allows it now (true without a timer). */
  inWindow: boolean;
  condition: ConditionResult;
  /** A sentence: the condition's reason, or that the time is outside the window. */
  reason: string;
}

/**
 * What a trigger that does not fire waits for, in words with numbers: `12 of 50 samples
 * (num_of_samples > 50)` (another metric: its reason), and `timer 02:00-04:00, now 15:10` when the
 * time is outside the window; the parts that hold it back, joined by `; `.
 */
export function waitingFor(trigger: Pick<Trigger, 'timer' | 'condition'>, result: TriggerResult, now: Date, timeZone?: string): string {
  const parts: string[] = [];
  if (!result.condition.pass) {
    const { metric, operator, threshold } = trigger.condition;
    const value = result.condition.value;
    parts.push(metric.trim() === 'num_of_samples' && value !== undefined ? `${formatNumber(value)} of ${formatNumber(threshold)} samples (num_of_samples ${operator} ${formatNumber(threshold)})` : result.condition.reason);
  }
  if (!result.inWindow && trigger.timer) parts.push(`timer ${trigger.timer.start}-${trigger.timer.end}, now ${timeOfDay(now, timeZone)}`);
  return parts.join('; ');
}

/** Evaluate a trigger: its timer (if any) at `now` in `timeZone`, AND its condition on `metrics`. */
export function evaluateTrigger(trigger: Pick<Trigger, 'timer' | 'condition'>, metrics: MetricMap, now: Date, timeZone?: string): TriggerResult {
  const condition = evaluateCondition(trigger.condition, metrics);
  let inWindow = true;
  let reason = condition.reason;
  if (trigger.timer) {
    const clock = timeOfDay(now, timeZone);
    inWindow = clockInWindow(clock, trigger.timer);
    if (!inWindow) reason = `${clock} is outside ${trigger.timer.start}-${trigger.timer.end}; ${condition.reason}`;
  }
  return { fire: inWindow && condition.pass, inWindow, condition, reason };
}
