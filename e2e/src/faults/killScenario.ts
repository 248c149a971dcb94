// The seeded kill scenario of the fault suite: the four parts as separate processes (parts.ts), the
// tray-classifier job of the end-to-end tests with its real workers, one batch of labelled frames
// appended per round, and at seeded points of the rounds a part SIGKILLed and started again; two
// rounds run with the LC cut off from the GM (cutProxy.ts). Everything is checked from outside
// afterwards: the job's conditions, the pods, the round files, the workers' own records and the
// upstream messages the LC queued against those the GM received (records.ts).
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { IncrementalLearningJob } from '@sedna-ts/api-types';
import { seededRandom } from '@sedna-ts/internal';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { conditionSequence } from '../conditionOrder.js';
import { conditionsOf, dataOf, describeConditions, hasCondition, type ConditionKey } from '../jobWatch.js';
import { eventually } from '../eventually.js';
import { NODE, Scenario } from '../scenario.js';
import { checkDelivery, queuedMessages, receivedMessages, workerReports, type DeliveryCheck } from './records.js';
import { FourParts, PART_NAMES, type PartName } from './parts.js';

/** Options of {@link runKillScenario}. */
export interface KillScenarioOptions {
  seed: number;
  /** SIGKILLs of each part. */
  killsPerPart: number;
  /** How long the LC stays cut off from the GM while a worker reports. */
  cutSeconds: number;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Keep the temp folder (its logs) instead of removing it. */
  keep?: boolean;
}

/** A kill of the plan: which part, in which round, at which point of it, after how long. */
export interface PlannedKill {
  part: PartName;
  round: number;
  /** The condition `Stage/Type` the kill waits for (or the round's end, whichever comes first); `appended` right after the samples. */
  point: string;
  delayMs: number;
  downMs: number;
}

/** What the scenario measured and the invariants it found broken. */
export interface KillScenarioResult {
  seed: number;
  plan: PlannedKill[];
  rounds: number;
  roundsCompleted: number;
  samplesAppended: number;
  kills: Record<PartName, number>;
  delivery: DeliveryCheck;
  workerReports: { delivered: number; forwarded: number; missing: string[] };
  cut: { seconds: number; connectionsDropped: number; connectionsRefused: number; reportsServedOffline: number; offlineRoundCut: boolean };
  /** Every broken invariant, one line each (empty when the scenario passed). */
  violations: string[];
  /** Where the logs are (removed unless `keep`). */
  dir: string;
}

/** Points of a round, in the order the state machine reaches them. */
const POINTS = ['appended', 'Train/Ready', 'Train/Starting', 'Train/Running', 'Train/Completed', 'Eval/Ready', 'Eval/Starting', 'Eval/Running', 'Eval/Completed', 'Deploy/Waiting', 'Deploy/Ready', 'Deploy/Running'];
const SAMPLES_PER_ROUND = 64;
const KILLS_PER_ROUND = 3;
/** The safety net of one round (a stuck system fails with the conditions so far). */
const ROUND_DEADLINE_MS = 600_000;

/**
 * The seeded plan: every part killed `killsPerPart` times, at most three kills a round and at most one
 * of the node agent (each of its kills fails the stage in flight, and a stage is tried four times),
 * and two rounds without kills for the cuts.
 */
