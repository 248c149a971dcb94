// Dataset monitor: the cost of appending 1k lines to a 10M-line index against a 1k-line index, side by
// side in one run. Two figures per index: the read the monitor does for an append (readIndex from the
// cursor, as the monitor calls it), and the end-to-end latency from the append to the monitor's change
// (fs.watch on the folder, read, hand-over). The goal is a ratio of at most 2: the monitor reads only
// the appended bytes. Then the big index is replaced by a file with 1k new lines before all the old
// ones: the recount compares every line with the record of counted lines (an 8-byte hash per line,
// loaded into a table), so it prints the table's memory and the time to the recount's change. Last,
// the per-line check of sample files (an open of each) against none, on 10k lines. Needs the package built:
//   npx nx run @sedna-ts/local-controller:build && node bench/dataset-monitor/run.mjs [bigLines=10000000] [rounds=30]
import { appendFile, mkdir, mkdtemp, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetMonitor, readIndex, START_CURSOR } from '@sedna-ts/local-controller';
import { figure } from '../lib/figures.mjs';

const BIG = Number(process.argv[2] ?? 10_000_000);
const ROUNDS = Number(process.argv[3] ?? 30);
const SMALL = 1000;
const APPEND = 1000;
/** The monitor's log lines with fields (the recount's tells the size of its table of counted lines). */
const logged = [];
const silent = { debug() {}, info: (fields) => logged.push(fields), warn() {}, error() {}, child() { return silent; } };

let serial = 0;
const line = () => `images/${String(serial++).padStart(9, '0')}.png 12,34,56,78,1 90,12,34,56,0\n`;

async function makeIndex(path, lines) {
  const handle = await open(path, 'w');
  const perChunk = 20_000;
  for (let written = 0; written < lines; written += perChunk) {
    let chunk = '';
    for (let i = 0; i < Math.min(perChunk, lines - written); i++) chunk += line();
    await handle.write(chunk);
  }
  await handle.close();
}

const block = () => Array.from({ length: APPEND }, line).join('');
const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];

async function measure(path) {
  // The monitor's read for an append: from the cursor after the last complete line.
  let cursor = START_CURSOR;
  for (let result; !result || result.more; cursor = result.cursor) result = await readIndex(path, 'txt', cursor);
  const reads = [];
  for (let r = 0; r < ROUNDS; r++) {
    await appendFile(path, block());
    const t = process.hrtime.bigint();
    const result = await readIndex(path, 'txt', cursor);
    reads.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (result.kind !== 'read' || result.samples.length !== APPEND) throw new Error(`expected ${APPEND} samples, got ${JSON.stringify(result.kind)}`);
    cursor = result.cursor;
  }
  // End to end through a running monitor: append, wait for its change.
  let waiting;
  const stateDir = `${path}.state`;
  const monitor = new DatasetMonitor({ path, format: 'txt', stateDir, pollMs: 60_000, logger: silent, onChange: (change) => waiting?.(change) });
  const startedAt = process.hrtime.bigint();
  await monitor.start();
  const initialMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
  const latencies = [];
  for (let r = 0; r < ROUNDS; r++) {
    const seen = new Promise((resolve) => (waiting = resolve));
    const t = process.hrtime.bigint();
    await appendFile(path, block());
    const change = await seen;
    latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (change.count - change.previousCount !== APPEND) throw new Error('a change of another size');
  }
  // Rotation: 1k new lines first, then every old one; the table is alive at the first change of the recount.
  const replacement = `${path}.next`;
  await writeFile(replacement, block());
  const source = await open(path, 'r');
  await appendFile(replacement, source.createReadStream());
  const recounted = new Promise((resolve) => {
    waiting = (change) => change.reset && resolve(change);
  });
  const t = process.hrtime.bigint();
  await rename(replacement, path);
  const monitor2 = new DatasetMonitor({ path, format: 'txt', stateDir, pollMs: 60_000, logger: silent, onChange: (change) => waiting?.(change) });
  await monitor.stop();
  await monitor2.start();
  const change = await recounted;
  const recountMs = Number(process.hrtime.bigint() - t) / 1e6;
  if (change.log.to.lines - change.log.from.lines > APPEND) throw new Error('the recount took old lines as new');
  await monitor2.stop();
  const { counted, tableBytes } = logged.findLast((fields) => fields.tableBytes !== undefined);
  return { reads, latencies, initialMs, bytes: (await stat(path)).size, counted, tableBytes, recountMs };
}

