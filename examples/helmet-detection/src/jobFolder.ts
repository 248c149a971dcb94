/**
 * The folder a job runs from on one machine: the Dataset's (empty) index, the base model in both
 * formats, the camera's folder, the output folder, a scenario-B test set, and the job's objects with
 * their paths filled in. `setup.ts` and `demo.ts` prepare it.
 */
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { writeFileAtomic } from '@sedna-ts/worker-sdk';
import { writeGeneratedDataset } from './dataset.js';
import { HelmetError } from './errors.js';

/** Changes to the job's tuned settings (the fast end-to-end test uses them). */
export interface JobOverrides {
  /** `num_of_samples` the train trigger waits for. */
  trainThreshold?: number;
  /** Training steps per round (`steps` of the train worker). */
  steps?: number;
  maxRounds?: number;
  /** Threshold of the deploy trigger's condition. */
  deployThreshold?: number;
  /** Values of other variables the train worker's template already has (e.g. `MIN_TRAIN_SAMPLE`). */
  trainEnv?: Record<string, string>;
}

/** Options of `prepareJobFolder`. */
export interface JobFolderOptions {
  root: string;
  /** The example's folder (the workers' `workingDir`). */
  exampleDir: string;
  /** The node the Dataset and the workers are on (default `edge-node`, `sedna up`'s default). */
  node?: string;
  /** Frames of the scenario-B test set (default 300). */
  testFrames?: number;
  /** Remove the folder first. */
  fresh?: boolean;
  overrides?: JobOverrides;
}

/** Where things are in a prepared folder. */
export interface JobFolder {
  root: string;
  datasetDir: string;
  framesDir: string;
  statsFile: string;
  outputDir: string;
  deployModel: string;
  testIndex: string;
  jobFile: string;
}

/**
 * The job's objects for the embedded backend, with the placeholders filled in and overrides applied:
 * those of `jobs/embedded/<template>` (default `helmet-detection.yaml`, the IncrementalLearningJob).
 */
export async function renderJobObjects(options: { root: string; exampleDir: string; node: string; overrides?: JobOverrides; template?: string }): Promise<string> {
  const templateName = options.template ?? 'helmet-detection.yaml';
  const template = await readFile(join(options.exampleDir, 'jobs', 'embedded', templateName), 'utf8');
  // The template's header explains the placeholders; the written file says where it comes from instead.
  const body = template.slice(template.indexOf('apiVersion:'));
  const filled = body.replaceAll('${HELMET_ROOT}', options.root).replaceAll('${HELMET_EXAMPLE_DIR}', options.exampleDir).replaceAll('${HELMET_NODE}', options.node);
  const o = options.overrides ?? {};
  let text = filled;
  if (Object.values(o).some((v) => v !== undefined)) {
    const docs = parseAllDocuments(filled);
    const job = docs.find((d) => d.get('kind') === 'IncrementalLearningJob' || d.get('kind') === 'LifelongLearningJob');
    if (job === undefined) throw new HelmetError('INVALID_ARGUMENT', `jobs/embedded/${templateName}: no IncrementalLearningJob or LifelongLearningJob`);
    if (o.trainThreshold !== undefined) job.setIn(['spec', 'trainSpec', 'trigger', 'condition', 'threshold'], o.trainThreshold);
    if (o.maxRounds !== undefined) job.setIn(['spec', 'maxRounds'], o.maxRounds);
    if (o.deployThreshold !== undefined) job.setIn(['spec', 'deploySpec', 'trigger', 'condition', 'threshold'], o.deployThreshold);
    if (o.steps !== undefined) {
      const env = job.getIn(['spec', 'trainSpec', 'template', 'spec', 'containers', 0, 'env']) as { items: Array<{ get(k: string): unknown; set(k: string, v: unknown): void }> };
      const steps = env.items.find((e) => e.get('name') === 'steps');
      if (steps === undefined) throw new HelmetError('INVALID_ARGUMENT', `jobs/embedded/${templateName}: the train worker has no steps variable`);
      steps.set('value', String(o.steps));
    }
    if (o.trainEnv !== undefined) {
      const env = job.getIn(['spec', 'trainSpec', 'template', 'spec', 'containers', 0, 'env']) as { items: Array<{ get(k: string): unknown; set(k: string, v: unknown): void }> };
      for (const [name, value] of Object.entries(o.trainEnv)) {
        const variable = env.items.find((e) => e.get('name') === name);
        if (variable === undefined) throw new HelmetError('INVALID_ARGUMENT', `jobs/embedded/${templateName}: the train worker has no ${name} variable`);
        variable.set('value', value);
      }
    }
    text = docs.map((d) => d.toString()).join('---\n');
  }
  return `# Written by setup.ts from jobs/embedded/${templateName} for ${options.root}.\n${text}`;
}

/**
 * Prepares `root` for the job (idempotent: an existing index and test set are kept unless `fresh`).
 *
 * @example
 * const folder = await prepareJobFolder({ root: '/tmp/helmet', exampleDir: process.cwd() });
 * // sedna apply -f folder.jobFile
 */
