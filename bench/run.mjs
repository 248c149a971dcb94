#!/usr/bin/env node
// `npm run bench`: every benchmark under bench/ at its default size, one after the other, then
// BENCHMARKS.md at the repository root with each figure beside its goal and its side-by-side baseline.
//   npm run bench [-- --long] [-- --only hem,scale] [-- --out FILE]
// --long adds the long forms (the cpu training backend, the label-efficiency training, the soak suite)
// and runs the others at their long sizes. Each benchmark runs as a child process with its own
// deadline; what it prints goes to bench/out/<name>.log (kept out of git); the figures it reports
// through bench/lib/figures.mjs go to the table. The 1-minute load average is sampled every 2 s while
// each one runs, so a figure measured on a busy machine says so.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { meets, readFigures } from './lib/figures.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { values } = parseArgs({
  options: {
    long: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string', default: path.join(root, 'BENCHMARKS.md') },
    'no-build': { type: 'boolean', default: false },
  },
});

const node = (script, ...args) => [process.execPath, path.join('bench', script), ...args];
const tsx = (script, ...args) => [process.execPath, require.resolve('tsx/cli'), path.join('bench', script), ...args];
const MIN = 60_000;

/**
 * The benchmarks, in the order they run. `args` is the default form, `long` the long form (null: the
 * benchmark runs only with --long). `deadline` is how long the runner waits before it stops one.
 */
const BENCHES = [
  { name: 'hem', what: 'hard-example filters', args: node('hem/run.mjs'), long: node('hem/run.mjs', '10000000'), deadline: 5 * MIN },
  { name: 'inference', what: 'SDK inference against raw onnxruntime', args: node('inference/run.mjs', '--rounds', '10'), long: node('inference/run.mjs'), deadline: 10 * MIN },
  { name: 'edge-pipeline', what: 'edge inference pipeline, stages overlapped', args: tsx('edge-pipeline/run.ts'), long: tsx('edge-pipeline/run.ts', '--frames', '2000'), deadline: 10 * MIN },
  { name: 'hot-swap', what: 'hot swap under 100 calls/s', args: node('hot-swap/run.mjs'), long: node('hot-swap/run.mjs', '--swaps', '10'), deadline: 10 * MIN },
  { name: 'dataset-monitor', what: 'dataset monitor on a 10M-line index', args: node('dataset-monitor/run.mjs'), long: node('dataset-monitor/run.mjs', '10000000', '100'), deadline: 10 * MIN },
  { name: 'apiserver', what: 'embedded API server', args: node('apiserver/run.mjs'), long: node('apiserver/run.mjs', '100000'), deadline: 10 * MIN },
  { name: 'node-agent', what: 'node agent overhead', args: node('node-agent/run.mjs'), long: node('node-agent/run.mjs', '100'), deadline: 5 * MIN },
  { name: 'footprint', what: 'edge footprint and start-up', args: tsx('footprint/run.ts'), long: tsx('footprint/run.ts', '--jobs', '50'), deadline: 10 * MIN },
  { name: 'round-overhead', what: 'round overhead beyond the workers', args: tsx('round-overhead/run.ts'), long: tsx('round-overhead/run.ts', '--rounds', '30'), deadline: 10 * MIN },
  { name: 'trigger-latency', what: 'trigger latency', args: tsx('trigger-latency/run.ts', '--rounds', '20'), long: tsx('trigger-latency/run.ts'), deadline: 20 * MIN },
  { name: 'scale', what: 'control plane at 10, 100 and 1,000 jobs', args: tsx('scale/run.ts'), long: tsx('scale/run.ts', '--sizes', '10,100,1000,2000'), deadline: 30 * MIN },
  { name: 'train', what: 'training backends', args: null, long: node('train/run.mjs'), deadline: 20 * MIN },
  { name: 'label-efficiency', what: 'labels chosen by IBT against random', args: null, long: tsx('label-efficiency/run.ts'), deadline: 60 * MIN },
  { name: 'soak', what: 'fault suite, long form', args: null, long: node('soak/run.mjs', '--long'), deadline: 180 * MIN },
];

