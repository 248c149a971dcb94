import { decodeFrameContent, type Dataset, type Model, type WireFrame } from '@sedna-ts/api-types';
import { NODE, makeDataset, makeJob, makeModel } from '../../test/fixtures.js';
import { Downstream, type PolicyJob } from './downstream.js';
import { incrementalLearningPolicy } from '../kinds/incrementalLearningJob/index.js';
import type { LearningJob } from '../jobs/jobPolicy.js';

function harness() {
  const datasets = new Map<string, Dataset>([['helmet-data', makeDataset()]]);
  const models = new Map<string, Model>([
    ['initial-model', makeModel('initial-model', '/m/i', 'tfjs')],
    ['deploy-model', makeModel('deploy-model', '/m/d', 'onnx')],
    ['unused', makeModel('unused', '/m/u', 'onnx')],
  ]);
  const jobs = new Map<string, LearningJob>();
  const sent: string[] = [];
  const downstream = new Downstream(
    {
      datasets: () => [...datasets.values()],
      models: () => [...models.values()],
      jobs: () => [...jobs.values()].map((job): PolicyJob => ({ job, policy: incrementalLearningPolicy as never })),
      dataset: (_ns, name) => datasets.get(name),
      model: (_ns, name) => models.get(name),
    },
    (node: string, key: string, frame: WireFrame) => sent.push(`${node} ${frame.header.operation} ${key}`),
  );
  return { datasets, models, jobs, sent, downstream };
}

test('a Dataset goes to its node; a node change sends a delete to the old one', () => {
  const h = harness();
  const dataset = makeDataset();
  h.downstream.datasetChanged(dataset);
  expect(h.sent).toEqual([`${NODE} insert dataset/default/helmet-data`]);
  h.sent.length = 0;
  const moved = { ...dataset, spec: { ...dataset.spec, nodeName: 'edge-2' } };
  h.datasets.set('helmet-data', moved);
  h.downstream.datasetChanged(moved);
  expect(h.sent).toEqual(['edge-2 insert dataset/default/helmet-data', `${NODE} delete dataset/default/helmet-data`]);
});

test('a job goes to its dataset node and its stage nodes, with its models; models it does not use stay away', () => {
  const h = harness();
  const job = makeJob();
  job.spec.evalSpec.template.spec = { ...job.spec.evalSpec.template.spec!, nodeName: 'gpu-1' };
  h.jobs.set('helmet', job);
  h.downstream.jobChanged(job, incrementalLearningPolicy as never);
  expect(h.sent.sort()).toEqual(
    [
      `${NODE} insert incrementallearningjob/default/helmet`,
      'gpu-1 insert incrementallearningjob/default/helmet',
      `${NODE} insert model/default/initial-model`,
      'gpu-1 insert model/default/initial-model',
      `${NODE} insert model/default/deploy-model`,
      'gpu-1 insert model/default/deploy-model',
    ].sort(),
  );
  // A status update re-sends the job, not its models.
  h.sent.length = 0;
  h.downstream.jobChanged({ ...job, status: { round: 1 } }, incrementalLearningPolicy as never);
  expect(h.sent.sort()).toEqual([`${NODE} insert incrementallearningjob/default/helmet`, 'gpu-1 insert incrementallearningjob/default/helmet']);
});

test('a deleted job is removed from every node that held it, and so are its models', () => {
  const h = harness();
  const job = makeJob();
  h.jobs.set('helmet', job);
  h.downstream.jobChanged(job, incrementalLearningPolicy as never);
  h.sent.length = 0;
  h.jobs.delete('helmet');
  h.downstream.jobDeleted(job, incrementalLearningPolicy as never);
  expect(h.sent.sort()).toEqual(
    [`${NODE} delete incrementallearningjob/default/helmet`, `${NODE} delete model/default/initial-model`, `${NODE} delete model/default/deploy-model`].sort(),
  );
});

test('a job being deleted (deletionTimestamp) is sent as a delete carrying the object', () => {
  const h = harness();
  const job = makeJob();
  h.jobs.set('helmet', job);
  h.downstream.jobChanged(job, incrementalLearningPolicy as never);
  const frames: WireFrame[] = [];
  const d = new Downstream(
    { datasets: () => [makeDataset()], models: () => [], jobs: () => [], dataset: () => makeDataset(), model: () => undefined },
    (_n, _k, f) => frames.push(f),
  );
  d.jobChanged({ ...job, metadata: { ...job.metadata, deletionTimestamp: '2025-06-01T00:00:00Z' } }, incrementalLearningPolicy as never);
  expect(frames.map((f) => f.header.operation)).toEqual(['delete']);
  expect(decodeFrameContent<LearningJob>(frames[0]!.content).metadata.name).toBe('helmet');
});

