// The bench's train worker: no training, so the bench measures the trigger path, not tfjs. It saves a
// placeholder model.onnx under MODEL_URL and reports through the SDK like any train worker.
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
