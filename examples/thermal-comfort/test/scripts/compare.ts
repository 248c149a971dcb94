// Per-task models against one global model on the generator's rules: scores each task group of a KB
// index on its rows of a test CSV, and a global model (the same estimator, trained on every row of the
// train CSV without the task attributes) on the same rows. Prints {perTask, global, byTask} as JSON.
// Usage: compare.ts <index.json> <train.csv> <test.csv>
import { readFile } from 'node:fs/promises';
import { BaseDataSource, CSVDataParse } from '@sedna-ts/worker-sdk';
import { type KbIndex } from '@sedna-ts/api-types/contract';
import { LABEL, taskOf } from '../../src/comfort.js';
import { comfortEstimator, type Row } from '../../src/job.js';

const [indexPath, trainPath, testPath] = process.argv.slice(2) as [string, string, string];
const index = JSON.parse(await readFile(indexPath, 'utf8')) as KbIndex;
const train = await new CSVDataParse('train').parse(trainPath, { label: LABEL });
const test = await new CSVDataParse('eval').parse(testPath, { label: LABEL });

const accuracy = async (predict: (row: Row) => Promise<number>, rows: Row[], labels: unknown[]) => {
  let right = 0;
  for (const [i, row] of rows.entries()) if ((await predict(row)) === Number(labels[i])) right++;
  return right / rows.length;
};

const global = comfortEstimator();
await global.train(train);
const byTask: Record<string, { perTask: number; global: number; rows: number }> = {};
let perTaskRight = 0;
let globalRight = 0;
for (const group of index.seen_task.task_groups) {
  const rows = new BaseDataSource('eval');
  test.x.forEach((row, i) => {
    if (taskOf(row as { season: string; cooling: string }) === group.entry) {
      rows.x.push(row);
      rows.y.push(test.y[i]);
    }
  });
  if (rows.numExamples() === 0) continue;
  const model = comfortEstimator();
  await model.load(group.model.url);
  const own = await accuracy(async (r) => (await model.predict(r)).label, rows.x as Row[], rows.y);
  const all = await accuracy(async (r) => (await global.predict(r)).label, rows.x as Row[], rows.y);
  byTask[group.entry] = { perTask: own, global: all, rows: rows.numExamples() };
  perTaskRight += own * rows.numExamples();
  globalRight += all * rows.numExamples();
}
const total = Object.values(byTask).reduce((n, t) => n + t.rows, 0);
console.log(JSON.stringify({ perTask: perTaskRight / total, global: globalRight / total, byTask }));