const only = values.only ? new Set(values.only.split(',').map((s) => s.trim())) : undefined;
if (only) {
  const unknown = [...only].filter((name) => !BENCHES.some((b) => b.name === name));
  if (unknown.length > 0) {
    console.error(`bench: --only names no benchmark ${unknown.join(', ')}; the benchmarks are ${BENCHES.map((b) => b.name).join(', ')}`);
    process.exit(2);
  }
}
const chosen = BENCHES.filter((b) => (only ? only.has(b.name) : true)).filter((b) => (values.long ? b.long : b.args));

// A benchmark whose script is missing fails here, before the build and the other benchmarks' minutes.
const missing = chosen.map((b) => (values.long ? b.long : b.args).find((a) => a.startsWith('bench' + path.sep) || a.startsWith('bench/'))).filter((script) => script && !existsSync(path.join(root, script)));
if (missing.length > 0) {
  console.error(`bench: no such script: ${missing.join(', ')}`);
  process.exit(2);
}

const git = (...args) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout?.trim() ?? '';
const commit = git('rev-parse', '--short=12', 'HEAD') || 'unknown';
const dirty = git('status', '--porcelain', '--untracked-files=no').length > 0;
const began = Date.now();
const loadBefore = os.loadavg();

if (!values['no-build']) {
  console.log('> build every package (nx run-many -t build; cached after the first run)');
  const built = spawnSync(process.execPath, [require.resolve('nx/bin/nx.js'), 'run-many', '-t', 'build', '--outputStyle=static'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (built.status !== 0) {
    process.stderr.write(`${built.stdout}${built.stderr}`);
    console.error(`bench: the build failed (exit ${built.status}); nothing was measured`);
    process.exit(1);
  }
}

const outDir = path.join(root, 'bench', 'out');
mkdirSync(outDir, { recursive: true });

/** Runs one benchmark; resolves with what it reported and how the machine was meanwhile. */
function runOne(bench) {
  const figuresFile = path.join(outDir, `${bench.name}.figures.jsonl`);
  const logFile = path.join(outDir, `${bench.name}.log`);
  rmSync(figuresFile, { force: true });
  const log = createWriteStream(logFile);
  const argv = values.long ? bench.long : bench.args;
  log.write(`$ ${argv.slice(1).map((a) => path.relative(root, a) || a).join(' ')}\n`);
  const loads = [];
  const sampler = setInterval(() => loads.push(os.loadavg()[0]), 2000);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: root, env: { ...process.env, SEDNA_BENCH_FIGURES: figuresFile }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    let tail = '';
    const keepTail = (chunk) => {
      tail = (tail + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keepTail);
    child.stderr.on('data', keepTail);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }, bench.deadline);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(sampler);
      log.end();
      loads.push(os.loadavg()[0]);
      const seconds = (Date.now() - started) / 1000;
      let figures = [];
      let problem;
      try {
        figures = readFigures(figuresFile);
      } catch (error) {
        problem = error.message;
      }
      if (timedOut) problem = `stopped after its deadline of ${bench.deadline / MIN} min`;
      else if (code !== 0) problem = `exited with ${code ?? signal}`;
      else if (figures.length === 0) problem = 'reported no figure';
      resolve({ bench, seconds, figures, problem, tail, logFile, load: { mean: loads.reduce((s, v) => s + v, 0) / loads.length, max: Math.max(...loads) } });
    });
  });
}

const results = [];
for (const bench of chosen) {
  console.log(`> ${bench.name}: ${bench.what}`);
  const result = await runOne(bench);
  results.push(result);
  const status = result.problem ? `FAILED: ${result.problem} (see ${path.relative(root, result.logFile)})` : `${result.figures.length} figures`;
  console.log(`  ${result.seconds.toFixed(0)} s, load average ${result.load.mean.toFixed(2)} (max ${result.load.max.toFixed(2)}): ${status}`);
  for (const f of result.figures) console.log(`    ${f.title}: ${format(f.value)} ${f.unit}${f.goal ? ` (goal ${f.goal.op} ${format(f.goal.value)}: ${meets(f) ? 'met' : 'MISSED'})` : ''}`);
}

function format(value) {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (value === 0) return '0';
  if (abs >= 1e5) return `${(value / 1e6).toFixed(2)} M`;
  if (abs >= 1000) return value.toFixed(0);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}
const ratio = (a, b) => (b === 0 ? '-' : `${(a / b).toFixed(a / b >= 100 ? 0 : 2)}x`);
const cell = (s) => String(s).replace(/\|/g, '\\|');

