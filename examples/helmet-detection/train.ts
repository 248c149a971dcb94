// The train worker of the IncrementalLearningJob: fine-tunes the base model (BASE_MODEL_URL: the
// initial model in round 1, then the model of the last deployed round) on this round's new samples
// (TRAIN_DATASET_URL, image paths relative to the Dataset's index), saves the tfjs model and its ONNX
// export under MODEL_URL and reports them to the LC.
//
// Rehearsal: a model folder written here also holds training-samples.txt, the index lines the model
// was trained on (its own round's and, before them, its base model's). The next round trains on those
// again with its new samples, so a round does not forget what the deployed model learnt; a round that
// is not deployed does not pass its samples on. Only train-pool samples are rehearsed, never eval ones.
//
// Parameters (env, as the job template sets them): steps (default 150), batch_size (16),
// learning_rate (5e-4), warmup_steps (20), max_seconds (no limit), rehearse (true), rehearse_max
// (1000 most recent lines), replay_dataset (an index of other labelled data, e.g. the base model's,
// mixed into every batch; default none) with replay_share (0.3).
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { BaseConfig, Context, IncrementalLearning, TxtDataParse, writeFileAtomic } from '@sedna-ts/worker-sdk';
import { initTfjs } from '@sedna-ts/worker-sdk/tfjs';
import { loadSamples } from './src/dataset.js';
import { countParameters } from './src/detector.js';
import { HelmetError } from './src/errors.js';
import { mergeIndexLines, readIndexLines, samplesOf } from './src/indexFile.js';
import { HelmetTrainer } from './src/trainer.js';

/** The file of a model folder that lists the samples the model was trained on. */
const TRAINING_SAMPLES = 'training-samples.txt';

const trainUrl = BaseConfig.trainDatasetUrl;
const modelUrl = BaseConfig.modelUrl;
if (!trainUrl) throw new HelmetError('INVALID_ARGUMENT', "train: env TRAIN_DATASET_URL is not set (the index of this round's samples)");
if (!modelUrl) throw new HelmetError('INVALID_ARGUMENT', 'train: env MODEL_URL is not set (the folder to save the model in)');

// The LC hands the base model in the train format: a tfjs model.json (or its folder).
const base = BaseConfig.baseModelUrl;
const baseDir = base === undefined ? undefined : base.endsWith('.json') || base.endsWith('.bin') ? dirname(base) : base;

// This round's lines, after the lines the base model was trained on (those whose image is still there).
const datasetRoot = dirname(BaseConfig.originalDatasetUrl ?? trainUrl);
const newLines = await readIndexLines(trainUrl);
const rehearsed: string[] = [];
if (Context.getBool('rehearse', true) && baseDir) {
  for (const line of await readIndexLines(join(baseDir, TRAINING_SAMPLES))) {
    if (await stat(resolve(datasetRoot, line.split(/\s+/)[0] as string)).catch(() => undefined)) rehearsed.push(line);
  }
}
const lines = mergeIndexLines(rehearsed, newLines, Context.getInt('rehearse_max', 1000));
await mkdir(modelUrl, { recursive: true });
const samplesFile = join(modelUrl, TRAINING_SAMPLES);
await writeFileAtomic(samplesFile, lines.length > 0 ? `${lines.join('\n')}\n` : '');
// Sample paths resolve against the Dataset's folder (ORIGINAL_DATASET_URL), as in TRAIN_DATASET_URL.
const trainData = new TxtDataParse('train');
await trainData.parse(samplesFile, { root: datasetRoot });

const runtime = await initTfjs();
runtime.tf.enableProdMode();
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
  steps: Context.getInt('steps', 150),
  batchSize: Context.getInt('batch_size', 16),
  learningRate: Context.getFloat('learning_rate', 5e-4),
  warmupSteps: Context.getInt('warmup_steps', 20),
  ...(maxSeconds === undefined ? {} : { maxSeconds }),
  ...(replay ? { replay, replayShare: Context.getFloat('replay_share', 0.3) } : {}),
  log: (line) => console.log(`train: ${line}`),
});
if (baseDir) await trainer.load(baseDir);
console.log(
  `train: ${newLines.length} new images from ${trainUrl}, ${lines.length - newLines.length} rehearsed${replay ? `, ${replay.count} replayed` : ''}; ` +
    `${base ? `fine-tuning ${base}` : 'from scratch'} on tfjs ${runtime.backend}; output ${modelUrl}`,
);
await new IncrementalLearning(trainer).train(trainData, {
  postProcess: (estimator: unknown) => {
    const t = estimator as HelmetTrainer;
    if (t.model) console.log(`train: done, ${countParameters(t.model)} parameters`);
    return t;
  },
});