export function planKills(seed: number, killsPerPart: number): { rounds: number; cutRounds: [number, number]; plan: PlannedKill[] } {
  const random = seededRandom(seed);
  const parts: PartName[] = PART_NAMES.flatMap((p) => Array.from({ length: killsPerPart }, () => p));
  for (let i = parts.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [parts[i], parts[j]] = [parts[j] as PartName, parts[i] as PartName];
  }
  const killRounds = Math.max(killsPerPart, Math.ceil(parts.length / KILLS_PER_ROUND));
  const rounds: PartName[][] = Array.from({ length: killRounds }, () => []);
  // The agent's kills first, one per round; then the others where there is room.
  parts.filter((p) => p === 'agent').forEach((p, i) => rounds[i]?.push(p));
  let r = 0;
  for (const part of parts.filter((p) => p !== 'agent')) {
    while ((rounds[r % killRounds] as PartName[]).length >= KILLS_PER_ROUND) r++;
    (rounds[r % killRounds] as PartName[]).push(part);
    r++;
  }
  // Round 1 has no kill (the base model is deployed and the inference worker warm before the first one);
  // the cuts take two rounds after it, side by side, at a seeded place.
  const cutAt = 2 + Math.floor(random() * (killRounds + 1));
  const plan: PlannedKill[] = [];
  let round = 1;
  for (const kills of rounds) {
    round++;
    if (round === cutAt) round += 2;
    const points = kills.map(() => Math.floor(random() * POINTS.length)).sort((a, b) => a - b);
    kills.forEach((part, i) => plan.push({ part, round, point: POINTS[points[i] as number] as string, delayMs: Math.floor(random() * 1500), downMs: Math.floor(random() * 1000) }));
  }
  return { rounds: Math.max(round, cutAt + 1), cutRounds: [cutAt, cutAt + 1], plan };
}

/** Reads the job through the API server; undefined while it does not answer (it may be killed). */
class JobReader {
  private readonly api: CustomObjectsApi;

