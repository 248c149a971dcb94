// The eval worker of the LifelongLearningJob: scores each site model the round changed (MODEL_URLS: the
// train worker's index.json) on the round's eval frames of its site (TEST_DATASET_URL), with the
// detector's metrics (precision and recall per class at obj_threshold, AP per class, map50), on the
// ONNX export of each model; drops a new model when a score satisfies `<operator> model_threshold` (env;
// defaults "<" and 0: none is dropped). Writes index.json under OUTPUT_URL and reports to the LC.
import { dirname } from 'node:path';
import { BaseConfig, Context } from '@sedna-ts/worker-sdk';
import { HelmetError } from './src/errors.js';
import { helmetLearning, KbHelmetDetector, readSiteSamples } from './src/lifelong.js';

const testUrl = BaseConfig.testDatasetUrl;
if (!testUrl) throw new HelmetError('INVALID_ARGUMENT', "ll-eval: env TEST_DATASET_URL is not set (the index of this round's eval frames)");
const data = await readSiteSamples(testUrl, 'eval', dirname(BaseConfig.originalDatasetUrl ?? testUrl));
const index = await helmetLearning(() => new KbHelmetDetector()).evaluate(data, { obj_threshold: Context.getFloat('obj_threshold', 0.5) });
for (const group of index.seen_task.task_groups) {
  const scores = group.tasks[0]?.scores;
  console.log(`ll-eval: ${group.entry} ${group.model.id} ${scores ? `map50 ${Number(scores.map50).toFixed(3)}` : '(not scored this round)'}${group.dropped?.round === index.round ? ` dropped: ${group.dropped.reason}` : ''}`);
}
