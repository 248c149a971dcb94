// The fault suite's disk scenario: the LC's data dir on a small tmpfs of its own (2 MiB), the four
// parts and the tray-classifier job running. A flood of hard examples into the job's hard-example
// folder (written as the worker SDK writes them) must leave the store within its budget; then the tmpfs
// is filled up while the LC counts new samples: the LC must say what failed (the path and ENOSPC), stay
// up, and once space is back go on with nothing corrupt (every state file readable, no torn record on
// its next start).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { IncrementalLearningJob } from '@sedna-ts/api-types';
import { hasCondition, type ConditionKey } from '../jobWatch.js';
import { eventually } from '../eventually.js';
import { NODE, Scenario } from '../scenario.js';
import { getJson } from '../sedna.js';
import { FourParts } from './parts.js';

/** Options of {@link runDiskScenario}. */
export interface DiskScenarioOptions {
  /** Hard examples written by the flood. */
  flood: number;
  /** The budget of the store (SEDNA_LC_HARD_EXAMPLES_MAX_COUNT and _MAX_BYTES). */
  maxCount: number;
  maxBytes: number;
  log?: (line: string) => void;
}

/** What the scenario found. */
export type DiskScenarioResult =
  | { skipped: string }
  | {
      flood: { written: number; refused: number; kept: number; keptBytes: number; evicted: number };
      /** The LC's log lines about the full disk. */
      diskFullLines: string[];
      /** Whether one of them names the file under the LC's data dir it could not write. */
      namesStateFile: boolean;
      stateFiles: number;
      violations: string[];
    };

