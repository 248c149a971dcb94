// The eval worker of the LifelongLearningJob: scores each task model the round changed (MODEL_URLS: the
// train worker's index.json) on this round's eval rows (TEST_DATASET_URL) and drops a new model when a
// score satisfies `<operator> model_threshold` (env; defaults "<" and 0: none is dropped). A dropped
// task keeps its previous model; writes index.json under OUTPUT_URL and reports to the LC.
//
// Parameters: operator, model_threshold, metrics (default: the estimator's accuracy and precision_score;
// or a comma-separated list of precision_score, accuracy).
import { BaseConfig, Context, CSVDataParse } from '@sedna-ts/worker-sdk';
import { LABEL } from './src/comfort.js';
import { comfortLearning } from './src/job.js';

const url = BaseConfig.testDatasetUrl;
if (!url) throw new Error("eval: env TEST_DATASET_URL is not set (this round's eval rows, a CSV)");
const data = await new CSVDataParse('eval').parse(url, { label: LABEL });
const metrics = Context.getList('metrics');
const index = await comfortLearning().evaluate(data, metrics ? { metrics } : {});
for (const group of index.seen_task.task_groups) {
  const scores = group.tasks[0]?.scores;
  console.log(`eval: ${group.entry} ${group.model.id} ${scores ? JSON.stringify(scores) : '(not scored this round)'}${group.dropped?.round === index.round ? ` dropped: ${group.dropped.reason}` : ''}`);
}
console.log(JSON.stringify({ round: index.round, create_time: index.create_time, groups: index.seen_task.task_groups.map((g) => [g.entry, g.model.id, g.deploy]) }));
