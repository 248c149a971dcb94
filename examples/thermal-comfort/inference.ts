// The inference worker of the LifelongLearningJob: serves the deployed knowledge base (MODEL_URLS,
// <outputDir>/deploy/index.json, waited for until the first deploy writes it) to rows appended to a CSV
// file (INFER_DATASET_URL, header first, tailed as the original's atcii example did), and appends one
// line per row to INFER_RESULT_URL (default <input>_out.csv): the row, the predicted preference, whether
// it was unseen, the task and the model that served it. Unseen rows (a season and cooling the KB has no
// task for) are saved into unseen_save_url for labelling. A new deployed index is swapped in without a
// restart (MODEL_POLL_PERIOD_SECONDS, default 30).
//
// A restarted worker resumes after the rows its result file already holds. INFER_FOLLOW=false stops at
// the end of the input instead of waiting for more rows (batch runs, tests); it prints the counters as
// JSON on its last line.
import { existsSync } from 'node:fs';
import { appendFile, open, readFile, stat } from 'node:fs/promises';
import { Context } from '@sedna-ts/worker-sdk';
import { LABEL } from './src/comfort.js';
import { comfortLearning, type Row } from './src/job.js';

const input = Context.getParameters('INFER_DATASET_URL');
if (!input) throw new Error('inference: env INFER_DATASET_URL is not set (the CSV of rows to infer, tailed)');
const output = Context.getParameters('INFER_RESULT_URL', `${input.replace(/\.csv$/, '')}_out.csv`);
const follow = Context.getBool('INFER_FOLLOW', true);
const pollMs = Context.getFloat('INFER_POLL_SECONDS', 1) * 1000;

const ll = comfortLearning();
let stopping = false;
let serving = false;
// Before the index is served there is nothing to finish: stop at once; after, finish the rows read.
const stop = () => (serving ? (stopping = true) : process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

// Rows already answered by an earlier run of this worker.
let done = existsSync(output) ? Math.max(0, (await readFile(output, 'utf8')).split('\n').filter(Boolean).length - 1) : 0;
let header: string[] | undefined;
let offset = 0;
let partial = '';
let seen = 0;

const cast = (value: string): unknown => (value !== '' && Number.isFinite(Number(value)) ? Number(value) : value);

async function readMore(): Promise<string[]> {
  const size = (await stat(input as string).catch(() => undefined))?.size ?? 0;
  if (size <= offset) return [];
  const handle = await open(input as string, 'r');
  try {
    const buffer = Buffer.alloc(size - offset);
    await handle.read(buffer, 0, buffer.length, offset);
    offset = size;
    const lines = (partial + buffer.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    return lines.map((l) => l.trim()).filter(Boolean);
  } finally {
    await handle.close();
  }
}

// The served index first: the deploy is reported before any row arrives.
const index = await ll.ready();
serving = true;
console.log(`inference: serving KB round ${index.round} (${index.seen_task.task_groups.length} tasks, created ${index.create_time})`);

let waitingLogged = false;
while (!stopping) {
  const lines = await readMore();
  const out: string[] = [];
  for (const line of lines) {
    const values = line.split(',');
    if (!header) {
      header = values;
      if (done === 0) out.push([...header, 'predicted', 'unseen', 'task', 'model'].join(','));
      continue;
    }
    if (seen++ < done) continue;
    const row: Row = Object.fromEntries(header.map((name, i) => [name, cast(values[i] ?? '')]));
    delete row[LABEL];
    const { result, isUnseen, tasks } = await ll.inference(row);
    out.push([line, result.label, isUnseen, tasks[0]?.entry ?? '', tasks[0]?.model ?? ''].join(','));
  }
  if (out.length > 0) {
    await appendFile(output, `${out.join('\n')}\n`);
    done = seen;
  }
  if (lines.length === 0) {
    if (!follow) break;
    if (!waitingLogged) console.log(`inference: waiting for rows appended to ${input}`);
    waitingLogged = true;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  } else {
    waitingLogged = false;
  }
}
const stats = ll.stats();
console.log(`inference: ${stats.inferences} rows, ${stats.unseen} unseen (${stats.savedUnseen} saved to ${ll.unseenSaveDir}); KB round ${stats.round}; results in ${output}`);
await ll.close();
console.log(JSON.stringify({ ...stats, output, unseenDir: ll.unseenSaveDir }));