const totalMin = (Date.now() - began) / MIN;
const cpus = os.cpus();
const lines = [];
lines.push('# Benchmarks');
lines.push('');
lines.push(`Written by \`npm run bench${values.long ? ' -- --long' : ''}\` (bench/run.mjs${only ? `, only ${[...only].join(', ')}` : ''}). Do not edit by hand: run it again.`);
lines.push('');
lines.push(`- commit ${commit}${dirty ? ' with uncommitted changes' : ''}, ${new Date(began).toISOString().slice(0, 16).replace('T', ' ')} UTC; ${totalMin.toFixed(1)} min in all`);
lines.push(`- machine: ${os.availableParallelism()} cores (${cpus[0]?.model?.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`);
lines.push(`- load average before the run: ${loadBefore.map((l) => l.toFixed(2)).join(', ')} (1, 5, 15 min); each benchmark's mean and max during its run are in its row`);
lines.push('');
lines.push('Absolute times on a shared machine move from run to run; the ratios compare two things measured side by side in the same run, under the same load, and are the figures to compare.');
lines.push('');
lines.push('| benchmark | figure | size and workload | value | goal | value / goal | met | side by side (same run) | ratio | load avg mean / max |');
lines.push('|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const load = `${r.load.mean.toFixed(2)} / ${r.load.max.toFixed(2)}`;
  if (r.figures.length === 0) {
    lines.push(`| ${r.bench.name} | **${cell(r.problem ?? 'no figure')}** | | | | | | | | ${load} |`);
    continue;
  }
  for (const f of r.figures) {
    const met = meets(f);
    lines.push(
      [
        '',
        r.bench.name,
        cell(f.title),
        cell(f.size),
        `${format(f.value)} ${cell(f.unit)}`,
        f.goal ? `${f.goal.op} ${format(f.goal.value)}` : '-',
        f.goal ? ratio(f.value, f.goal.value) : '-',
        met === undefined ? '-' : met ? 'yes' : '**no**',
        f.baseline ? `${cell(f.baseline.label)}: ${format(f.baseline.value)}` : '-',
        f.baseline ? ratio(f.value, f.baseline.value) : '-',
        load,
        '',
      ].join(' | ').trim(),
    );
  }
  if (r.problem) lines.push(`| ${r.bench.name} | **${cell(r.problem)}** | | | | | | | | ${load} |`);
}
const references = results.flatMap((r) => r.figures.filter((f) => f.reference).map((f) => ({ bench: r.bench.name, f })));
if (references.length > 0) {
  lines.push('');
  lines.push("## Against the original's figures");
  lines.push('');
  lines.push('Not measured in this run: the original design\'s cadence and re-reads, and its Python filters as measured once on this class of machine (2 cores). The ratio is ours over theirs in the unit of the figure.');
  lines.push('');
  lines.push('| figure | ours | the original | ratio |');
  lines.push('|---|---|---|---|');
  for (const { f } of references) lines.push(`| ${cell(f.title)} | ${format(f.value)} ${cell(f.unit)} | ${cell(f.reference.label)}: ${format(f.reference.value)} | ${ratio(f.value, f.reference.value)} |`);
}
const notes = results.flatMap((r) => r.figures.filter((f) => f.note).map((f) => `- ${r.bench.name}, ${f.title}: ${f.note}`));
if (notes.length > 0) {
  lines.push('');
  lines.push('## Notes');
  lines.push('');
  lines.push(...notes);
}
lines.push('');
lines.push('## Each benchmark');
lines.push('');
for (const r of results) lines.push(`- \`${r.bench.name}\` (${r.bench.what}): ${r.seconds.toFixed(0)} s${r.problem ? `, **${cell(r.problem)}**` : ''}; how it measures: bench/${r.bench.name}/README.md`);
lines.push('');
writeFileSync(values.out, lines.join('\n'));
console.log(`\n${path.relative(process.cwd(), values.out)} written: ${results.reduce((n, r) => n + r.figures.length, 0)} figures from ${results.length} benchmarks in ${totalMin.toFixed(1)} min`);
const failed = results.filter((r) => r.problem);
if (failed.length > 0) {
  for (const r of failed) console.error(`bench ${r.bench.name}: ${r.problem}; the end of its output:\n${r.tail.split('\n').slice(-15).join('\n')}`);
  process.exitCode = 1;
}