test('resync lists everything a node should hold', () => {
  const h = harness();
  h.jobs.set('helmet', makeJob());
  const keys = h.downstream.resync(NODE).map((r) => r.key);
  expect(keys).toEqual([
    'dataset/default/helmet-data',
    'model/default/initial-model',
    'model/default/deploy-model',
    'incrementallearningjob/default/helmet',
  ]);
  expect(h.downstream.resync('elsewhere')).toEqual([]);
});

test('a Model shared by jobs on two nodes leaves a node only when its last job there goes', () => {
  const h = harness();
  const a = makeJob({ name: 'a' });
  const b = makeJob({ name: 'b' });
  b.spec.trainSpec.template.spec = { ...b.spec.trainSpec.template.spec!, nodeName: 'edge-2' };
  for (const job of [a, b]) {
    h.jobs.set(job.metadata.name!, job);
    h.downstream.jobChanged(job, incrementalLearningPolicy as never);
  }
  h.sent.length = 0;
  h.jobs.delete('b');
  h.downstream.jobDeleted(b, incrementalLearningPolicy as never);
  // b's node loses the models; a's node (also b's dataset node) keeps them.
  expect(h.sent.sort()).toEqual(
    ['edge-2 delete incrementallearningjob/default/b', 'edge-2 delete model/default/deploy-model', 'edge-2 delete model/default/initial-model', `${NODE} delete incrementallearningjob/default/b`].sort(),
  );
  // A job that stops using a Model: the Model leaves the nodes no other job there needs it on.
  h.sent.length = 0;
  const changed = { ...a, spec: { ...a.spec, deploySpec: { ...a.spec.deploySpec, model: { name: 'unused' } } } };
  h.jobs.set('a', changed);
  h.downstream.jobChanged(changed, incrementalLearningPolicy as never);
  expect(h.sent.filter((line) => line.includes('model/')).sort()).toEqual([`${NODE} delete model/default/deploy-model`, `${NODE} insert model/default/unused`].sort());
});

test('a job event looks up its own Models and Dataset, not every job (so an event costs the same at 1,000 jobs)', () => {
  const h = harness();
  let listed = 0;
  const d = new Downstream(
    {
      datasets: () => [...h.datasets.values()],
      models: () => [...h.models.values()],
      jobs: () => {
        listed++;
        return [...h.jobs.values()].map((job): PolicyJob => ({ job, policy: incrementalLearningPolicy as never }));
      },
      dataset: (_ns, name) => h.datasets.get(name),
      model: (_ns, name) => h.models.get(name),
    },
    () => undefined,
  );
  for (let i = 0; i < 50; i++) {
    const job = makeJob({ name: `j${i}` });
    h.jobs.set(`j${i}`, job);
    d.jobChanged(job, incrementalLearningPolicy as never);
    d.jobChanged({ ...job, status: { round: 1 } }, incrementalLearningPolicy as never);
  }
  d.datasetChanged(makeDataset());
  d.modelChanged(h.models.get('initial-model')!);
  d.jobDeleted(h.jobs.get('j0')!, incrementalLearningPolicy as never);
  expect(listed).toBe(0);
  // A resync reads every job once, and sends the shared models once.
  const keys = d.resync(NODE).map((r) => r.key);
  expect(listed).toBe(1);
  expect(keys.filter((k) => k.startsWith('model/')).sort()).toEqual(['model/default/deploy-model', 'model/default/initial-model']);
});

test("a Dataset that moves takes its jobs and their Models to its new node, and off the old one", () => {
  const h = harness();
  const job = makeJob();
  h.downstream.datasetChanged(makeDataset());
  h.jobs.set('helmet', job);
  h.downstream.jobChanged(job, incrementalLearningPolicy as never);
  h.sent.length = 0;
  const moved = { ...makeDataset(), spec: { ...makeDataset().spec, nodeName: 'edge-2' } };
  h.datasets.set('helmet-data', moved);
  h.downstream.datasetChanged(moved);
  expect(h.sent.sort()).toEqual(
    [
      'edge-2 insert dataset/default/helmet-data',
      `${NODE} delete dataset/default/helmet-data`,
      'edge-2 insert incrementallearningjob/default/helmet',
      `${NODE} delete incrementallearningjob/default/helmet`,
      'edge-2 insert model/default/initial-model',
      `${NODE} delete model/default/initial-model`,
      'edge-2 insert model/default/deploy-model',
      `${NODE} delete model/default/deploy-model`,
    ].sort(),
  );
});
