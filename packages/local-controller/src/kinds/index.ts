/**
 * The kinds of learning job the LC handles by default, one line per kind (a kind is a file or folder
 * beside this one); `startLocalController({ kinds })` takes another list.
 */
import type { LcJob, LcJobKind } from '../jobs/jobKind.js';
import { incrementalLearningJobLcKind } from './incrementalLearningJob.js';
import { lifelongLearningJobLcKind } from './lifelongLearningJob.js';

/** The built-in kinds. */
export const BUILT_IN_LC_KINDS: readonly LcJobKind<LcJob>[] = [
  incrementalLearningJobLcKind as unknown as LcJobKind<LcJob>,
  lifelongLearningJobLcKind as unknown as LcJobKind<LcJob>,
];
