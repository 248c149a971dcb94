/**
 * SIGKILL of the LC (a child process) in the middle of rounds, while samples keep arriving, then a
 * restart on the same data dir: no action is fired twice (each LC action has one message id, however
 * often it is replayed), and no sample is lost or duplicated (count the lines of the round files).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type IncrementalLearningJob, type JobCondition, type ModelInfo } from '@sedna-ts/api-types';
import { FakeGm, waitFor } from './helpers/fakeGm.js';
import { startLcChild, type LcChild } from './helpers/child.js';
import { condition, dataset, job, model, withConditions } from './helpers/objects.js';
import { withSampleFiles } from './helpers/samples.js';

const readLines = async (path: string) => (await readFile(path, 'utf8')).split('\n').filter((l) => l !== '');

describe('the LC killed mid-round', () => {
  let dir: string;
  let gm: FakeGm;
  let lc: LcChild | undefined;
  let index: string;
  let outputDir: string;
  let base: IncrementalLearningJob;
  const conditions: JobCondition[] = [];
  const appended: string[] = [];

  const env = () => ({
    GM_ADDRESS: `127.0.0.1:${gm.port}`,
    NODENAME: 'edge-1',
    SEDNA_NODE_TOKEN: gm.nodeToken,
    SEDNA_LC_DATA_DIR: join(dir, 'lc'),
    // The index and outputDir are under dir (a root LC without it reads nothing).
    SEDNA_LC_DATA_ROOTS: dir,
    BIND_PORT: '0',
    SEDNA_LC_TIME_ZONE: 'UTC',
  });

  function send(round: number, added: JobCondition[], annotations?: Record<string, string>): void {
    conditions.push(...added);
    let current = withConditions(base, round, [...conditions]);
    if (annotations) current = { ...current, metadata: { ...current.metadata, annotations } };
    gm.insert(current);
  }

  async function appendBurst(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const line = `images/${String(appended.length).padStart(6, '0')}.png 1,1,2,2,0`;
      appended.push(line);
      await withSampleFiles(dirname(index), [line]);
      await appendFile(index, `${line}\n`);
    }
  }

  async function restart(): Promise<void> {
    await lc?.kill('SIGKILL');
    lc = await startLcChild(env());
  }

  /** The LC's own actions (not forwarded worker reports, nor what a waiting stage waits for): one message id each. */
  function actions(): Map<string, Set<string>> {
    const byKey = new Map<string, Set<string>>();
    for (const m of gm.jobMessages().filter((x) => x.status !== 'Waiting')) {
      const key = `${m.phase}/${m.status}/${m.round}`;
      byKey.set(key, (byKey.get(key) ?? new Set()).add(m.messageId));
    }
    return byKey;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-crash-'));
    index = join(dir, 'data', 'index.txt');
    outputDir = join(dir, 'out');
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(index, '');
    gm = await FakeGm.start();
    lc = await startLcChild(env());
    await waitFor(() => gm.connected && gm.hellos.length > 0, 'the LC to connect');
    gm.insert(dataset('ds', index, 'edge-1'));
    gm.insert(model('initial-model', join(dir, 'initial.ckpt'), 'ckpt'));
    gm.insert(model('deploy-model', join(dir, 'deploy.onnx'), 'onnx'));
    base = job({ dataset: 'ds', outputDir, threshold: 40, trainProb: 0.75 });
    send(0, [condition('Train', 'Waiting', 0)]);
  }, 60_000);

  afterAll(async () => {
    await lc?.kill('SIGKILL');
    await gm?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('killed while samples arrive and the trigger fires, then killed with its (Train, Ready) not acked', async () => {
    gm.autoAck = false;
    const burst = appendBurst(120);
    await waitFor(() => appended.length >= 30, 'some samples appended');
    await restart();
    await burst;
    await waitFor(() => gm.jobMessages().some((m) => m.phase === 'Train' && m.round === 1), '(Train, Ready) of round 1', 30_000);
    await restart();
    await waitFor(() => gm.connected && gm.jobMessages().filter((m) => m.phase === 'Train').length >= 2, 'the replay after the restart', 30_000);
    gm.autoAck = true;
    for (const u of gm.upstream) gm.ack(u.frame);
    expect(actions().get('Train/Ready/1')?.size).toBe(1);
  }, 90_000);

  test('killed after the eval cut, then killed again after the next train cut', async () => {
    const trained: [ModelInfo] = [{ format: 'onnx', url: join(outputDir, 'train', '1', 'model.onnx') }];
    await mkdir(join(outputDir, 'train', '1'), { recursive: true });
    await writeFile(trained[0].url, 'model 1');
    send(1, [condition('Train', 'Ready', 1), condition('Train', 'Completed', 1, { output: { models: trained } }), condition('Eval', 'Waiting', 1)]);
    await waitFor(() => gm.jobMessages().some((m) => m.phase === 'Eval' && m.round === 1), '(Eval, Ready) of round 1', 30_000);
    const burst = appendBurst(60);
    await restart();
    await burst;
    send(1, [
      condition('Eval', 'Ready', 1),
      condition('Eval', 'Completed', 1, { output: { models: [{ ...trained[0], metrics: { precision: 0.9 } }, { format: 'onnx', url: join(dir, 'deploy.onnx'), metrics: { precision: 0.5 } }] } }),
      condition('Deploy', 'Waiting', 1),
    ]);
    await waitFor(() => gm.jobMessages().some((m) => m.phase === 'Deploy' && m.round === 1), 'the round 1 decision', 30_000);
    await restart();
    // The precision delta 0.4 > 0.05: Deploy; with no inference worker the LC publishes and completes.
    send(1, [condition('Deploy', 'Ready', 1, { input: { models: trained } }), condition('Deploy', 'Running', 1)]);
    await waitFor(() => gm.jobMessages().some((m) => m.phase === 'Deploy' && m.status === 'Completed' && m.round === 1), '(Deploy, Completed) of round 1', 30_000);
    await restart();
    send(1, [condition('Deploy', 'Completed', 1), condition('Train', 'Waiting', 1)], { 'sedna.io/trigger': 'train@2025-06-01T10:00:00Z' });
    await waitFor(() => gm.jobMessages().some((m) => m.phase === 'Train' && m.round === 2), '(Train, Ready) of round 2', 30_000);
    await restart();
    send(2, [condition('Train', 'Ready', 2), condition('Train', 'Completed', 2, { output: { models: trained } }), condition('Eval', 'Waiting', 2)]);
    await waitFor(() => gm.jobMessages().some((m) => m.phase === 'Eval' && m.round === 2), '(Eval, Ready) of round 2', 30_000);
    await restart();
    await waitFor(() => gm.connected, 'the LC back');
  }, 120_000);

  test('no action fired twice, no sample lost or duplicated', async () => {
    for (const [key, ids] of actions()) expect([key, ids.size]).toEqual([key, 1]);
    expect([...actions().keys()].sort()).toEqual(['Deploy/Completed/1', 'Deploy/Ready/1', 'Eval/Ready/1', 'Eval/Ready/2', 'Train/Ready/1', 'Train/Ready/2']);
    const train1 = await readLines(join(outputDir, 'data', 'train', '1', 'data.txt'));
    const train2 = await readLines(join(outputDir, 'data', 'train', '2', 'data.txt'));
    const eval2 = await readLines(join(outputDir, 'data', 'eval', '2', 'data.txt'));
    const eval1 = await readLines(join(outputDir, 'data', 'eval', '1', 'data.txt'));
    // Every sample appended is in exactly one train round file or in the eval window (versions 1 and 2).
    const all = [...train1, ...train2, ...eval2];
    expect(all.length).toBe(appended.length);
    expect(new Set(all)).toEqual(new Set(appended));
    expect(eval2.slice(0, eval1.length)).toEqual(eval1);
    // The split stayed exact across the kills: 3 of 4 to train.
    expect(train1.length + train2.length).toBe(Math.floor(0.75 * appended.length));
  });
});
