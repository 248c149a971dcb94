// The bench's eval worker: scores the new model (first of MODEL_URLS) above the deployed one, so every
// round deploys (published to the hot-update folder: the job has no inference worker).
// With BENCH_MARKS set it writes the time it is about to report into <BENCH_MARKS>/<WORKER_NAME>.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
    if (process.env.BENCH_MARKS) writeFileSync(join(process.env.BENCH_MARKS, process.env.WORKER_NAME), String(performance.timeOrigin + performance.now()));
    return { precision: [modelPath === newModel ? 1 : 0] };
  }
  predict() {
    return undefined;
  }
  load() {}
}

await new IncrementalLearning(Scorer).evaluate(new BaseDataSource('eval'));
