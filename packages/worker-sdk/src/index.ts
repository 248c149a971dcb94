// Estimator contract.
export type {
  DataSource,
  SavedModelFile,
  Metrics,
  EstimatorOptions,
  Estimator,
  EstimatorClass,
  EstimatorFactory,
  EstimatorSource,
} from './estimator.js';
