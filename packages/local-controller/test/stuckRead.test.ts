/**
 * Issue 13, point 1: a Dataset whose reads never return cannot stop the others. The LC runs as its own
 * process (`sedna-lc`) with a preload that makes the file system behave as a hung mount would: in the
 * LC's dataset reader processes, an open of a FIFO blocks (as every call on a hung NFS mount does;
 * without the preload the reader opens with O_NONBLOCK and refuses a FIFO at once, NotARegularFile),
 * and in the LC itself one thread is stuck in such an open, so that ending the process cannot wait for
 * its threads. A FIFO Dataset next to a normal one: the FIFO one gets `IndexReadable` `False` reason
 * `ReadTimeout` naming the Dataset, the path and what was waited for; the normal one keeps counting and
 * its job reports (Train, Ready); two SIGTERMs end the process.
 *
 * Nothing here waits for a time: the deadline (5 s) only decides when the FIFO read is abandoned.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeGm, waitFor } from './helpers/fakeGm.js';
import { startLcChild, type LcChild } from './helpers/child.js';
import { condition, dataset, job, model, withConditions } from './helpers/objects.js';
import { HUNG_MOUNT_PRELOAD } from './helpers/hungMount.js';
import { withSampleFiles } from './helpers/samples.js';

let dir: string;
let gm: FakeGm;
let lc: LcChild | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lc-stuck-'));
  await mkdir(join(dir, 'data'));
  await mkdir(join(dir, 'fifo'));
  execFileSync('mkfifo', [join(dir, 'fifo', 'index.txt')]);
  execFileSync('mkfifo', [join(dir, 'stuck')]);
  await writeFile(join(dir, 'preload.cjs'), HUNG_MOUNT_PRELOAD);
  await writeFile(join(dir, 'data', 'index.txt'), '');
  gm = await FakeGm.start();
  lc = await startLcChild({
    GM_ADDRESS: `127.0.0.1:${gm.port}`,
    NODENAME: 'edge-1',
    SEDNA_NODE_TOKEN: gm.nodeToken,
    SEDNA_LC_DATA_DIR: join(dir, 'lc'),
    SEDNA_LC_DATA_ROOTS: dir,
    SEDNA_LC_READ_TIMEOUT_SECONDS: '5',
    BIND_PORT: '0',
    NODE_OPTIONS: `--require ${join(dir, 'preload.cjs')}`,
    TEST_STUCK_FIFO: join(dir, 'stuck'),
  });
  await waitFor(() => gm.connected && gm.hellos.length > 0, 'the LC to connect');
  gm.insert(model('initial-model', join(dir, 'initial.ckpt'), 'ckpt'));
  gm.insert(model('deploy-model', join(dir, 'deploy.onnx'), 'onnx'));
  gm.insert(dataset('fifo', join(dir, 'fifo', 'index.txt'), 'edge-1'));
  gm.insert(dataset('ok', join(dir, 'data', 'index.txt'), 'edge-1'));
  gm.insert(withConditions(job({ dataset: 'ok', outputDir: join(dir, 'out'), threshold: 5, trainProb: 1 }), 0, [condition('Train', 'Waiting', 0)]));
}, 60_000);

afterAll(async () => {
  await lc?.kill('SIGKILL');
  await gm?.close();
  await rm(dir, { recursive: true, force: true });
});

const samples = (from: number, n: number) => Array.from({ length: n }, (_, i) => `images/${from + i}.png 1`);

test('a FIFO Dataset gets ReadTimeout; the normal one beside it keeps counting and its job reports; two SIGTERMs end the LC', async () => {
  const timeout = await waitFor(() => gm.datasetConditions('fifo').find((c) => c.reason === 'ReadTimeout'), 'ReadTimeout of the FIFO Dataset', 60_000);
  const path = join(dir, 'fifo', 'index.txt');
  expect(timeout).toMatchObject({ type: 'IndexReadable', status: 'False' });
  expect(timeout.message).toBe(
    `Dataset default/fifo: spec.url: ${JSON.stringify(path)}: no answer within 5 s while opening the index ${JSON.stringify(path)}; the read was abandoned (its reader process ended) and is tried again, apart from the other Datasets, until it answers`,
  );
  // The FIFO read is stuck (and tried again) in a reader of its own: the other Dataset is read and counted.
  await appendFile(join(dir, 'data', 'index.txt'), `${(await withSampleFiles(join(dir, 'data'), samples(0, 3))).join('\n')}\n`);
  await waitFor(() => gm.datasetCounts('ok').at(-1) === 3, 'the count 3 of the normal Dataset', 60_000);
  await appendFile(join(dir, 'data', 'index.txt'), `${(await withSampleFiles(join(dir, 'data'), samples(3, 3))).join('\n')}\n`);
  await waitFor(() => gm.datasetCounts('ok').at(-1) === 6, 'the count 6 of the normal Dataset', 60_000);
  await waitFor(() => gm.jobMessages().some((m) => m.phase === 'Train' && m.status === 'Ready' && m.round === 1), '(Train, Ready) of the job on the normal Dataset', 60_000);

  // The LC has a thread stuck in a FIFO open: process.exit() would wait for it for ever.
  const child = lc?.process;
  const ended = new Promise<NodeJS.Signals | number | null>((resolve) => child?.once('exit', (code, signal) => resolve(signal ?? code)));
  child?.kill('SIGTERM');
  // Two signals sent at once may arrive as one: the second goes once the first is taken.
  await waitFor(() => lc?.stderr.includes('sedna-lc: SIGTERM: stopping (a second signal ends it at once)'), 'the LC to take the first SIGTERM', 60_000);
  child?.kill('SIGTERM');
  expect(await ended).toBe('SIGTERM');
}, 120_000);
