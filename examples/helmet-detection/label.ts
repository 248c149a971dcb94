// The labeller, standing in for a person: labels the hard examples the inference worker saved (true
// boxes from the generator) and appends them to the dataset index the LC watches.
//   npx tsx label.ts --from <hard-example folder> --dataset <dataset folder> [--index index.txt] [--max 40] [--remove] [--json]
// --remove takes the labelled examples out of the hard-example folder (the LC's index drops them too).
import { parseArgs } from 'node:util';
import { HelmetError } from './src/errors.js';
import { labelHardExamples } from './src/labeller.js';

const { values } = parseArgs({
  options: {
    from: { type: 'string' },
    dataset: { type: 'string' },
    index: { type: 'string', default: 'index.txt' },
    max: { type: 'string' },
    remove: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
if (values.from === undefined || values.dataset === undefined) throw new HelmetError('INVALID_ARGUMENT', 'label: --from <hard-example folder> and --dataset <dataset folder> are required');
let max: number | undefined;
if (values.max !== undefined) {
  max = Number(values.max);
  if (!Number.isInteger(max) || max < 0) throw new HelmetError('INVALID_ARGUMENT', `label: --max: ${JSON.stringify(values.max)} is not a non-negative integer`);
}
const result = await labelHardExamples({ hardExamplesDir: values.from, datasetDir: values.dataset, indexName: values.index as string, remove: values.remove as boolean, ...(max === undefined ? {} : { max }) });
if (values.json) {
  console.log(JSON.stringify({ labelled: result.labelled.length, frames: result.labelled.map((l) => l.frame), skipped: result.skipped, duplicates: result.duplicates, pending: result.pending }));
} else {
  console.log(`label: ${result.labelled.length} hard examples labelled, ${result.pending} left for later, ${result.duplicates} already in the dataset, ${result.skipped.length} skipped`);
  for (const s of result.skipped) console.log(`  skipped ${s.hardExample}: ${s.reason}`);
}
