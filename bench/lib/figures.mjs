// The figures a benchmark reports to `npm run bench` (bench/run.mjs), besides what it prints.
// A benchmark calls figure() once per measured value; when bench/run.mjs runs it, the runner names a
// file in SEDNA_BENCH_FIGURES and the figure is appended to it as one JSON line; run by hand, figure()
// only checks its argument, so a benchmark prints the same either way.
import { appendFileSync, readFileSync } from 'node:fs';

const OPS = new Set(['<=', '>=']);

/**
 * One measured value.
 * - id: stable key, `<bench>.<what>` (for example `trigger.p99.200jobs`);
 * - title: what was measured, in words;
 * - value and unit: the figure;
 * - size: the size and workload it was measured at (`200 jobs, one append at a time`);
 * - goal: `{ op: '<=' | '>=', value }` in the same unit, when the project set one;
 * - baseline: `{ label, value }` measured side by side in the same run (a peer, the original's way,
 *   the slowest stage alone...), in the same unit; the runner prints value/baseline;
 * - reference: `{ label, value }` a figure not measured in this run (the original's design, a quoted
 *   measurement), in the same unit;
 * - note: one short sentence the table should carry (why a goal is missed, what the load was).
 */
export function figure(f) {
  const problems = [];
  if (typeof f.id !== 'string' || !/^[a-z0-9-]+(\.[a-zA-Z0-9-]+)+$/.test(f.id)) problems.push(`id ${JSON.stringify(f.id)} is not <bench>.<what>`);
  if (typeof f.title !== 'string' || f.title.length === 0) problems.push('title is missing');
  if (typeof f.value !== 'number' || !Number.isFinite(f.value)) problems.push(`value ${JSON.stringify(f.value)} is not a finite number`);
  if (typeof f.unit !== 'string') problems.push('unit is missing');
  if (typeof f.size !== 'string' || f.size.length === 0) problems.push('size is missing');
  if (f.goal !== undefined && !(OPS.has(f.goal.op) && Number.isFinite(f.goal.value))) problems.push(`goal ${JSON.stringify(f.goal)} is not { op: '<=' | '>=', value }`);
  for (const key of ['baseline', 'reference']) {
    const side = f[key];
    if (side !== undefined && !(typeof side.label === 'string' && Number.isFinite(side.value))) problems.push(`${key} ${JSON.stringify(side)} is not { label, value }`);
  }
  if (problems.length > 0) throw new Error(`figure ${JSON.stringify(f.id ?? f.title)}: ${problems.join('; ')}`);
  const file = process.env.SEDNA_BENCH_FIGURES;
  if (file) appendFileSync(file, `${JSON.stringify({ ...f, at: new Date().toISOString() })}\n`);
  return f;
}

/** Whether a figure meets its goal (undefined when it has none). */
export function meets(f) {
  if (!f.goal) return undefined;
  return f.goal.op === '<=' ? f.value <= f.goal.value : f.value >= f.goal.value;
}

/** The figures a file of JSON lines holds, in the order they were reported. */
export function readFigures(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw error;
  }
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line, i) => {
      try {
        return JSON.parse(line);
      } catch (error) {
        throw new Error(`${file} line ${i + 1}: not JSON (${error.message})`);
      }
    });
}

/** Percentile p (0..1) of an ascending array: the smallest value with at least p of the values at or below it. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

/** Resident memory of a process in MiB (VmRSS from /proc), or undefined when it has gone. */
export function rssMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}
