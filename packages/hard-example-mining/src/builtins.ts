import { type HardExampleFilterClass } from './baseFilter.js';
import { CrossEntropyFilter } from './crossEntropyFilter.js';
import { CloudOnlyFilter, EdgeOnlyFilter } from './fixedFilters.js';
import { IBTFilter } from './ibtFilter.js';
import { RandomFilter } from './randomFilter.js';
import { ThresholdFilter } from './thresholdFilter.js';

/**
 * The built-in filters by the alias the original registers them under (`HEM_NAME` values). The worker
 * SDK registers each of them in its ClassFactory under `ClassType.HEM`.
 */
export const builtinFilters: Readonly<Record<'IBT' | 'CrossEntropy' | 'Threshold' | 'Random' | 'EdgeOnly' | 'CloudOnly', HardExampleFilterClass>> =
  Object.freeze({
    IBT: IBTFilter,
    CrossEntropy: CrossEntropyFilter,
    Threshold: ThresholdFilter,
    Random: RandomFilter,
    EdgeOnly: EdgeOnlyFilter,
    CloudOnly: CloudOnlyFilter,
  });
