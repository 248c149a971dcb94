// IBT hard-example filter throughput: @sedna-ts/hard-example-mining's IBTFilter against a naive,
// line-by-line port of the original Python (map/filter/every, one array per pass), on the same
// 1M results of 1 to 50 boxes each, in one run; then the Threshold filter on the same results and the
// CrossEntropy filter on class-probability vectors, ours alone (beside the original's Python figures,
// quoted). Needs the package built:
//   npx nx run @sedna-ts/hard-example-mining:build && node bench/hem/run.mjs [results=1000000]
import { CrossEntropyFilter, IBTFilter, seededUniform, ThresholdFilter } from '@sedna-ts/hard-example-mining';
import { figure } from '../lib/figures.mjs';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const BATCH = 10_000;
const thresholdImg = 0.9;
const thresholdBox = 0.9;

// The reference: the original's three passes, written the obvious way.
function naiveIbt(result) {
  if (!(result && result.length > 0 && result.every((box) => box.length > 4))) return false;
  const checked = result.map((box) => box[4]).filter((score) => 0 <= Number(score) && Number(score) <= 1);
  if (checked.length !== result.length) return false;
  const low = checked.map(Number).filter((score) => score <= thresholdBox);
  return low.length / result.length >= 1 - thresholdImg;
}

const uniform = seededUniform(20251125);
function makeBatch(n) {
  const batch = new Array(n);
  for (let i = 0; i < n; i++) {
    const boxes = 1 + Math.floor(uniform() * 50);
    const result = new Array(boxes);
    for (let b = 0; b < boxes; b++) {
      // Mostly confident detections, some uncertain ones, and 1 in 2000 boxes with an out-of-range score.
      const r = uniform();
      const score = r < 0.0005 ? 1.5 : r < 0.9 ? 0.9 + uniform() * 0.1 : uniform();
      result[b] = [uniform() * 600, uniform() * 300, 640, 352, score, Math.floor(uniform() * 4)];
    }
    batch[i] = result;
  }
  return batch;
}

const ibt = new IBTFilter({ threshold_img: String(thresholdImg), threshold_box: String(thresholdBox) });
function timeIt(fn, batch) {
  let hard = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < batch.length; i++) if (fn(batch[i])) hard++;
  return { ns: Number(process.hrtime.bigint() - start), hard };
}
const ours = (r) => ibt.filter(r);

// Warm both paths up so the JIT has compiled them before measuring.
const warm = makeBatch(BATCH);
for (let k = 0; k < 5; k++) {
  timeIt(ours, warm);
  timeIt(naiveIbt, warm);
}

let oursNs = 0;
let naiveNs = 0;
let results = 0;
let boxes = 0;
let hardOurs = 0;
let disagreements = 0;
for (let done = 0, round = 0; done < TOTAL; done += BATCH, round++) {
  const batch = makeBatch(Math.min(BATCH, TOTAL - done));
  // Alternate which runs first so cache effects do not favour one side.
  let o, b;
  if (round % 2 === 0) {
    o = timeIt(ours, batch);
    b = timeIt(naiveIbt, batch);
  } else {
    b = timeIt(naiveIbt, batch);
    o = timeIt(ours, batch);
  }
  oursNs += o.ns;
  naiveNs += b.ns;
  hardOurs += o.hard;
  if (o.hard !== b.hard) disagreements++;
  for (const r of batch) if (ours(r) !== naiveIbt(r)) disagreements++;
  results += batch.length;
  for (const r of batch) boxes += r.length;
}

const perSec = (ns) => (results / (ns / 1e9)).toFixed(0);
console.log(`IBT over ${results} results (${(boxes / results).toFixed(1)} boxes per result on average, 1 to 50), threshold_img=${thresholdImg} threshold_box=${thresholdBox}`);
console.log(`  hard examples: ${hardOurs} (${((100 * hardOurs) / results).toFixed(1)}%), disagreements with the reference: ${disagreements}`);
console.log('  implementation                 results/s     relative');
console.log(`  IBTFilter (ours)          ${perSec(oursNs).padStart(12)}     ${(naiveNs / oursNs).toFixed(2)}x`);
console.log(`  naive port of the original ${perSec(naiveNs).padStart(11)}     1.00x`);
if (disagreements > 0) process.exitCode = 1;

// Threshold on the same kind of results, CrossEntropy on probability vectors of 2 to 20 classes.
const threshold = new ThresholdFilter({ threshold: '0.5' });
const crossEntropy = new CrossEntropyFilter({ threshold_cross_entropy: '0.5' });
function probabilities(n) {
  const batch = new Array(n);
  for (let i = 0; i < n; i++) {
    const k = 2 + Math.floor(uniform() * 19);
    const raw = Array.from({ length: k }, () => uniform() ** 3);
    const sum = raw.reduce((s, v) => s + v, 0);
    batch[i] = raw.map((v) => v / sum);
  }
  return batch;
}
function rateOf(fn, make) {
  const warmBatch = make(BATCH);
  for (let k = 0; k < 5; k++) timeIt(fn, warmBatch);
  let ns = 0;
  for (let done = 0; done < TOTAL; done += BATCH) ns += timeIt(fn, make(Math.min(BATCH, TOTAL - done))).ns;
  return TOTAL / (ns / 1e9);
}
const thresholdRate = rateOf((r) => threshold.filter(r), makeBatch);
const crossEntropyRate = rateOf((r) => crossEntropy.filter(r), probabilities);
console.log(`  ThresholdFilter (ours)    ${thresholdRate.toFixed(0).padStart(12)}     (same results, threshold=0.5)`);
console.log(`  CrossEntropyFilter (ours) ${crossEntropyRate.toFixed(0).padStart(12)}     (probability vectors of 2 to 20 classes, threshold_cross_entropy=0.5)`);

// The original's Python filters, measured once on this class of machine (2 cores): quoted, not run here.
const PYTHON = { ibt: 0.17e6, threshold: 0.45e6, crossEntropy: 0.36e6 };
const size = `${results} results of 1 to 50 boxes (${(boxes / results).toFixed(1)} on average)`;
figure({ id: 'hem.ibt', title: 'IBT filter, results/s', value: results / (oursNs / 1e9), unit: 'results/s', size, baseline: { label: 'naive JS port of the original', value: results / (naiveNs / 1e9) }, reference: { label: "original's Python, quoted", value: PYTHON.ibt } });
figure({ id: 'hem.threshold', title: 'Threshold filter, results/s', value: thresholdRate, unit: 'results/s', size, reference: { label: "original's Python, quoted", value: PYTHON.threshold } });
figure({ id: 'hem.cross-entropy', title: 'CrossEntropy filter, results/s', value: crossEntropyRate, unit: 'results/s', size: `${TOTAL} probability vectors of 2 to 20 classes`, reference: { label: "original's Python, quoted", value: PYTHON.crossEntropy } });