export async function prepareJobFolder(options: JobFolderOptions): Promise<JobFolder> {
  const root = resolve(options.root);
  const node = options.node ?? 'edge-node';
  const testFrames = options.testFrames ?? 300;
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(node)) throw new HelmetError('INVALID_ARGUMENT', `job folder: node: ${JSON.stringify(node)} is not a node name`);
  if (!Number.isInteger(testFrames) || testFrames < 1) throw new HelmetError('INVALID_ARGUMENT', `job folder: testFrames: ${JSON.stringify(testFrames)} is not a positive integer`);
  if (options.fresh) await rm(root, { recursive: true, force: true });
  for (const dir of ['dataset/images', 'models/initial', 'models/deploy', 'frames', 'output', 'stats', 'jobs']) await mkdir(join(root, dir), { recursive: true });
  const folder: JobFolder = {
    root,
    datasetDir: join(root, 'dataset'),
    framesDir: join(root, 'frames'),
    statsFile: join(root, 'stats', 'inference.json'),
    outputDir: join(root, 'output'),
    deployModel: join(root, 'models', 'deploy', 'model.onnx'),
    testIndex: join(root, 'test-b', 'index.txt'),
    jobFile: join(root, 'jobs', 'helmet-detection.yaml'),
  };
  const index = join(folder.datasetDir, 'index.txt');
  if (!(await stat(index).catch(() => undefined))) await writeFile(index, '');

  const base = join(options.exampleDir, 'models', 'base');
  for (const name of await readdir(base)) {
    if (name === 'model.json' || /^weights-[0-9a-f]+\.bin$/.test(name)) await copyFile(join(base, name), join(root, 'models', 'initial', name));
  }
  await copyFile(join(base, 'model.onnx'), folder.deployModel);

  const existing = await readFile(folder.testIndex, 'utf8').then(
    (t) => t.split('\n').filter(Boolean).length,
    () => 0,
  );
  if (existing !== testFrames) await writeGeneratedDataset({ scenario: 'B', seed: 2, count: testFrames, dir: join(root, 'test-b') });

  await writeFileAtomic(folder.jobFile, await renderJobObjects({ root, exampleDir: resolve(options.exampleDir), node, ...(options.overrides ? { overrides: options.overrides } : {}) }));
  return folder;
}

/** Where things are in a folder prepared for the lifelong-learning job. */
export interface LifelongFolder {
  root: string;
  datasetDir: string;
  framesDir: string;
  statsFile: string;
  outputDir: string;
  /** The base detector (tfjs `model.json`; `model.onnx` beside it), where every new site starts. */
  baseModel: string;
  /** 100-frame test sets per site (seed 2), to measure mAP@0.5. */
  testIndex: Record<'A' | 'B' | 'C', string>;
  jobFile: string;
}

/**
 * Prepares `root` for the LifelongLearningJob of `jobs/embedded/helmet-lifelong.yaml`: an empty Dataset
 * index, the base detector in both formats, the camera folder, test sets of sites A, B and C, and the
 * job's objects with the paths filled in.
 */
export async function prepareLifelongFolder(options: JobFolderOptions): Promise<LifelongFolder> {
  const root = resolve(options.root);
  const node = options.node ?? 'edge-node';
  const testFrames = options.testFrames ?? 100;
  if (options.fresh) await rm(root, { recursive: true, force: true });
  for (const dir of ['dataset/images', 'models/initial', 'frames', 'output', 'stats', 'jobs']) await mkdir(join(root, dir), { recursive: true });
  const folder: LifelongFolder = {
    root,
    datasetDir: join(root, 'dataset'),
    framesDir: join(root, 'frames'),
    statsFile: join(root, 'stats', 'inference.json'),
    outputDir: join(root, 'output'),
    baseModel: join(root, 'models', 'initial', 'model.json'),
    testIndex: { A: join(root, 'test-a', 'index.txt'), B: join(root, 'test-b', 'index.txt'), C: join(root, 'test-c', 'index.txt') },
    jobFile: join(root, 'jobs', 'helmet-lifelong.yaml'),
  };
  const index = join(folder.datasetDir, 'index.txt');
  if (!(await stat(index).catch(() => undefined))) await writeFile(index, '');
  const base = join(options.exampleDir, 'models', 'base');
  for (const name of await readdir(base)) {
    if (name === 'model.json' || name === 'model.onnx' || /^weights-[0-9a-f]+\.bin$/.test(name)) await copyFile(join(base, name), join(root, 'models', 'initial', name));
  }
  for (const site of ['A', 'B', 'C'] as const) {
    const existing = await readFile(folder.testIndex[site], 'utf8').then(
      (t) => t.split('\n').filter(Boolean).length,
      () => 0,
    );
    if (existing !== testFrames) await writeGeneratedDataset({ scenario: site, seed: 2, count: testFrames, dir: join(root, `test-${site.toLowerCase()}`) });
  }
  const objects = await renderJobObjects({ root, exampleDir: resolve(options.exampleDir), node, template: 'helmet-lifelong.yaml', ...(options.overrides ? { overrides: options.overrides } : {}) });
  await writeFileAtomic(folder.jobFile, objects);
  return folder;
}
