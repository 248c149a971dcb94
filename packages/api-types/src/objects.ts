/** The union of the six Sedna object types. */
import type { Dataset } from './schemas/dataset.js';
import type { FederatedLearningJob } from './schemas/federatedLearningJob.js';
import type { IncrementalLearningJob } from './schemas/incrementalLearningJob.js';
import type { JointInferenceService } from './schemas/jointInferenceService.js';
import type { LifelongLearningJob } from './schemas/lifelongLearningJob.js';
import type { Model } from './schemas/model.js';

/** Any Sedna object; narrow on `kind`. */
export type SednaObject =
  | Dataset
  | Model
  | IncrementalLearningJob
  | LifelongLearningJob
  | JointInferenceService
  | FederatedLearningJob;