/** The per-line check of sample files (open + fstat + close each) against none, on 10k lines with their files. */
async function checks(dir) {
  const root = join(dir, 'checked');
  await mkdir(join(root, 'images'), { recursive: true });
  let text = '';
  for (let i = 0; i < 10_000; i++) {
    await writeFile(join(root, 'images', `${i}.png`), '');
    text += `images/${i}.png 1\n`;
  }
  await writeFile(join(root, 'index.txt'), text);
  const time = async (options) => {
    const t = process.hrtime.bigint();
    const result = await readIndex(join(root, 'index.txt'), 'txt', START_CURSOR, options);
    if (result.samples.length !== 10_000) throw new Error('lines lost');
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  return { without: await time({}), with: await time({ checks: { root, files: true } }) };
}

const dir = await mkdtemp(join(tmpdir(), 'bench-dataset-monitor-'));
try {
  const small = join(dir, 'small.txt');
  const big = join(dir, 'big.txt');
  await makeIndex(small, SMALL);
  const made = Date.now();
  await makeIndex(big, BIG);
  console.log(`indexes: ${SMALL} lines and ${BIG} lines (${((await stat(big)).size / 1e6).toFixed(0)} MB, written in ${((Date.now() - made) / 1000).toFixed(1)} s); ${ROUNDS} appends of ${APPEND} lines each`);
  const s = await measure(small);
  const b = await measure(big);
  const row = (label, fs, fb) => console.log(`${label.padEnd(38)} ${fs.padStart(12)} ${fb.padStart(14)} ${((Number(fb) / Number(fs)) || 0).toFixed(2).padStart(8)}`);
  console.log(`${''.padEnd(38)} ${`${SMALL} lines`.padStart(12)} ${`${BIG} lines`.padStart(14)} ${'ratio'.padStart(8)}`);
  row('read of one append, median (ms)', quantile(s.reads, 0.5).toFixed(3), quantile(b.reads, 0.5).toFixed(3));
  row('read of one append, p90 (ms)', quantile(s.reads, 0.9).toFixed(3), quantile(b.reads, 0.9).toFixed(3));
  row('append to change event, median (ms)', quantile(s.latencies, 0.5).toFixed(3), quantile(b.latencies, 0.5).toFixed(3));
  row('append to change event, p90 (ms)', quantile(s.latencies, 0.9).toFixed(3), quantile(b.latencies, 0.9).toFixed(3));
  const readSmall = quantile(s.reads, 0.5);
  const readBig = quantile(b.reads, 0.5);
  const sizes = `${ROUNDS} appends of ${APPEND} lines`;
  figure({ id: 'dataset-monitor.append-read-ratio', title: `read of one append, ${BIG}-line index over ${SMALL}-line index (median)`, value: readBig / readSmall, unit: 'ratio', size: sizes, goal: { op: '<=', value: 2 } });
  figure({ id: 'dataset-monitor.append-read', title: `read of one append to a ${BIG}-line index (median)`, value: readBig, unit: 'ms', size: sizes, baseline: { label: "whole-index read, the original's way at every check period", value: b.initialMs } });
  figure({ id: 'dataset-monitor.append-to-event', title: `append to change event on a ${BIG}-line index (p90)`, value: quantile(b.latencies, 0.9), unit: 'ms', size: sizes, baseline: { label: `on a ${SMALL}-line index`, value: quantile(s.latencies, 0.9) } });
  figure({ id: 'dataset-monitor.recount', title: `recount of a replaced ${BIG}-line index`, value: b.recountMs / 1000, unit: 's', size: `${b.counted} counted lines, 1k new lines before them` });
  console.log(`(first count at start, not per append: ${s.initialMs.toFixed(1)} ms and ${b.initialMs.toFixed(0)} ms; a restart resumes from the saved cursor instead)`);
  console.log(`recount of the replaced big index (${b.counted} counted lines): ${(b.recountMs / 1000).toFixed(1)} s; table of counted lines ${(b.tableBytes / 1e6).toFixed(1)} MB = ${(b.tableBytes / b.counted).toFixed(1)} bytes per line (17 to 35 as the table doubles); on disk 8 bytes per line`);
  const c = await checks(dir);
  console.log(`10k lines read without and with the check of their sample files: ${c.without.toFixed(0)} ms and ${c.with.toFixed(0)} ms (${((c.with - c.without) / 10).toFixed(1)} us per line)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
