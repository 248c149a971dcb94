/**
 * Validation where jobs enter the GM: the kind's checks (api-types' schema and the rules a schema cannot
 * say, for the built-in kinds) run on every new generation of a job. An invalid generation gets one
 * condition, (Train, Failed) with reason `InvalidSpec` and a message naming the kind, the job, the field
 * path and the value, and a Warning event with the same message; it gets no retry, no pod and no frame to
 * an LC until `metadata.generation` changes. A valid later generation starts again at (Train, Waiting).
 */
import { JobConditionType, JobStage, type JobCondition } from '@sedna-ts/api-types';
import { ConditionReason, conditionData, conditionRound, latestCondition, makeCondition } from './conditions.js';
import type { JobPolicy, LearningJob, LearningJobStatus } from './jobPolicy.js';

/** Results by `<uid>/<generation>`: a generation's spec never changes, its status does. */
const cache = new Map<string, string | undefined>();
const CACHE_LIMIT = 10_000;

/**
 * Why this generation of `job` is invalid (every problem, `; `-separated), or undefined when it is valid
 * or its kind has no checks.
 */
export function specProblem<J extends LearningJob>(job: J, policy: JobPolicy<J>): string | undefined {
  if (!policy.validate) return undefined;
  const key = job.metadata.generation !== undefined && job.metadata.uid ? `${policy.resourceKind}/${job.metadata.uid}/${job.metadata.generation}` : undefined;
  if (key && cache.has(key)) return cache.get(key);
  const problems = policy.validate(job);
  const problem = problems.length > 0 ? problems.join('; ') : undefined;
  if (key) {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, problem);
  }
  return problem;
}

function isInvalidSpec(condition: JobCondition | undefined): boolean {
  return condition?.type === JobConditionType.Failed && condition.reason === ConditionReason.InvalidSpec;
}

/**
 * The status of an invalid job: its conditions with (Train, Failed, InvalidSpec) appended, or undefined
 * when the latest condition already records this generation as invalid with that message.
 */
export function invalidSpecStatus<S extends LearningJobStatus>(job: LearningJob<S>, message: string, now: string): S | undefined {
  const status = { ...(job.status ?? {}) } as S;
  const conditions = status.conditions ?? [];
  const latest = latestCondition(conditions);
  const generation = job.metadata.generation;
  if (isInvalidSpec(latest) && latest?.message === message && conditionData(latest).generation === generation) return undefined;
  const round = status.round ?? 0;
  status.startTime ??= now;
  status.round = round;
  status.conditions = [...conditions, makeCondition({ stage: JobStage.Train, type: JobConditionType.Failed, round, reason: ConditionReason.InvalidSpec, message, data: { attempt: 1, ...(generation !== undefined ? { generation } : {}) } }, now)];
  return status;
}

/**
 * The status of a valid job whose latest condition records an earlier generation as invalid: (Train,
 * Waiting) of the same round appended, or undefined when the latest condition is not an InvalidSpec one.
 */
export function specFixedStatus<S extends LearningJobStatus>(job: LearningJob<S>, now: string): S | undefined {
  const conditions = job.status?.conditions ?? [];
  const latest = latestCondition(conditions);
  if (!latest || !isInvalidSpec(latest)) return undefined;
  const round = conditionRound(latest, job.status?.round ?? 0);
  const waiting = makeCondition({ stage: JobStage.Train, type: JobConditionType.Waiting, round, reason: ConditionReason.SpecFixed, message: `generation ${job.metadata.generation ?? '?'} is valid`, data: { attempt: 1 } }, now);
  return { ...(job.status as S), conditions: [...conditions, waiting] };
}
