// Renders a dataset of generated construction-site frames with their true boxes:
//   npx tsx generate.ts --scenario A --seed 1 --count 2000 --out work/base [--start 0] [--format jpg] [--append]
// Writes <out>/images/<id>.<format> and <out>/index.txt (`images/<id>.jpg x1,y1,x2,y2,cls ...`).
import { parseArgs } from 'node:util';
import { HelmetError } from './src/errors.js';
import { writeGeneratedDataset } from './src/dataset.js';
import { scenarioOf } from './src/scenarios.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'A' },
    seed: { type: 'string', default: '1' },
    start: { type: 'string', default: '0' },
    count: { type: 'string', default: '100' },
    out: { type: 'string' },
    index: { type: 'string', default: 'index.txt' },
    format: { type: 'string', default: 'jpg' },
    append: { type: 'boolean', default: false },
  },
});

function integer(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new HelmetError('INVALID_ARGUMENT', `generate: --${name}: ${JSON.stringify(text)} is not a non-negative integer`);
  return n;
}

if (values.out === undefined) throw new HelmetError('INVALID_ARGUMENT', 'generate: --out <folder> is required');
if (values.format !== 'jpg' && values.format !== 'png') throw new HelmetError('INVALID_ARGUMENT', `generate: --format: ${JSON.stringify(values.format)} is not jpg or png`);
const spec = scenarioOf(values.scenario as string);
const count = integer('count', values.count);
const started = performance.now();
const index = await writeGeneratedDataset({
  scenario: spec.name,
  seed: integer('seed', values.seed),
  start: integer('start', values.start),
  count,
  dir: values.out,
  indexName: values.index as string,
  format: values.format,
  append: values.append as boolean,
  onProgress: (done, total) => {
    if (done % 500 === 0 && done < total) console.log(`${done}/${total}`);
  },
});
console.log(`${count} scenario-${spec.name} frames in ${((performance.now() - started) / 1000).toFixed(1)} s -> ${index}`);
