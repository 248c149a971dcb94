// The train worker, as a user writes it: parse this round's index, fine-tune the base model (or start
// from scratch without one), save under MODEL_URL (tfjs format plus model.onnx) and report to the LC.
// Env: what the GM sets (TRAIN_DATASET_URL, ORIGINAL_DATASET_URL, MODEL_URL, BASE_MODEL_URL, ...) and the
// template's parameters epochs and batch_size.
import { BaseConfig, Context, IncrementalLearning, TxtDataParse } from '@sedna-ts/worker-sdk';
import { initTfjs, TfjsEstimator } from '@sedna-ts/worker-sdk/tfjs';
import { detectorOptions } from './detector.js';

const runtime = await initTfjs();
const trainData = await new TxtDataParse('train').parse(BaseConfig.trainDatasetUrl ?? '');

const il = new IncrementalLearning(async () => {
  const estimator = new TfjsEstimator(detectorOptions(runtime));
  if (BaseConfig.baseModelUrl) await estimator.load(BaseConfig.baseModelUrl);
  return estimator;
});
await il.train(trainData, { epochs: Context.getInt('epochs', 5), batch_size: Context.getInt('batch_size', 16) });
// On stderr: in local mode stdout holds the report alone (one JSON line).
console.error(`train: ${trainData.numExamples()} samples on ${runtime.backend}, model saved under ${BaseConfig.modelUrl}`);
