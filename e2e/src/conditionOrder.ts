// The order in which the state machine appends a job's conditions (docs/design/incremental-learning.md,
// section 3), as a pattern over `round:Stage/Type` tokens: the tests compare the whole recorded
// sequence with it, so a missing, extra or misplaced condition, or a wrong round number, fails.
import type { IncrementalLearningJob } from '@sedna-ts/api-types';
import { conditionsOf } from './jobWatch.js';

/** A job's conditions as `round:Stage/Type` tokens separated by spaces. */
export function conditionSequence(job: IncrementalLearningJob): string {
  return conditionsOf(job)
    .map((c) => `${c.round}:${c.stage}/${c.type}`)
    .join(' ');
}

const token = (round: number, stage: string, type: string) => `${round}:${stage}/${type}`;

/**
 * A train or eval stage run by a worker pod: Ready, Starting, Running when the GM saw the pod run before
 * the report (optional), Completed; each failed attempt (`failures`) ends Failed and is retried from Ready.
 */
function workerStage(round: number, stage: 'Train' | 'Eval', failures = 0): string {
  const attempt = (end: string) => `${token(round, stage, 'Ready')} ${token(round, stage, 'Starting')} (?:${token(round, stage, 'Running')} )?${token(round, stage, end)}`;
  return [...Array.from({ length: failures }, () => attempt('Failed')), attempt('Completed')].join(' ');
}

/**
 * One round from its (Train, Ready) to the (Train, Waiting) that ends it. `Deploy`: the gate passed and
 * the inference worker took the model hot (Ready, Starting, Running, then Completed on its deploy
 * report); `Keep`: the gate's (Deploy, Completed) right after (Deploy, Waiting).
 */
export function roundPattern(round: number, decision: 'Deploy' | 'Keep', options: { trainFailures?: number } = {}): string {
  const deploy =
    decision === 'Deploy'
      ? ['Ready', 'Starting', 'Running', 'Completed'].map((type) => token(round, 'Deploy', type)).join(' ')
      : token(round, 'Deploy', 'Completed');
  return [
    workerStage(round, 'Train', options.trainFailures),
    token(round, 'Eval', 'Waiting'),
    workerStage(round, 'Eval'),
    token(round, 'Deploy', 'Waiting'),
    deploy,
    token(round, 'Train', 'Waiting'),
  ].join(' ');
}

/** The first condition of every job. */
export const JOB_START = token(0, 'Train', 'Waiting');

/** A pattern matching exactly the given parts in order. */
export function exactly(parts: readonly string[]): RegExp {
  return new RegExp(`^${parts.join(' ')}$`);
}
