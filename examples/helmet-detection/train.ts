// The train worker of the IncrementalLearningJob: fine-tunes the base model (BASE_MODEL_URL: the
// initial model in round 1, then the model of the last deployed round) on this round's new samples
// (TRAIN_DATASET_URL, image paths relative to the Dataset's index), saves the tfjs model and its ONNX
// export under MODEL_URL and reports them to the LC.
//
// Parameters (env, as the job template sets them): steps (default 250), batch_size (16),
// learning_rate (1e-3), warmup_steps (20), max_seconds (no limit), replay_dataset (an index of earlier
// labelled data mixed into every batch, default none), replay_share (0.3).
import { dirname } from 'node:path';
import { BaseConfig, Context, IncrementalLearning, TxtDataParse } from '@sedna-ts/worker-sdk';
import { initTfjs } from '@sedna-ts/worker-sdk/tfjs';
import { loadSamples } from './src/dataset.js';
import { samplesOf } from './src/indexFile.js';
import { countParameters } from './src/detector.js';
import { HelmetTrainer } from './src/trainer.js';

const trainUrl = BaseConfig.trainDatasetUrl;
if (!trainUrl) throw new RangeError('train: env TRAIN_DATASET_URL is not set (the index of this round\'s samples)');

const runtime = await initTfjs();
runtime.tf.enableProdMode();
const trainData = new TxtDataParse('train');
await trainData.parse(trainUrl);

const replayUrl = Context.getParameters('replay_dataset');
let replay;
if (replayUrl) {
  const replayData = new TxtDataParse('train');
  await replayData.parse(replayUrl, { root: dirname(replayUrl) });
  replay = await loadSamples(samplesOf(replayData));
}

const maxSeconds = Context.getFloat('max_seconds');
const trainer = new HelmetTrainer({
  runtime,
  steps: Context.getInt('steps', 250),
  batchSize: Context.getInt('batch_size', 16),
  learningRate: Context.getFloat('learning_rate', 1e-3),
  warmupSteps: Context.getInt('warmup_steps', 20),
  ...(maxSeconds === undefined ? {} : { maxSeconds }),
  ...(replay ? { replay, replayShare: Context.getFloat('replay_share', 0.3) } : {}),
  log: (line) => console.log(`train: ${line}`),
});

// The LC hands the base model in the train format: a tfjs model.json (or its folder).
const base = BaseConfig.baseModelUrl;
if (base) await trainer.load(base.endsWith('.bin') ? dirname(base) : base);
console.log(
  `train: ${trainData.numExamples()} images from ${trainUrl}${replay ? ` + ${replay.count} replayed` : ''}; ${base ? `fine-tuning ${base}` : 'from scratch'} on tfjs ${runtime.backend}; output ${BaseConfig.modelUrl}`,
);
await new IncrementalLearning(trainer).train(trainData, {
  postProcess: (estimator: unknown) => {
    const t = estimator as HelmetTrainer;
    if (t.model) console.log(`train: done, ${countParameters(t.model)} parameters`);
    return t;
  },
});
