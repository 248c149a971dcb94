/**
 * A job's own deadlines: the GM's settings (`DecideOptions`) with what the job's `sedna.io/deadlines`
 * annotation sets. A bad key or value of the annotation does not stop the job: that deadline keeps the
 * GM's setting, and the problem, naming the job, the field path and the value, goes into a Warning
 * event (once per job and value).
 */
import { dottedPath, formatValue } from '@sedna-ts/api-types';
import { DEADLINES_ANNOTATION, formatDeadline, parseDeadlines, type DeadlineKey } from '@sedna-ts/api-types/contract';
import type { LearningJob } from './jobPolicy.js';
import type { DecideOptions } from './stateMachine.js';

/** The option of the state machine each deadline of the annotation sets. */
const OPTION: Record<DeadlineKey, 'startDeadlineMs' | 'reportGraceMs' | 'deployConfirmMs'> = {
  starting: 'startDeadlineMs',
  reportAfterPodEnded: 'reportGraceMs',
  deployConfirmation: 'deployConfirmMs',
};

/** The deadlines of one job. */
export interface JobDeadlines {
  /** The GM's options with the job's deadlines (0: no deadline). */
  options: DecideOptions;
  /** The deadlines the annotation set. */
  own: ReadonlySet<DeadlineKey>;
  /** What is wrong with the annotation, one line per problem, or empty. */
  problems: string[];
}

/**
 * The options `decide` uses for `job` of `kind`: `options` with the deadlines of its annotation.
 *
 * @example
 * // metadata.annotations["sedna.io/deadlines"] = '{"starting":"5m","deployConfirmation":"none"}'
 * jobDeadlines(job, 'IncrementalLearningJob', DEFAULT_DECIDE_OPTIONS).options.startDeadlineMs; // 300000
 */
export function jobDeadlines(job: LearningJob, kind: string, options: DecideOptions): JobDeadlines {
  const value = job.metadata.annotations?.[DEADLINES_ANNOTATION];
  if (value === undefined) return { options, own: new Set(), problems: [] };
  const { deadlines, issues } = parseDeadlines(value);
  const own = new Set<DeadlineKey>();
  const resolved = { ...options };
  for (const [key, ms] of Object.entries(deadlines) as [DeadlineKey, number | null][]) {
    resolved[OPTION[key]] = ms ?? 0;
    own.add(key);
  }
  const where = `${kind} ${job.metadata.namespace ?? 'default'}/${job.metadata.name ?? ''}`;
  const problems = issues.map((issue) => {
    const segments = ['metadata', 'annotations', DEADLINES_ANNOTATION, ...(issue.key === undefined ? [] : [issue.key])];
    const setting = issue.key !== undefined && issue.key in OPTION ? `the GM's setting (${formatDeadline(options[OPTION[issue.key as DeadlineKey]])}) applies` : "the GM's settings apply";
    return `${where}: ${dottedPath(segments)}: ${formatValue(issue.value)} ${issue.message}; ${setting}`;
  });
  return { options: resolved, own, problems };
}
