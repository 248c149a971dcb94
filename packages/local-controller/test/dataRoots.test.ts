/**
 * Dataset files only from allowed places: one LC (running as root here, as on a cluster) with
 * `dataRoots` and a denied root like `sedna up`'s data dir, against a GM stand-in. An index outside the
 * roots, inside a denied root or the LC's own data dir, or reached by a symlink leaving the roots, is
 * never read: a Dataset condition names the path and the roots, and no round file is written, though its
 * samples would fire the trigger. A round file gets the owner and the mode of its index, minus group and
 * other write; an outputDir outside the roots keeps the round waiting with a warning.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { appendFile, chmod, chown, mkdir, mkdtemp, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startLocalController, type LocalController } from '../src/index.js';
import { FakeGm, waitFor, waitForJobs } from './helpers/fakeGm.js';
import { condition, dataset, job, model, withConditions } from './helpers/objects.js';
import { withSampleFiles } from './helpers/samples.js';

const samples = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `images/${from + i}.png 1,2,3,4,0\n`).join('');

describe('dataset files only from allowed places', () => {
  let dir: string;
  let allowed: string;
  let outside: string;
  let upDir: string;
  let lcDir: string;
  let gm: FakeGm;
  let lc: LocalController;
  const logs: Array<{ level: number; msg: string }> = [];
  const jobs = ['outside', 'denied', 'lcdir', 'link', 'a', 'b', 'escape', 'into-denied', 'swap'];

  const readyOf = (name: string) => gm.jobMessages().filter((m) => m.name === name && m.phase === 'Train' && m.status === 'Ready');
  const refusal = (name: string) => gm.datasetConditions(name).find((c) => c.status === 'False');

  beforeAll(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'lc-roots-')));
    allowed = join(dir, 'allowed');
    outside = join(dir, 'outside');
    upDir = join(allowed, 'sedna-up');
    lcDir = join(allowed, 'lc');
    for (const d of [outside, upDir, lcDir, join(allowed, 'a'), join(allowed, 'b'), join(allowed, 'swap')]) await mkdir(d, { recursive: true });
    for (const d of [outside, join(allowed, 'a'), join(allowed, 'b'), join(allowed, 'swap')]) await withSampleFiles(d, samples(200));
    await writeFile(join(outside, 'index.txt'), samples(20));
    await writeFile(join(upDir, 'gm-secret'), '0123456789abcdef0123456789abcdef\n');
    await writeFile(join(lcDir, 'loot.txt'), samples(5));
    await symlink(join(outside, 'index.txt'), join(allowed, 'link.txt'));
    await writeFile(join(allowed, 'a', 'index.txt'), '');
    await chmod(join(allowed, 'a', 'index.txt'), 0o664);
    await chown(join(allowed, 'a', 'index.txt'), 1000, 1000);
    await writeFile(join(allowed, 'b', 'index.txt'), '');
    await chmod(join(allowed, 'b', 'index.txt'), 0o600);
    await chown(join(allowed, 'b', 'index.txt'), 1001, 1002);
    await writeFile(join(allowed, 'swap', 'index.txt'), samples(2));

    gm = await FakeGm.start();
    lc = await startLocalController({
      nodeName: 'edge-1',
      gmUrl: gm.url,
      nodeToken: gm.nodeToken,
      dataDir: lcDir,
      dataRoots: [allowed],
      deniedRoots: [{ path: upDir, why: 'the data dir of sedna up, which holds its secrets' }],
      timeZone: 'UTC',
      logger: pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as { level: number; msg: string }) }),
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    });
    expect(await lc.waitForGm()).toBe(true);
    gm.insert(model('initial-model', join(allowed, 'initial.ckpt'), 'ckpt'));
    gm.insert(model('deploy-model', join(allowed, 'deploy.onnx'), 'onnx'));
    const urls: Record<string, string> = {
      outside: join(outside, 'index.txt'),
      denied: join(upDir, 'gm-secret'),
      lcdir: join(lcDir, 'loot.txt'),
      link: join(allowed, 'link.txt'),
      a: join(allowed, 'a', 'index.txt'),
      b: join(allowed, 'b', 'index.txt'),
      swap: join(allowed, 'swap', 'index.txt'),
    };
    for (const [name, url] of Object.entries(urls)) gm.insert(dataset(`ds-${name}`, url, 'edge-1'));
    const outputs: Record<string, string> = { escape: join(outside, 'out-escape'), 'into-denied': join(upDir, 'out') };
    for (const name of jobs) {
      const base = job({ name, dataset: `ds-${urls[name] ? name : 'a'}`, outputDir: outputs[name] ?? join(allowed, `out-${name}`), threshold: name === 'swap' ? 100 : 3, trainProb: 1 });
      gm.insert(withConditions(base, 0, [condition('Train', 'Waiting', 0)]));
    }
    await waitForJobs(lc.url, jobs.length);
  });

  afterAll(async () => {
    await lc?.stop();
    await gm?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('an index outside dataRoots is refused with a Dataset condition naming the path and the roots', async () => {
    const index = join(outside, 'index.txt');
    expect(await waitFor(() => refusal('ds-outside'), 'the refusal of ds-outside')).toMatchObject({
      type: 'IndexReadable',
      reason: 'PathNotAllowed',
      message: `Dataset default/ds-outside: spec.url: ${JSON.stringify(index)} resolves to ${JSON.stringify(index)}, outside the allowed roots ${JSON.stringify([allowed])}`,
    });
  });

  test("an index inside a denied root (sedna up's data dir) or the LC's own data dir is refused, naming it", async () => {
    expect((await waitFor(() => refusal('ds-denied'), 'the refusal of ds-denied')).message).toBe(
      `Dataset default/ds-denied: spec.url: ${JSON.stringify(join(upDir, 'gm-secret'))} resolves to ${JSON.stringify(join(upDir, 'gm-secret'))}, inside ${JSON.stringify(upDir)}, the data dir of sedna up, which holds its secrets`,
    );
    expect((await waitFor(() => refusal('ds-lcdir'), 'the refusal of ds-lcdir')).message).toContain(`inside ${JSON.stringify(lcDir)}, the data dir of this LC`);
  });

  test('a symlink inside the roots pointing outside is refused, naming where it resolves', async () => {
    expect((await waitFor(() => refusal('ds-link'), 'the refusal of ds-link')).message).toBe(
      `Dataset default/ds-link: spec.url: ${JSON.stringify(join(allowed, 'link.txt'))} resolves to ${JSON.stringify(join(outside, 'index.txt'))}, outside the allowed roots ${JSON.stringify([allowed])}`,
    );
  });

  test("a round file gets its index's owner and mode without group and other write: 0664 -> 0644, 0600 -> 0600", async () => {
    await appendFile(join(allowed, 'a', 'index.txt'), samples(3));
    await appendFile(join(allowed, 'b', 'index.txt'), samples(3));
    await waitFor(() => readyOf('a').length > 0 && readyOf('b').length > 0, '(Train, Ready) of jobs a and b');
    const a = await stat(join(allowed, 'out-a', 'data', 'train', '1', 'data.txt'));
    expect([a.mode & 0o777, a.uid, a.gid]).toEqual([0o644, 1000, 1000]);
    const b = await stat(join(allowed, 'out-b', 'data', 'train', '1', 'data.txt'));
    expect([b.mode & 0o777, b.uid, b.gid]).toEqual([0o600, 1001, 1002]);
  });

  test('an outputDir outside the roots or inside a denied one: the round waits with a warning naming it', async () => {
    const warned = (text: string) => logs.find((l) => l.level === 40 && l.msg.includes(text));
    expect((await waitFor(() => warned(`spec.outputDir: ${JSON.stringify(join(outside, 'out-escape'))}`), 'the warning of job escape')).msg).toBe(
      `IncrementalLearningJob default/escape: spec.outputDir: ${JSON.stringify(join(outside, 'out-escape'))} resolves to ${JSON.stringify(join(outside, 'out-escape'))}, outside the allowed roots ${JSON.stringify([allowed])}: round 1 waits`,
    );
    await waitFor(() => warned(`spec.outputDir: ${JSON.stringify(join(upDir, 'out'))}`), 'the warning of job into-denied');
    expect([readyOf('escape'), readyOf('into-denied')]).toEqual([[], []]);
    expect([existsSync(join(outside, 'out-escape')), existsSync(join(upDir, 'out'))]).toEqual([false, false]);
  });

  test('refused indexes: no count, no (Train, Ready), no round file, though their samples meet the threshold', async () => {
    // Jobs a and b cut (previous test): the trigger loop ran; one more check period for good measure.
    await new Promise((r) => setTimeout(r, 1200));
    for (const name of ['outside', 'denied', 'lcdir', 'link']) {
      expect([name, gm.datasetCounts(`ds-${name}`), readyOf(name), existsSync(join(allowed, `out-${name}`))]).toEqual([name, [], [], false]);
    }
  });

  test('an index swapped for a symlink leaving the roots is refused at the next read, and accepted again once back', async () => {
    const index = join(allowed, 'swap', 'index.txt');
    await waitFor(() => gm.datasetCounts('ds-swap').at(-1) === 2, 'the count 2 of ds-swap');
    await symlink(join(outside, 'index.txt'), `${index}.new`);
    await rename(`${index}.new`, index);
    expect((await waitFor(() => refusal('ds-swap'), 'the refusal of ds-swap')).message).toContain(`resolves to ${JSON.stringify(join(outside, 'index.txt'))}, outside the allowed roots`);
    await writeFile(`${index}.new`, samples(3, 100));
    await rename(`${index}.new`, index);
    await waitFor(() => gm.datasetConditions('ds-swap').at(-1)?.status === 'True', 'ds-swap readable again');
    await waitFor(() => gm.datasetCounts('ds-swap').at(-1) === 3, 'the count 3 of ds-swap');
    // The 20 samples of the file outside were never counted.
    expect(gm.datasetCounts('ds-swap')).toEqual([2, 3]);
  });
});
