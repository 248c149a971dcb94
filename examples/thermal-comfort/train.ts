// The train worker of the LifelongLearningJob: reads this round's rows (TRAIN_DATASET_URL, a CSV with a
// header), trains one model per task (season x cooling) in the first round, or updates the knowledge
// base in later ones (HAS_COMPLETED_INITIAL_TRAINING=true: known tasks fine-tuned from CLOUD_KB_INDEX,
// new tasks learnt), writes the models and index.json under OUTPUT_URL and reports to the LC.
//
// Parameters (env, as the job template sets them): epochs (40), hidden (16), learning_rate (0.01),
// attribute (season,cooling), base_model (the model new tasks start from; default the global model if
// the KB has one, else from scratch), MIN_TRAIN_SAMPLE (10).
import { BaseConfig, CSVDataParse } from '@sedna-ts/worker-sdk';
import { LABEL } from './src/comfort.js';
import { comfortLearning } from './src/job.js';

const url = BaseConfig.trainDatasetUrl;
if (!url) throw new Error("train: env TRAIN_DATASET_URL is not set (this round's rows, a CSV)");
const data = await new CSVDataParse('train').parse(url, { label: LABEL });
const ll = comfortLearning();
const index = await ll.train(data);
const groups = index.seen_task.task_groups.map((g) => `${g.entry}=${g.model.id}`);
console.log(`train: ${data.numExamples()} rows from ${url}; round ${index.round}: ${groups.join(' ')}`);
console.log(JSON.stringify({ round: index.round, create_time: index.create_time, groups: index.seen_task.task_groups.map((g) => g.entry) }));
