/**
 * What validation reports: one issue per problem, naming the object, the field as a dotted path, the
 * offending value and what is wrong, and formatted as
 * `Kind namespace/name: dotted.path: "value" message`.
 */

/** What kind of problem an issue is. */
export type ValidationIssueCode =
  /** The text is not valid YAML/JSON (including duplicate keys). */
  | 'syntax'
  /** A document is larger than the limit. */
  | 'too-large'
  /** apiVersion or kind is not a Sedna one. */
  | 'kind'
  /** A field does not match the schema. */
  | 'schema'
  /** A rule the schema cannot say (cross-field references, ...). */
  | 'rule'
  /** Validation itself failed; a bug. */
  | 'internal';

/** A 1-based line and column, and the 0-based character offset, in the source text. */
export interface SourcePosition {
  line: number;
  col: number;
  offset: number;
}

/** One problem found in a document. */
export interface ValidationIssue {
  code: ValidationIssueCode;
  /** `kind` of the object, or '' when the document has none. */
  kind: string;
  /** Namespace of the object ('default' when it names none). */
  namespace: string;
  /** Name of the object ('' when it has none). */
  name: string;
  /** Dotted path of the field, e.g. `spec.trainSpec.trigger.timer.start` or `spec.x.containers[0].image`; '' for the whole document. */
  path: string;
  /** The offending value; undefined when the field is missing. */
  value: unknown;
  /** What is wrong, e.g. `is not HH:MM between 00:00 and 24:00`. */
  message: string;
  /** Where the field (or the document) is in the source text, when it came from text. */
  position?: SourcePosition;
  /** 0-based index of the document in its stream, when it came from text. */
  documentIndex?: number;
}

const MAX_VALUE_CHARS = 80;

/** Renders a value for a message: JSON, shortened to a readable length. */
export function formatValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 3)}...` : text;
}

/**
 * Formats an issue as one line: `Kind namespace/name: dotted.path: "value" message`. An issue about the
 * text itself (syntax, size) has no object: `line:col: message`.
 *
 * @example
 * formatIssue(issue) // 'IncrementalLearningJob default/helmet: spec.trainSpec.trigger.timer.start: "25:00" is not HH:MM between 00:00 and 24:00'
 */
export function formatIssue(issue: ValidationIssue): string {
  if (issue.code === 'syntax' || issue.code === 'too-large') {
    const where = issue.position ? `${issue.position.line}:${issue.position.col}: ` : '';
    return `${where}${issue.message}`;
  }
  const kind = issue.kind || '(no kind)';
  const name = issue.name || '(no name)';
  const parts = [`${kind} ${issue.namespace}/${name}`];
  if (issue.path) parts.push(issue.path);
  const value = issue.value === undefined ? '' : `${formatValue(issue.value)} `;
  return `${parts.join(': ')}: ${value}${issue.message}`;
}

/** Joins path segments as a dotted path: `spec.containers[0].image`. */
export function dottedPath(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/**
 * The candidate the user most likely meant: same letters in another case first, else the closest within
 * a third of the length (at most 3 edits), else one that holds the input's letters in order and is at most
 * twice as long. Undefined when nothing is close.
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  if (!input) return undefined;
  const lower = input.toLowerCase();
  const sameCase = candidates.find((c) => c.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.max(1, Math.floor(input.length / 3)));
  for (const c of candidates) {
    // The distance is at least the difference in length: a 4 MB value against `txt` is no near miss, and
    // the full edit distance of it took seconds (found by the fault suite's mutated documents).
    if (!c || Math.abs(lower.length - c.length) > bestDistance) continue;
    const d = editDistance(lower, c.toLowerCase());
    if (d <= bestDistance && (best === undefined || d < bestDistance)) {
      best = c;
      bestDistance = d;
    }
  }
  if (best !== undefined) return best;
  // A word left out ("IncrementalJob" for "IncrementalLearningJob"): the input is most of a candidate, in order.
  return candidates.find((c) => lower.length * 2 >= c.length && isSubsequence(lower, c.toLowerCase()));
}

function isSubsequence(short: string, long: string): boolean {
  let i = 0;
  for (let j = 0; j < long.length && i < short.length; j++) if (long[j] === short[i]) i++;
  return i === short.length;
}
