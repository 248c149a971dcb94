/**
 * Issue 13, points 3, 4 and 6, through a running LC and the worker SDK reading its round files:
 * - a line whose path escapes the dataset folder is quarantined when it arrives (a Warning event names
 *   it), never enters a pool, so the round that would have failed on it succeeds, and so do the next
 *   (the probe saw the line go back to the pool and fail every later round);
 * - `caf\xe9` (not UTF-8) goes byte for byte from the index to the round file, and the worker opens the
 *   file it names; a CR inside a line is quarantined, not read as three samples (a round file of 222
 *   lines for 220 counted);
 * - an index replaced, then truncated and rewritten quickly with new lines among the old ones: every
 *   new line reaches the round files exactly once (the probe lost 40, 30 and 30).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, readFile, rename, rm, truncate, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { type DatasetEvent, type IncrementalLearningJob, type JobCondition } from '@sedna-ts/api-types';
import { SednaConfig, TxtDataParse } from '@sedna-ts/worker-sdk';
import { startLocalController, type LocalController } from '../src/index.js';
import { FakeGm, waitFor, waitForJobs } from './helpers/fakeGm.js';
import { condition, dataset, job, model, withConditions } from './helpers/objects.js';
import { withSampleFiles } from './helpers/samples.js';

const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const CAFE = bytes('images/caf', [0xe9], '.png 1');

describe('index lines through a running LC', () => {
  let dir: string;
  let index: string;
  let outputDir: string;
  let gm: FakeGm;
  let lc: LocalController;
  let base: IncrementalLearningJob;
  const conditions: JobCondition[] = [];

  const send = (round: number, added: JobCondition[]) => {
    conditions.push(...added);
    gm.insert(withConditions(base, round, [...conditions]));
  };
  const roundFile = (round: number) => join(outputDir, 'data', 'train', String(round), 'data.txt');
  const roundLines = async (round: number) => (await readFile(roundFile(round))).toString('latin1').split('\n').slice(0, -1);
  const trainReady = (round: number) => waitFor(() => gm.jobMessages().find((m) => m.phase === 'Train' && m.status === 'Ready' && m.round === round), `(Train, Ready) of round ${round}`, 30_000);
  const events = () => gm.upstream.filter((u) => u.frame.header.resourceKind === 'dataset').flatMap((u) => (u.content.events as DatasetEvent[] | undefined) ?? []);
  /** A round as the GM runs it: Ready, then Completed with a model, back to (Train, Waiting). */
  const completeRound = (round: number) => {
    const trained = [{ format: 'onnx', url: join(outputDir, 'train', String(round), 'model.onnx') }];
    send(round, [condition('Train', 'Ready', round), condition('Train', 'Completed', round, { output: { models: trained } }), condition('Eval', 'Waiting', round)]);
    send(round, [condition('Eval', 'Ready', round), condition('Eval', 'Completed', round), condition('Deploy', 'Waiting', round), condition('Deploy', 'Completed', round), condition('Train', 'Waiting', round)]);
  };
  /** The train worker of a round: the SDK reads the round file as the original worker would. */
  const worker = (round: number) => new TxtDataParse<string | Buffer, string[]>('train').parse(roundFile(round), { config: new SednaConfig({ env: { ORIGINAL_DATASET_URL: index } }) });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-lines-'));
    index = join(dir, 'data', 'index.txt');
    outputDir = join(dir, 'out');
    await mkdir(join(dir, 'data', 'images'), { recursive: true });
    await writeFile(index, '');
    await writeFile(join(dir, 'data', bytes('images/caf', [0xe9], '.png').toString('latin1')), '');
    await writeFile(bytes(join(dir, 'data', 'images', 'caf'), [0xe9], '.png'), 'the caf\xe9 image');
    gm = await FakeGm.start();
    lc = await startLocalController({
      nodeName: 'edge-1',
      gmUrl: gm.url,
      nodeToken: gm.nodeToken,
      dataDir: join(dir, 'lc'),
      timeZone: 'UTC',
      logger: pino({ level: 'silent' }),
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    });
    expect(await lc.waitForGm()).toBe(true);
    gm.insert(dataset('ds', index, 'edge-1'));
    gm.insert(model('initial-model', join(dir, 'initial.ckpt'), 'ckpt'));
    gm.insert(model('deploy-model', join(dir, 'deploy.onnx'), 'onnx'));
    base = job({ dataset: 'ds', outputDir, threshold: 4, trainProb: 1 });
    send(0, [condition('Train', 'Waiting', 0)]);
    await waitForJobs(lc.url);
  });

  afterAll(async () => {
    await lc?.stop();
    await gm?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('an escaping line and a CR inside a line are quarantined with a Warning event; caf\\xe9 reaches the round file and the worker byte for byte', async () => {
    const good = await withSampleFiles(join(dir, 'data'), ['images/0.png 1', 'images/1.png 0', 'images/2.png 1']);
    await appendFile(index, Buffer.concat([bytes(`${good[0]}\n../../etc/passwd 1\n${good[1]}\nimages/3.png 1\rimages/4.png 0\r\n`), CAFE, bytes(`\n${good[2]}\n`)]));
    await trainReady(1);
    expect(await roundLines(1)).toEqual([good[0], good[1], CAFE.toString('latin1'), good[2]]);
    const data = await worker(1);
    expect(data.x).toHaveLength(4);
    expect(data.x[2]).toEqual(bytes(join(dir, 'data', 'images', 'caf'), [0xe9], '.png'));
    expect(await readFile(data.x[2] as Buffer, 'utf8')).toBe('the caf\xe9 image');
    const warnings = await waitFor(() => (events().length >= 2 ? events() : undefined), 'the Warning events of the quarantined lines');
    const where = `Dataset default/ds: spec.url: ${JSON.stringify(index)}`;
    expect(warnings).toEqual([
      { type: 'Warning', reason: 'LineQuarantined', message: `${where}: line 2 "../../etc/passwd 1" is not a sample: its sample path "../../etc/passwd" resolves to ${JSON.stringify(resolve(dir, 'data', '../../etc/passwd'))}, outside the dataset folder ${JSON.stringify(join(dir, 'data'))}; kept in the LC's quarantine of this Dataset` },
      { type: 'Warning', reason: 'LineQuarantined', message: `${where}: line 4 "images/3.png 1\\rimages/4.png 0" is not a sample: it contains a CR (\\r) that does not end the line (a line ends at LF or CRLF); kept in the LC's quarantine of this Dataset` },
    ]);
    expect(gm.datasetCounts('ds').at(-1)).toBe(4);
  });

  test('the next rounds succeed: the quarantined line never entered a pool', async () => {
    completeRound(1);
    const more = await withSampleFiles(join(dir, 'data'), Array.from({ length: 5 }, (_, i) => `images/r2-${i}.png 1`));
    await appendFile(index, `${more.join('\n')}\n`);
    await trainReady(2);
    expect(await roundLines(2)).toEqual(more);
    expect((await worker(2)).x).toHaveLength(5);
  });

  test('rotation: replaced, then truncated and rewritten quickly with new lines among the old: each new line in a round file exactly once', async () => {
    completeRound(2);
    const before = (await readFile(index)).toString('latin1').split('\n').slice(0, -1);
    const fresh = await withSampleFiles(join(dir, 'data'), Array.from({ length: 40 }, (_, i) => `images/rot-a-${i}.png 1`));
    await writeFile(join(dir, 'data', 'next.txt'), Buffer.from(`${[...fresh.slice(0, 20), ...before, ...fresh.slice(20)].join('\n')}\n`, 'latin1'));
    await rename(join(dir, 'data', 'next.txt'), index);
    await trainReady(3);
    const round3 = await roundLines(3);
    completeRound(3);
    const again = await withSampleFiles(join(dir, 'data'), Array.from({ length: 60 }, (_, i) => `images/rot-b-${i}.png 1`));
    const all = (await readFile(index)).toString('latin1').split('\n').slice(0, -1);
    await truncate(index, 0);
    await writeFile(index, Buffer.from(`${[...again.slice(0, 30), ...all, ...again.slice(30, 45)].join('\n')}\n`, 'latin1'));
    await appendFile(index, `${again.slice(45).join('\n')}\n`);
    await trainReady(4);
    await waitFor(async () => (await lc.metrics()).includes(`sedna_lc_dataset_samples{namespace="default",dataset="ds",node="edge-1"} ${all.length - 2 + 60}`), 'the whole rewrite counted');
    // Every sample the jobs get, in order: each new line once, none lost, no old one again.
    const log = (await readFile(join(dir, 'lc', 'dataset-state', 'default', 'ds', 'samples.log'))).toString('latin1').split('\n').slice(0, -1);
    expect(log.slice(-100)).toEqual([...fresh, ...again]);
    expect(new Set(log).size).toBe(log.length);
    // Round 4 was cut once 4 samples were in the pool: some or all of the 60, each once, the rest still pooled.
    const round4 = await roundLines(4);
    expect(round3).toEqual(fresh);
    expect(round4).toEqual(again.slice(0, round4.length));
  });
});
