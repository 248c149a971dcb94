// The example's loop at the worker level, fast: the worker scripts run as the job's pods would run them
// (a child process each, in the example's folder, configured by the Sedna environment), reporting to a
// real HTTP server standing in for the Local Controller.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_DIR, runJson, runScript } from './runChild.js';

interface Report {
  name: string;
  kind: string;
  status: string;
  ownerName: string;
  results?: Array<{ format: string; url: string; metrics?: Record<string, number | number[]> }>;
}

describe('the worker scripts, one round by hand', () => {
  let root: string;
  let server: Server;
  let lcServer: string;
  const reports: Report[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'helmet-workers-'));
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        reports.push(JSON.parse(body) as Report);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 200, message: 'OK' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    lcServer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(root, { recursive: true, force: true });
  });

  const sedna = (worker: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
    LC_SERVER: lcServer,
    JOB_NAME: 'helmet-detection',
    NAMESPACE: 'default',
    WORKER_NAME: worker,
    SEDNA_REPORT_SPOOL_DIR: join(root, 'spool', worker),
    LOG_LEVEL: 'WARN',
    ...env,
  });

  it('train.ts fine-tunes the shipped base model on the round\'s samples and reports the tfjs model and its ONNX export', async () => {
    await runScript('generate.ts', ['--scenario', 'B', '--seed', '50', '--count', '6', '--out', join(root, 'dataset')]);
    const modelDir = join(root, 'output', 'train', '1');
    const { stdout } = await runScript(
      'train.ts',
      [],
      sedna('helmet-detection-train-aaaaa', {
        TRAIN_DATASET_URL: join(root, 'dataset', 'index.txt'),
        ORIGINAL_DATASET_URL: join(root, 'dataset', 'index.txt'),
        BASE_MODEL_URL: join(EXAMPLE_DIR, 'models', 'base', 'model.json'),
        MODEL_URL: modelDir,
        steps: '3',
        batch_size: '4',
      }),
    );
    expect(stdout).toContain('train: 6 new images from');
    expect(stdout).toContain('0 rehearsed');
    const report = reports.find((r) => r.kind === 'train');
    expect(report).toMatchObject({ name: 'helmet-detection-train-aaaaa', ownerName: 'helmet-detection', status: 'completed' });
    expect(report?.results?.map((r) => r.format)).toEqual(['tfjs', 'tfjs', 'onnx']);
    expect((await stat(join(modelDir, 'model.onnx'))).size).toBeGreaterThan(10_000);
  }, 120_000);

  it('train.ts rehearses: the next round trains on the samples its base model was trained on, plus its own', async () => {
    await runScript('generate.ts', ['--scenario', 'B', '--seed', '51', '--count', '2', '--out', join(root, 'dataset'), '--index', 'round2.txt']);
    const modelDir = join(root, 'output', 'train', '2');
    const { stdout } = await runScript(
      'train.ts',
      [],
      sedna('helmet-detection-train-ddddd', {
        TRAIN_DATASET_URL: join(root, 'dataset', 'round2.txt'),
        ORIGINAL_DATASET_URL: join(root, 'dataset', 'index.txt'),
        BASE_MODEL_URL: join(root, 'output', 'train', '1', 'model.json'),
        MODEL_URL: modelDir,
        steps: '1',
        batch_size: '2',
      }),
    );
    expect(stdout).toContain('train: 2 new images from');
    expect(stdout).toContain('6 rehearsed');
    const history = (await readFile(join(modelDir, 'training-samples.txt'), 'utf8')).trim().split('\n');
    expect(history).toHaveLength(8);
    expect(history.slice(6).map((l) => l.split(' ')[0])).toEqual(['images/B-51-000000.jpg', 'images/B-51-000001.jpg']);
  }, 120_000);

  it('eval.ts scores the new model and the deployed one (in that order) with precision and recall per class and mAP@0.5', async () => {
    const newModel = join(root, 'output', 'train', '1', 'model.onnx');
    const deployed = join(EXAMPLE_DIR, 'models', 'base', 'model.onnx');
    await runScript('eval.ts', [], sedna('helmet-detection-eval-bbbbb', { MODEL_URLS: `${newModel};${deployed}`, TEST_DATASET_URL: join(root, 'dataset', 'index.txt') }));
    const report = reports.find((r) => r.kind === 'eval');
    expect(report?.status).toBe('completed');
    expect(report?.results?.map((r) => r.url)).toEqual([newModel, deployed]);
    for (const result of report?.results ?? []) {
      expect(result.metrics?.precision).toHaveLength(2);
      expect(result.metrics?.recall).toHaveLength(2);
      expect(typeof result.metrics?.map50).toBe('number');
    }
    // Standalone, the same metrics are printed without a report.
    const standalone = await runJson<Array<{ model: string; metrics: { map50: number } }>>('eval.ts', ['--model', deployed, '--data', join(root, 'dataset', 'index.txt'), '--json']);
    expect(standalone[0]?.metrics.map50).toBe(report?.results?.[1]?.metrics?.map50);
  }, 60_000);

  it('inference.ts serves the camera folder, saves the hard frames for labelling, and label.ts turns them into index lines with the true boxes', async () => {
    const frames = join(root, 'frames');
    const he = join(root, 'hard-examples');
    await runScript('camera.ts', ['--out', frames, '--scenario', 'B', '--seed', '100', '--count', '4']);
    const { stdout } = await runScript(
      'inference.ts',
      [],
      sedna('helmet-detection-infer-ccccc', {
        MODEL_URL: join(EXAMPLE_DIR, 'models', 'base', 'model.onnx'),
        HE_SAVED_URL: he,
        // Every frame is hard: the count below does not depend on the model.
        HEM_NAME: 'CloudOnly',
        frames_dir: frames,
        max_frames: '4',
        stats_file: join(root, 'stats.json'),
      }),
    );
    expect(stdout).toContain('inference: stopped after 4 frames, 4 hard examples');
    expect(await readdir(frames)).toEqual([]);
    const saved = (await readdir(he)).sort();
    expect(saved.filter((n) => n.endsWith('.meta.json'))).toHaveLength(4);
    expect(saved.filter((n) => n.endsWith('.png'))).toHaveLength(4);
    expect(JSON.parse(await readFile(join(root, 'stats.json'), 'utf8'))).toMatchObject({ frames: 4, hardExamples: 4, savedHardExamples: 4, modelVersion: 'initial' });

    const labelled = await runJson<{ labelled: number; frames: string[]; pending: number }>('label.ts', ['--from', he, '--dataset', join(root, 'dataset'), '--max', '3', '--json']);
    expect(labelled).toMatchObject({ labelled: 3, frames: ['B-100-000000', 'B-100-000001', 'B-100-000002'], pending: 1 });
    const index = (await readFile(join(root, 'dataset', 'index.txt'), 'utf8')).trim().split('\n');
    expect(index).toHaveLength(9);
    expect(index[6]).toMatch(/^images\/B-100-000000\.png( \d+,\d+,\d+,\d+,[01])+$/);
  }, 60_000);
});
