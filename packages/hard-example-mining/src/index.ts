// Filters.
export { BaseFilter } from './baseFilter.js';
export { IBTFilter } from './ibtFilter.js';
export { ThresholdFilter } from './thresholdFilter.js';
export { CrossEntropyFilter } from './crossEntropyFilter.js';
export { RandomFilter, seededUniform } from './randomFilter.js';
export { EdgeOnlyFilter, CloudOnlyFilter } from './fixedFilters.js';
export { builtinFilters } from './builtins.js';

// Helpers.
export { isValidDetections } from './baseFilter.js';
export { numberParam } from './params.js';

// Errors.
export { HemError, toHemError } from './errors.js';

// Types.
export type { DetectionBox, Detections, HardExampleFilter, HardExampleFilterClass } from './baseFilter.js';
export type { HemParameterValue, HemParameters } from './params.js';
export type { HemErrorCode } from './errors.js';
