/**
 * The kinds of learning job the Global Manager handles by default, one line per kind. A kind is a
 * folder beside this file (its policy: templates, env, deploy mode, status rules, round end); the
 * leader session builds its informers, reconcilers, upstream handlers and queue dispatch from this list
 * (or from the `kinds` option of `startGlobalManager`).
 */
import type { JobKind, LearningJob } from '../jobs/jobPolicy.js';
import { incrementalLearningJobKind } from './incrementalLearningJob/index.js';
import { lifelongLearningJobKind } from './lifelongLearningJob/index.js';

/** The built-in kinds. */
export const BUILT_IN_KINDS: readonly JobKind<LearningJob>[] = [
  incrementalLearningJobKind as unknown as JobKind<LearningJob>,
  lifelongLearningJobKind as unknown as JobKind<LearningJob>,
];
