// Writes a thermal-comfort CSV (src/comfort.ts): `--rows` rows (default 2000) of the tasks `--tasks`
// (default the four seen ones: Summer_AC,Summer_NV,Winter_AC,Winter_NV; Spring_NV is the unseen one),
// seeded by `--seed` (default 1), to `--out` (default stdout). `--append` adds rows without a header to
// an existing file, as a labeller appending to the Dataset would.
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { generate, SEEN_TASKS, SET_POINTS, toCsv } from './src/comfort.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '2000' },
    tasks: { type: 'string', default: SEEN_TASKS.join(',') },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
    append: { type: 'boolean', default: false },
  },
});
const count = Number(values.rows);
const seed = Number(values.seed);
const tasks = values.tasks.split(',').map((t) => t.trim()).filter(Boolean);
if (!Number.isInteger(count) || count < 0) throw new Error(`generate: --rows: ${JSON.stringify(values.rows)} is not a count`);
if (!Number.isInteger(seed)) throw new Error(`generate: --seed: ${JSON.stringify(values.seed)} is not an integer`);
for (const task of tasks) if (!(task in SET_POINTS)) throw new Error(`generate: --tasks: ${JSON.stringify(task)} is not one of ${Object.keys(SET_POINTS).join(', ')}`);
const text = toCsv(generate({ tasks, count, seed }), { header: !values.append });
if (values.out) await mkdir(dirname(values.out), { recursive: true });
if (!values.out) process.stdout.write(text);
else if (values.append) await appendFile(values.out, text);
else await writeFile(values.out, text);
