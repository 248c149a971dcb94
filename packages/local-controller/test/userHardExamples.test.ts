/**
 * A job whose inference template sets its own HE_SAVED_URL (the original's helmet example, with a
 * hostPath volume of its own): the LC indexes that host folder, images saved there the original
 * library's way (`<n>.jpeg`, no meta file) included, only where its roots allow.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { type IncrementalLearningJob } from '@sedna-ts/api-types';
import { readHardExampleIndex, startLocalController, type LocalController } from '../src/index.js';
import { FakeGm, waitFor, waitForJobs } from './helpers/fakeGm.js';
import { condition, dataset, job, model, withConditions } from './helpers/objects.js';

const exists = (path: string) => access(path).then(() => true, () => false);

/** The job with the helmet example's inference template: HE_SAVED_URL /he_saved_url on a hostPath volume at `hostFolder`. */
function withOwnFolder(base: IncrementalLearningJob, hostFolder: string): IncrementalLearningJob {
  const copy = structuredClone(base);
  copy.spec.deploySpec.template = {
    spec: {
      nodeName: 'edge-1',
      containers: [{ name: 'infer', image: 'x', env: [{ name: 'HE_SAVED_URL', value: '/he_saved_url' }], volumeMounts: [{ name: 'hedir', mountPath: '/he_saved_url' }] }],
      volumes: [{ name: 'hedir', hostPath: { path: hostFolder, type: 'DirectoryOrCreate' } }],
    },
  } as IncrementalLearningJob['spec']['deploySpec']['template'];
  return copy;
}

describe("a template's own HE_SAVED_URL", () => {
  let dir: string;
  let gm: FakeGm;
  let lc: LocalController;
  const logLines: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lc-userhe-'));
    await mkdir(join(dir, 'allowed', 'data'), { recursive: true });
    await writeFile(join(dir, 'allowed', 'data', 'index.txt'), '');
    gm = await FakeGm.start();
    lc = await startLocalController({
      nodeName: 'edge-1',
      gmUrl: gm.url,
      nodeToken: gm.nodeToken,
      dataDir: join(dir, 'lc'),
      dataRoots: [join(dir, 'allowed')],
      logger: pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) }),
      datasetPollSeconds: 0.2,
    });
    await lc.waitForGm();
    gm.insert(dataset('d', join(dir, 'allowed', 'data', 'index.txt'), 'edge-1'));
    gm.insert(model('initial-model', '/m/initial', 'ckpt'));
    gm.insert(model('deploy-model', '/m/deploy.onnx', 'onnx'));
    const base = job({ dataset: 'd', outputDir: join(dir, 'allowed', 'out'), threshold: 1000, inferenceWorker: true });
    gm.insert(withConditions(withOwnFolder(base, join(dir, 'allowed', 'he')), 0, [condition('Train', 'Waiting', 0)]));
    const outside = job({ name: 'outside', dataset: 'd', outputDir: join(dir, 'allowed', 'out2'), threshold: 1000, inferenceWorker: true });
    gm.insert(withConditions(withOwnFolder(outside, join(dir, 'elsewhere', 'he')), 0, [condition('Train', 'Waiting', 0)]));
    await waitForJobs(lc.url, 2);
  });

  afterAll(async () => {
    await lc?.stop();
    await gm?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("the host folder of the template's volume is indexed, the library's <n>.jpeg included; the LC's own folder is not used", async () => {
    const folder = join(dir, 'allowed', 'he');
    await waitFor(() => exists(join(folder, '.sedna-index.jsonl')), 'the index opened in the template folder');
    await writeFile(join(folder, '0.jpeg'), 'jpeg 0');
    await writeFile(join(folder, '1.jpeg'), 'jpeg 1');
    const index = await waitFor(async () => {
      const list = await readHardExampleIndex(folder);
      return list.length === 2 ? list : undefined;
    }, 'the frames indexed');
    expect(index.map((e) => [e.id, e.path, e.modelVersion])).toEqual([
      ['0', join(folder, '0.jpeg'), null],
      ['1', join(folder, '1.jpeg'), null],
    ]);
    expect(await exists(lc.hardExampleDir('default', 'helmet'))).toBe(false);
  });

  test('a folder outside the roots the LC may write is not indexed: a warning names it, nothing is written there', async () => {
    const line = await waitFor(() => logLines.find((l) => l.includes('its hard examples are not indexed')), 'the warning');
    expect(JSON.parse(line).msg).toBe(
      `IncrementalLearningJob default/outside: the HE_SAVED_URL folder of its inference template resolves to ${JSON.stringify(join(dir, 'elsewhere', 'he'))}, outside the allowed roots ${JSON.stringify([join(dir, 'allowed')])}; its hard examples are not indexed`,
    );
    expect(await exists(join(dir, 'elsewhere'))).toBe(false);
  });
});