  constructor(
    kubeconfig: string,
    private readonly name: string,
    /** Why waiting is pointless: a part that exited on its own. */
    private readonly crashed: () => string | undefined,
  ) {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  async job(): Promise<IncrementalLearningJob | undefined> {
    try {
      return (await this.api.getNamespacedCustomObject({ group: 'sedna.io', version: 'v1alpha1', namespace: 'default', plural: 'incrementallearningjobs', name: this.name })) as IncrementalLearningJob;
    } catch {
      return undefined;
    }
  }

  /** Polls until `predicate` holds (or the deadline passes, which throws naming `what` and the conditions). */
  async until(what: string, predicate: (job: IncrementalLearningJob) => boolean, timeoutMs = ROUND_DEADLINE_MS): Promise<IncrementalLearningJob> {
    const deadline = Date.now() + timeoutMs;
    let last: IncrementalLearningJob | undefined;
    for (;;) {
      const job = await this.job();
      if (job) last = job;
      if (job && predicate(job)) return job;
      const crash = this.crashed();
      if (crash) throw new Error(`waiting for ${what}: ${crash}; conditions:\n${describeConditions(last)}`);
      if (Date.now() > deadline) throw new Error(`waiting for ${what}: not there after ${timeoutMs / 1000}s; conditions:\n${describeConditions(last)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const roundEnded = (round: number) => (job: IncrementalLearningJob) => hasCondition(job, { round, stage: 'Train', type: 'Waiting' } as ConditionKey);

/** The LC's Prometheus text, as `name{labels}` to value. */
async function lcMetrics(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) values.set(m[1] as string, Number(m[2]));
  }
  return values;
}

const sumOf = (metrics: Map<string, number>, prefix: string, filter: (key: string) => boolean = () => true) =>
  [...metrics.entries()].filter(([k]) => k.startsWith(prefix) && filter(k)).reduce((sum, [, v]) => sum + v, 0);


/** Eval versions in a round's eval file (docs/design/incremental-learning.md: the last 5). */
const EVAL_VERSIONS = 5;

/**
 * Every appended sample counted once: trained in exactly one round, or new in exactly one round's eval
 * file, which holds the eval samples new in its round and the 4 rounds before (each once).
 */
export function checkRoundFiles(train: Map<number, string[]>, evals: Map<number, string[]>, appended: readonly string[]): string[] {
  const problems: string[] = [];
  const counts = new Map<string, number>();
  const count = (line: string) => counts.set(line, (counts.get(line) ?? 0) + 1);
  for (const lines of train.values()) lines.forEach(count);
  const seenInEval = new Set<string>();
  const newEval = new Map<number, string[]>();
  for (const round of [...evals.keys()].sort((a, b) => a - b)) {
    const lines = evals.get(round) ?? [];
    if (new Set(lines).size !== lines.length) problems.push(`eval round file ${round} holds a sample twice`);
    const fresh = lines.filter((l) => !seenInEval.has(l));
    newEval.set(round, fresh);
    fresh.forEach(count);
    lines.forEach((l) => seenInEval.add(l));
    const window = new Set([...newEval.entries()].filter(([r]) => r > round - EVAL_VERSIONS).flatMap(([, l]) => l));
    if (window.size !== new Set(lines).size || lines.some((l) => !window.has(l))) problems.push(`eval round file ${round} is not the eval samples new in rounds ${Math.max(1, round - EVAL_VERSIONS + 1)} to ${round}`);
  }
  const lost = appended.filter((l) => !counts.has(l));
  const twice = [...counts.entries()].filter(([, n]) => n > 1).map(([l]) => l);
  const wanted = new Set(appended);
  const foreign = [...counts.keys()].filter((l) => !wanted.has(l));
  if (lost.length > 0) problems.push(`${lost.length} appended samples in no round file, e.g. ${lost[0]}`);
  if (twice.length > 0) problems.push(`${twice.length} samples counted twice (trained twice, or trained and evaluated, or new in two eval files), e.g. ${twice[0]}`);
  if (foreign.length > 0) problems.push(`${foreign.length} lines in round files that were never appended, e.g. ${foreign[0]}`);
  return problems;
}

/** One round's conditions: each worker stage tried until it completes, the deploy stage, the round's end. */
function roundPatternWithRetries(round: number): string {
  const t = (stage: string, type: string) => `${round}:${stage}/${type}`;
  const attempt = (stage: string, end: string) => `${t(stage, 'Ready')} (?:${t(stage, 'Starting')} )?(?:${t(stage, 'Running')} )?${t(stage, end)}`;
  const stage = (name: string) => `(?:${attempt(name, 'Failed')} )*${attempt(name, 'Completed')}`;
  return [stage('Train'), t('Eval', 'Waiting'), stage('Eval'), t('Deploy', 'Waiting'), `(?:${t('Deploy', '\\w+')} )*?${t('Deploy', 'Completed')}`, t('Train', 'Waiting')].join(' ');
}

/**
 * Runs the scenario (see the module comment) and returns its figures and the invariants it found broken;
 * throws only when the system got stuck (a deadline passed) or could not start.
 */
export async function runKillScenario(options: KillScenarioOptions): Promise<KillScenarioResult> {
  const log = options.log ?? (() => undefined);
  const { rounds, cutRounds, plan } = planKills(options.seed, options.killsPerPart);
  log(`seed ${options.seed}: ${rounds} rounds, ${plan.length} kills (${options.killsPerPart} per part), cuts in rounds ${cutRounds.join(' and ')}`);
  const scenario = new Scenario('faults');
  const violations: string[] = [];
  let parts: FourParts | undefined;
  const cut = { seconds: options.cutSeconds, connectionsDropped: 0, connectionsRefused: 0, reportsServedOffline: 0, offlineRoundCut: false };
  let roundsCompleted = 0;
  try {
    let batch: string[] = [];
    const generate = async () => {
      batch = await scenario.generate({ prefix: `s${options.seed}`, count: SAMPLES_PER_ROUND * rounds, seed: options.seed, cameras: 'lit,backlit' });
    };
    const start = async () => {
      parts = await FourParts.start({
        dataDir: scenario.dataDir,
        dir: scenario.dir,
        node: NODE,
        // Kept for the checks: the pods and conditions of every round; watches and reconciles retried soon
        // after an API server restart.
        // A Succeeded train pod waits reportGraceSeconds for its report, which the cut holds back.
        gmConfig: {
          podRetentionRounds: 1000,
          // Every condition of every round (the default keeps 200, about 12 rounds).
          maxConditions: 10_000,
          reportGraceSeconds: Math.max(60, options.cutSeconds + 60),
          watchBackoff: { initialMs: 200, maxMs: 2000 },
          backoff: { initialMs: 200, maxMs: 5000 },
        },
        // Run as root, the LC reads datasets only under the roots it is given.
        lcEnv: { SEDNA_LC_ROUND_RETENTION: '1000', SEDNA_LC_DATA_ROOTS: scenario.root },
      });
    };
    await Promise.all([start(), scenario.prepareModelAndFrames(), generate()]);
    const p = parts as unknown as FourParts;
    const reader = new JobReader(p.kubeconfig, scenario.name, () => p.crashed());
    await scenario.apply();
    await reader.until('the job to start', (job) => hasCondition(job, { round: 0, stage: 'Train', type: 'Waiting' } as ConditionKey));
    log('four parts up, job applied');

    for (let round = 1; round <= rounds; round++) {
      const lines = batch.slice((round - 1) * SAMPLES_PER_ROUND, round * SAMPLES_PER_ROUND);
      if (round === cutRounds[0]) {
        await cutWhileTraining(p, scenario, reader, round, lines, options.cutSeconds, cut, violations, log);
      } else if (round === cutRounds[1]) {
        await cutAtRoundStart(p, scenario, reader, round, lines, cut, violations, log);
      } else {
        scenario.append(lines);
        for (const kill of plan.filter((k) => k.round === round)) {
          if (kill.point !== 'appended') {
            const [stage, type] = kill.point.split('/') as [string, string];
            await reader.until(`${kill.point} of round ${round} or its end`, (job) => hasCondition(job, { round, stage, type } as ConditionKey) || roundEnded(round)(job));
          }
          await new Promise((r) => setTimeout(r, kill.delayMs));
          const job = await reader.job();
          const at = job ? conditionsOf(job).at(-1) : undefined;
          log(`round ${round}: SIGKILL ${kill.part} (planned at ${kill.point}; the job at ${at ? `${at.round}:${at.stage}/${at.type}` : 'unknown: the API server is down'})`);
          await p.kill(kill.part);
          await new Promise((r) => setTimeout(r, kill.downMs));
          await p.start(kill.part);
        }
      }
      await reader.until(`the end of round ${round}`, roundEnded(round));
      roundsCompleted = round;
      log(`round ${round} ended`);
    }

    // The checks, from outside.
    const job = (await reader.job()) as IncrementalLearningJob;
    const sequence = conditionSequence(job);
    for (let round = 1; round <= rounds; round++) {
      const tokens = sequence.split(' ').filter((t) => t.startsWith(`${round}:`)).join(' ');
      if (!new RegExp(`^${roundPatternWithRetries(round)}$`).test(tokens)) violations.push(`round ${round}: conditions out of the state machine's order: ${tokens}`);
    }
    const firstReadies = conditionsOf(job).filter((c) => c.stage === 'Train' && c.type === 'Ready' && dataOf(c).attempt === 1).map((c) => c.round);
    if (firstReadies.join(',') !== Array.from({ length: rounds }, (_, i) => i + 1).join(',')) violations.push(`rounds started: ${firstReadies.join(',')}, expected 1..${rounds} once each`);
    if (conditionsOf(job).some((c) => c.stage === 'Train' && c.type === 'Ready' && (c.round ?? 0) > rounds)) violations.push(`a round after ${rounds} started`);

    const { train, eval: evals } = scenario.roundFiles();
    const expectedRounds = Array.from({ length: rounds }, (_, i) => i + 1).join(',');
    if ([...train.keys()].sort((a, b) => a - b).join(',') !== expectedRounds) violations.push(`train round files: ${[...train.keys()].join(',')}, expected 1..${rounds}`);
    if ([...evals.keys()].sort((a, b) => a - b).join(',') !== expectedRounds) violations.push(`eval round files: ${[...evals.keys()].join(',')}, expected 1..${rounds}`);
    violations.push(...checkRoundFiles(train, evals, scenario.appended));

    const label = (key: string) => (pod: { metadata?: { labels?: Record<string, string> } }) => pod.metadata?.labels?.[key] ?? '';
    const pods = await scenario.pods();
    const keys = pods.map((pod) => `${label('incrementallearningjob.sedna.io/worker-type')(pod)}/${label('sedna.io/round')(pod)}/${label('sedna.io/attempt')(pod)}`).filter((k) => !k.startsWith('inference/'));
    const duplicatePods = keys.filter((k, i) => keys.indexOf(k) !== i);
    if (duplicatePods.length > 0) violations.push(`more than one pod for stage/round/attempt ${[...new Set(duplicatePods)].join(', ')}`);
    const serving = pods.filter((pod) => label('incrementallearningjob.sedna.io/worker-type')(pod) === 'inference' && pod.status?.phase === 'Running');
    if (serving.length !== 1) violations.push(`${serving.length} inference pods running at the end, expected 1`);
    const starts = scenario.trainRuns().filter((r) => r.event === 'start');
    const startedTwice = starts.filter((r, i) => starts.findIndex((s) => s.worker === r.worker) !== i);
    if (startedTwice.length > 0) violations.push(`train pods whose worker ran twice: ${startedTwice.map((r) => r.worker).join(', ')}`);

    const queued = queuedMessages(p.logOf('lc'));
    const received = receivedMessages(p.logOf('gm'));
    const delivery = checkDelivery(queued, received);
    if (delivery.lost.length > 0) violations.push(`upstream messages queued by the LC and never received by the GM: ${delivery.lost.join(', ')}`);
    if (delivery.appliedTwice.length > 0) violations.push(`upstream messages applied more than once: ${delivery.appliedTwice.join(', ')}`);
    if (delivery.outOfOrder.length > 0) violations.push(`upstream messages out of order: ${delivery.outOfOrder.join('; ')}`);
    // Queued: the LC's log says so, or the GM received it (an LC SIGKILLed after it queued a report
    // and answered 200 may not have written its log line; its outbox still has the message).
    const queuedIds = new Set([...queued, ...received].map((m) => m.id));
    const reports = workerReports(scenario.dataDir).filter((r) => r.kind === 'train' || r.kind === 'eval');
    const delivered = reports.filter((r) => r.delivered);
    const missing = delivered.filter((r) => !queuedIds.has(r.reportId)).map((r) => `${r.pod} ${r.kind} ${r.status} ${r.reportId}`);
    if (missing.length > 0) violations.push(`worker reports the LC took (200) but never queued for the GM (nor did the GM receive them): ${missing.join(', ')}`);
    const crash = p.crashed();
    if (crash) violations.push(crash);
    cut.connectionsDropped = p.proxy.dropped;
    cut.connectionsRefused = p.proxy.refused;
    return {
      seed: options.seed,
      plan,
      rounds,
      roundsCompleted,
      samplesAppended: scenario.appended.length,
      kills: p.kills(),
      delivery,
      workerReports: { delivered: delivered.length, forwarded: delivered.length - missing.length, missing },
      cut,
      violations,
      dir: scenario.dir,
    };
  } finally {
    await parts?.stop();
    if (options.keep) scenario.up = undefined;
    else await scenario.cleanUp();
  }
}

/**
 * The first cut: the round's train worker waits (hold file) while the link is cut; then it trains and
 * reports to the LC, which takes the report offline (the worker's SDK logs it delivered) and keeps it
 * in its outbox; the GM hears nothing until the link is back, after `cutSeconds` in all.
 */
async function cutWhileTraining(p: FourParts, scenario: Scenario, reader: JobReader, round: number, lines: string[], cutSeconds: number, cut: KillScenarioResult['cut'], violations: string[], log: (line: string) => void): Promise<void> {
  scenario.holdTraining(true);
  scenario.append(lines);
  await eventually(`the train worker of round ${round} started`, () => scenario.trainRuns().find((r) => r.event === 'start' && r.round === String(round)), ROUND_DEADLINE_MS);
  // The GM records the pod's start before the cut, so what changes later came through the link.
  await reader.until(`(Train, Starting) of round ${round}`, (job) => hasCondition(job, { round, stage: 'Train', type: 'Starting' } as ConditionKey));
  const started = Date.now();
  p.proxy.cut();
  log(`round ${round}: LC cut off from the GM while its train worker runs`);
  await eventually('the LC to notice the cut', async () => (sumOf(await lcMetrics(p.lcUrl), 'sedna_lc_gm_connected') === 0 ? true : undefined), 120_000);
  const served = sumOf(await lcMetrics(p.lcUrl), 'sedna_lc_worker_reports_total', (k) => k.includes('code="200"'));
  scenario.holdTraining(false);
  const report = await eventually(
    `the train worker of round ${round} to report while cut off`,
    () => workerReports(scenario.dataDir).find((r) => r.kind === 'train' && r.status === 'completed' && r.delivered && r.time >= started),
    Math.max(cutSeconds * 1000, 300_000),
  );
  const metrics = await lcMetrics(p.lcUrl);
  cut.reportsServedOffline += sumOf(metrics, 'sedna_lc_worker_reports_total', (k) => k.includes('code="200"')) - served;
  if (sumOf(metrics, 'sedna_lc_outbox_depth') < 1) violations.push(`cut in round ${round}: the LC took ${report.pod}'s report offline but its outbox is empty`);
  const rest = started + cutSeconds * 1000 - Date.now();
  if (rest > 0) await new Promise((r) => setTimeout(r, rest));
  const during = await reader.job();
  if (during && hasCondition(during, { round, stage: 'Train', type: 'Completed' } as ConditionKey)) violations.push(`cut in round ${round}: the GM recorded (Train, Completed) while the link was cut`);
  p.proxy.restore();
  log(`round ${round}: link restored after ${Math.round((Date.now() - started) / 1000)} s; ${report.pod} reported offline`);
}

/**
 * The second cut: at the end of the round before, the link is cut and the round's samples appended; the
 * LC counts them and fires its trigger from the job it holds, cutting the round's files offline. The
 * link comes back once the round file is there.
 */
async function cutAtRoundStart(p: FourParts, scenario: Scenario, reader: JobReader, round: number, lines: string[], cut: KillScenarioResult['cut'], violations: string[], log: (line: string) => void): Promise<void> {
  // The LC fires from the job it holds: the cut comes once the LC has stored the round before as ended
  // (the GM writes the status first and sends the job down after, so the GM's word is not enough).
  const held = join(scenario.dir, 'lc', 'objects', 'incrementallearningjob', 'default', `${scenario.name}.json`);
  await eventually(`the LC to hold round ${round - 1} as ended (${held})`, () => {
    try {
      return roundEnded(round - 1)(JSON.parse(readFileSync(held, 'utf8')) as IncrementalLearningJob) ? true : undefined;
    } catch {
      return undefined; // not written yet, or being replaced
    }
  }, 120_000);
  p.proxy.cut();
  log(`round ${round}: LC cut off from the GM at the end of round ${round - 1}; samples appended`);
  await eventually('the LC to notice the cut', async () => (sumOf(await lcMetrics(p.lcUrl), 'sedna_lc_gm_connected') === 0 ? true : undefined), 120_000);
  scenario.append(lines);
  const roundFile = join(scenario.root, 'output', 'data', 'train', String(round), 'data.txt');
  try {
    await eventually(`the LC to cut round ${round} offline`, () => (existsSync(roundFile) ? true : undefined), 120_000);
    cut.offlineRoundCut = true;
  } catch (error) {
    violations.push(`cut in round ${round}: ${(error as Error).message}`);
  }
  const job = await reader.job();
  if (job && hasCondition(job, { round, stage: 'Train', type: 'Ready' } as ConditionKey)) violations.push(`cut in round ${round}: the GM recorded (Train, Ready) while the link was cut`);
  p.proxy.restore();
  log(`round ${round}: link restored; the LC had ${cut.offlineRoundCut ? '' : 'not '}cut the round offline`);
}
