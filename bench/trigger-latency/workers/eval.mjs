// The bench's eval worker: scores the new model (first of MODEL_URLS) above the deployed one, so every
// round deploys (published to the hot-update folder: the job has no inference worker).
import { BaseConfig, BaseDataSource, IncrementalLearning } from '@sedna-ts/worker-sdk';

const newModel = (BaseConfig.modelUrls ?? '').split(';')[0];
class Scorer {
  train() {
    return {};
  }
  save() {
    return [];
  }
  evaluate(_data, { modelPath }) {
    return { precision: [modelPath === newModel ? 1 : 0] };
  }
  predict() {
    return undefined;
  }
  load() {}
}

await new IncrementalLearning(Scorer).evaluate(new BaseDataSource('eval'));