/** Mounts a tmpfs of `size` at `dir`; the reason when this process may not. */
function mountTmpfs(dir: string, size: string): string | undefined {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs at ${dir} (${((error as { stderr?: Buffer }).stderr?.toString() || (error as Error).message).trim()}); run as root for the full-disk case`;
  }
}

function files(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** The tmpfs of the LC's data dir. */
const TMPFS_SIZE = '2m';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/**
 * Every state file of the LC readable: JSON files parse, and the append logs (JSON lines) have no
 * unreadable line. Returns the problems and the number of files checked.
 */
export function checkStateFiles(dir: string): { problems: string[]; checked: number } {
  const problems: string[] = [];
  let checked = 0;
  for (const file of files(dir)) {
    if (basename(file) === 'samples.log') {
      // A Dataset's sample log holds raw sample lines, not JSON: its committed part (the byte count in
      // the cursor.json beside it) must be there and end at a line end; bytes past it are cut at start.
      checked++;
      const bytes = readFileSync(file);
      let committed: number | undefined;
      try {
        committed = (JSON.parse(readFileSync(join(dirname(file), 'cursor.json'), 'utf8')) as { log?: { bytes?: number } }).log?.bytes;
      } catch {
        committed = undefined;
      }
      if (committed === undefined) problems.push(`${file}: no committed length in the cursor.json beside it`);
      else if (bytes.length < committed) problems.push(`${file}: ${bytes.length} bytes, shorter than the ${committed} committed`);
      else if (committed > 0 && bytes[committed - 1] !== 0x0a) problems.push(`${file}: the committed part does not end at a line end`);
      continue;
    }
    const text = readFileSync(file, 'utf8');
    if (file.endsWith('.json')) {
      checked++;
      try {
        JSON.parse(text);
      } catch (error) {
        problems.push(`${file}: not JSON (${(error as Error).message}): ${JSON.stringify(text.slice(0, 80))}`);
      }
    } else if (file.endsWith('.jsonl') || file.endsWith('.log')) {
      checked++;
      text.split('\n').forEach((line, i) => {
        if (line.trim() === '') return;
        try {
          JSON.parse(line);
        } catch {
          problems.push(`${file}:${i + 1}: a torn or unreadable record: ${JSON.stringify(line.slice(0, 80))}`);
        }
      });
    }
  }
  return { problems, checked };
}

/** Runs the scenario (see the module comment); `{skipped}` with the reason when no tmpfs can be made. */
export async function runDiskScenario(options: DiskScenarioOptions): Promise<DiskScenarioResult> {
  const log = options.log ?? (() => undefined);
  const scenario = new Scenario('disk');
  const lcDir = join(scenario.dir, 'lc-tmpfs');
  const refusal = mountTmpfs(lcDir, TMPFS_SIZE);
  if (refusal) {
    await scenario.cleanUp();
    return { skipped: refusal };
  }
  let parts: FourParts | undefined;
  const violations: string[] = [];
  try {
    let batch: string[] = [];
    await Promise.all([
      (async () => {
        parts = await FourParts.start({
          dataDir: scenario.dataDir,
          dir: scenario.dir,
          node: NODE,
          lcEnv: {
            SEDNA_LC_DATA_DIR: lcDir,
            SEDNA_LC_DATA_ROOTS: scenario.root,
            SEDNA_LC_HARD_EXAMPLES_MAX_COUNT: String(options.maxCount),
            SEDNA_LC_HARD_EXAMPLES_MAX_BYTES: String(options.maxBytes),
            SEDNA_LC_POLL_SECONDS: '2',
          },
        });
      })(),
      scenario.prepareModelAndFrames(),
      (async () => {
        batch = await scenario.generate({ prefix: 'd', count: 64, seed: 5, cameras: 'lit' });
      })(),
    ]);
    const p = parts as unknown as FourParts;
    await scenario.apply();
    const heDir = join(lcDir, 'hard-examples', 'default', 'incrementallearningjob', scenario.name);
    await eventually('the job to start', async () => (hasCondition(await getJson<IncrementalLearningJob>(scenario.dataDir, ['il', scenario.name]), { round: 0, stage: 'Train', type: 'Waiting' } as ConditionKey) ? true : undefined));
    await eventually('the hard-example folder', () => (statSync(heDir, { throwIfNoEntry: false })?.isDirectory() ? true : undefined));

    // The flood: examples as the SDK writes them (sample, then meta last, each by temp file and rename),
    // as fast as the disk takes them.
    const sample = readFileSync(join(scenario.root, 'frames', readdirSync(join(scenario.root, 'frames')).find((f) => f.endsWith('.png')) as string));
    let written = 0;
    let refused = 0;
    for (let i = 0; i < options.flood; i++) {
      const id = `${String(Date.now()).padStart(15, '0')}-flood${String(i).padStart(6, '0')}`;
      const files = [
        [`${id}.png`, sample],
        [`${id}.meta.json`, JSON.stringify({ result: { flood: i }, modelVersion: null, time: new Date().toISOString() })],
      ] as const;
      try {
        for (const [name, data] of files) {
          writeFileSync(join(heDir, `${name}.tmp`), data);
          renameSync(join(heDir, `${name}.tmp`), join(heDir, name));
        }
        written++;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        refused++;
        for (const [name] of files) for (const file of [name, `${name}.tmp`]) rmSync(join(heDir, file), { force: true });
        // The disk is full: give the LC's eviction a moment, as a worker retrying would.
        await sleep(50);
      }
      if (i % 200 === 199) await sleep(10);
    }
    const usage = () => {
      const names = readdirSync(heDir).filter((f) => !f.startsWith('.'));
      const bytes = names.reduce((sum, f) => sum + (statSync(join(heDir, f), { throwIfNoEntry: false })?.size ?? 0), 0);
      return { count: names.filter((f) => f.endsWith('.meta.json')).length, bytes };
    };
    let kept: { count: number; bytes: number };
    try {
      kept = await eventually(`the hard-example store within its budget (${options.maxCount} examples, ${options.maxBytes} bytes)`, () => {
        const now = usage();
        return now.count <= options.maxCount && now.bytes <= options.maxBytes ? now : undefined;
      });
    } catch (error) {
      const errors = readFileSync(p.logOf('lc'), 'utf8').split('\n').filter((l) => l.includes('"level":50')).slice(-3);
      throw new Error(`${(error as Error).message}: ${JSON.stringify(usage())} in ${heDir}; the LC's last errors:\n${errors.join('\n')}`, { cause: error });
    }
    const metrics = await (await fetch(`${p.lcUrl}/metrics`)).text();
    const evicted = Number(/sedna_lc_hard_examples_evicted_total\{[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
    log(`flood: ${written} examples written, ${refused} refused by the full tmpfs, ${kept.count} kept (${kept.bytes} bytes), ${evicted} evicted`);

    // The full disk: a filler takes what is left while samples arrive.
    const lcLogBefore = readFileSync(p.logOf('lc'), 'utf8').length;
    const filler = join(lcDir, 'filler');
    try {
      writeFileSync(filler, Buffer.alloc(4 * 1024 * 1024));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    }
    scenario.append(batch);
    const diskFullLines = await eventually('the LC to say the disk is full', () => {
      const lines = readFileSync(p.logOf('lc'), 'utf8').slice(lcLogBefore).split('\n').filter((l) => l.includes('ENOSPC'));
      return lines.length > 0 ? lines : undefined;
    });
    log(`disk full: the LC says ${diskFullLines[0]?.slice(0, 300)}`);
    if (!p.parts.lc.running) violations.push('the LC exited on the full disk');
    const namesStateFile = diskFullLines.some((l) => l.includes(lcDir));

    // Space back: the LC goes on, and what it wrote is whole.
    rmSync(filler, { force: true });
    await eventually('round 1 to start once space is back', async () => {
      const job = await getJson<IncrementalLearningJob>(scenario.dataDir, ['il', scenario.name]);
      return hasCondition(job, { round: 1, stage: 'Train', type: 'Ready' } as ConditionKey) ? true : undefined;
    });
    await p.parts.lc.stop();
    const state = checkStateFiles(lcDir);
    violations.push(...state.problems);
    await p.start('lc');
    const restartLines = readFileSync(p.logOf('lc'), 'utf8').split('--- start ').pop() ?? '';
    for (const line of restartLines.split('\n')) if (/torn|unreadable|corrupt/i.test(line)) violations.push(`the LC's next start: ${line.slice(0, 300)}`);
    return { flood: { written, refused, kept: kept.count, keptBytes: kept.bytes, evicted }, diskFullLines, namesStateFile, stateFiles: state.checked, violations };
  } finally {
    await parts?.stop();
    try {
      execFileSync('umount', [lcDir], { stdio: 'pipe' });
    } catch {
      // Not mounted (any more).
    }
    await scenario.cleanUp();
  }
}
