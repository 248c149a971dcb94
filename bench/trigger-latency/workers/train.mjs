// The bench's train worker: no training, so the bench measures the trigger path, not tfjs. It saves a
// placeholder model.onnx under MODEL_URL and reports through the SDK like any train worker. With
// BENCH_MARKS set it writes the time it is about to report into <BENCH_MARKS>/<WORKER_NAME>.
import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BaseDataSource, IncrementalLearning } from '@sedna-ts/worker-sdk';

class Placeholder {
  train() {
    return {};
  }
  async save(dir) {
    const path = join(dir, 'model.onnx');
    await writeFile(path, 'placeholder model of the trigger-latency bench');
    // bench/scale: when (epoch ms) this worker is about to report, for the report-to-status latency.
    if (process.env.BENCH_MARKS) writeFileSync(join(process.env.BENCH_MARKS, process.env.WORKER_NAME), String(performance.timeOrigin + performance.now()));
    return [{ path, format: 'onnx' }];
  }
  evaluate() {
    return {};
  }
  predict() {
    return undefined;
  }
  load() {}
}

await new IncrementalLearning(Placeholder).train(new BaseDataSource('train'));
