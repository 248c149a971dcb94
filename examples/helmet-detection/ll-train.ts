// The train worker of the LifelongLearningJob (jobs/embedded/helmet-lifelong.yaml): reads this round's
// labelled frames (TRAIN_DATASET_URL, index lines with a `site=<A|B|C>` token), and through the SDK's
// LifelongLearning trains one detector per site in the first round, or updates the knowledge base in
// later ones (HAS_COMPLETED_INITIAL_TRAINING=true: a known site with new frames is fine-tuned from its
// own model, a new site is learnt from `base_model`); the other sites' models are not touched. Writes
// each model (tfjs + ONNX) and index.json under OUTPUT_URL, publishes them to the KB and reports.
//
// Parameters (env, as the job template sets them): base_model (the example's base detector, tfjs
// model.json: where every new site starts), steps (150), batch_size (16), learning_rate (5e-4),
// warmup_steps (20), max_seconds (no limit), MIN_TRAIN_SAMPLE (10: a site with fewer frames is served
// by a global model trained on all of them).
import { dirname } from 'node:path';
import { BaseConfig, Context } from '@sedna-ts/worker-sdk';
import { initTfjs } from '@sedna-ts/worker-sdk/tfjs';
import { HelmetError } from './src/errors.js';
import { helmetLearning, readSiteSamples } from './src/lifelong.js';
import { HelmetTrainer } from './src/trainer.js';

const trainUrl = BaseConfig.trainDatasetUrl;
if (!trainUrl) throw new HelmetError('INVALID_ARGUMENT', "ll-train: env TRAIN_DATASET_URL is not set (the index of this round's labelled frames)");
// Sample paths resolve against the Dataset's folder (ORIGINAL_DATASET_URL), as in TRAIN_DATASET_URL.
const data = await readSiteSamples(trainUrl, 'train', dirname(BaseConfig.originalDatasetUrl ?? trainUrl));

const runtime = await initTfjs();
runtime.tf.enableProdMode();
const maxSeconds = Context.getFloat('max_seconds');
const ll = helmetLearning(
  () =>
    new HelmetTrainer({
      runtime,
      steps: Context.getInt('steps', 150),
      batchSize: Context.getInt('batch_size', 16),
      learningRate: Context.getFloat('learning_rate', 5e-4),
      warmupSteps: Context.getInt('warmup_steps', 20),
      ...(maxSeconds === undefined ? {} : { maxSeconds }),
      log: (line) => console.log(`ll-train: ${line}`),
    })
);
const sites = new Map<string, number>();
for (const x of data.x as Array<{ site: string }>) sites.set(x.site, (sites.get(x.site) ?? 0) + 1);
const baseModel = Context.getParameters('base_model');
console.log(`ll-train: ${data.numExamples()} frames from ${trainUrl} (${[...sites].map(([s, n]) => `${s}: ${n}`).join(', ')}); new sites start from ${baseModel ?? '(scratch)'}`);
const index = await ll.train(data, baseModel ? { base_model: baseModel } : {});
console.log(`ll-train: round ${index.round}: ${index.seen_task.task_groups.map((g) => `${g.entry}=${g.model.id}`).join(' ')}`);
