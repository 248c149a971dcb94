import { DATASET, JOB, MODELS } from './helpers.js';
import { startTestServer, type TestServer } from './server.js';

let t: TestServer;
let jobUid = '';
const JOBS = '/apis/sedna.io/v1alpha1/namespaces/default/incrementallearningjobs';

const newModel = { format: 'onnx', url: '/output/train/1/model.onnx', metrics: { precision: [0.9, 0.8], recall: 0.75 } };
const oldModel = { format: 'onnx', url: '/models/deploy/model.onnx', metrics: { precision: [0.7, 0.8], recall: 0.7 } };
const decision = {
  round: 1,
  decision: 'Deploy',
  reason: 'precision_delta 0.1 > 0.05',
  metric: 'precision_delta',
  operator: '>',
  threshold: 0.05,
  compared: { precision: [0.9, 0.8], precision_delta: [0.2, 0], recall: 0.75, recall_delta: 0.05 },
  time: '2025-01-01T00:09:00Z',
};
const keep = { ...decision, round: 2, decision: 'Keep', reason: 'precision_delta 0.01 <= 0.05', compared: { precision_delta: 0.01 }, time: '2025-01-01T01:09:00Z' };

function condition(minute: number, stage: string, type: string, round: number, data?: object, reason?: string) {
  return {
    type,
    status: 'True',
    stage,
    round,
    lastTransitionTime: `2025-01-01T00:${String(minute).padStart(2, '0')}:00Z`,
    ...(reason ? { reason } : {}),
    ...(data ? { data: JSON.stringify({ round, ...data }) } : {}),
  };
}

beforeAll(async () => {
  t = await startTestServer();
  expect((await t.sedna(['apply', '-f', '-'], { stdin: [DATASET, MODELS, JOB].join('---\n') })).code).toBe(0);
  // The status a GM would have written through the status subresource: one round deployed, one kept,
  // a failed train attempt retried.
  const job = await t.client.get<{ metadata: { uid: string } }>(`${JOBS}/helmet`);
  jobUid = job.metadata.uid;
  await t.client.request('PATCH', `${JOBS}/helmet/status`, {
    contentType: 'application/merge-patch+json',
    body: {
      status: {
        round: 2,
        startTime: '2025-01-01T00:00:00Z',
        lastGoodModel: { format: 'onnx', url: '/output/train/1/model.onnx' },
        lastDecision: keep,
        deployments: [
          { round: 0, trainedIn: 0, decision: 'Initial', model: { format: 'onnx', url: '/models/deploy/model.onnx' }, since: '2025-01-01T00:00:00Z' },
          { round: 1, trainedIn: 1, decision: 'Deploy', model: { format: 'onnx', url: '/output/train/1/model.onnx' }, since: '2025-01-01T00:08:00Z' },
        ],
        lastRollback: { requested: '7@2025-01-01T00:12:30Z', result: 'Refused', reason: 'round 7 did not deploy a model (rounds that deployed a model: 0, 1)', time: '2025-01-01T00:12:31Z' },
        conditions: [
          condition(0, 'Train', 'Waiting', 0),
          condition(1, 'Train', 'Ready', 1, { input: { dataURL: '/output/data/train/1/data.txt' } }),
          condition(2, 'Train', 'Starting', 1, { attempt: 1, worker: 'helmet-train-aaaaa' }),
          condition(3, 'Train', 'Failed', 1, { attempt: 1 }, 'ExitCode137'),
          condition(4, 'Train', 'Ready', 1, { attempt: 2 }, 'Retry'),
          condition(5, 'Train', 'Completed', 1, { attempt: 2, output: { models: [{ format: 'tfjs', url: '/output/train/1/model.json' }] } }),
          condition(6, 'Eval', 'Completed', 1, { output: { models: [newModel, oldModel] } }),
          condition(7, 'Deploy', 'Ready', 1, { decision }),
          condition(8, 'Deploy', 'Completed', 1, { decision }),
          condition(9, 'Train', 'Waiting', 1),
          condition(10, 'Eval', 'Completed', 2, { output: { models: [{ ...newModel, metrics: { precision: 0.81, recall: 0.7 } }, newModel] } }),
          condition(11, 'Deploy', 'Completed', 2, { decision: keep }),
          condition(12, 'Train', 'Waiting', 2),
        ],
      },
    },
  });
  // Its pods, as the GM labels them, and an event.
  for (const [name, type, round, attempt] of [
    ['helmet-train-aaaaa', 'train', '1', '1'],
    ['helmet-train-bbbbb', 'train', '1', '2'],
    ['helmet-infer-ccccc', 'inference', '0', '1'],
  ] as const) {
    await t.client.request('POST', '/api/v1/namespaces/default/pods', {
      body: {
        metadata: {
          name,
          labels: {
            'incrementallearningjob.sedna.io/name': 'helmet',
            'incrementallearningjob.sedna.io/uid': jobUid,
            'incrementallearningjob.sedna.io/worker-type': type,
            'sedna.io/round': round,
            'sedna.io/attempt': attempt,
          },
        },
        spec: { containers: [{ name: 'worker', image: 'sedna-ts/worker-node:0.1' }] },
      },
    });
  }
  await t.client.request('POST', '/api/v1/namespaces/default/events', {
    body: {
      metadata: { name: 'helmet.1' },
      involvedObject: { kind: 'IncrementalLearningJob', name: 'helmet', namespace: 'default', uid: jobUid, apiVersion: 'sedna.io/v1alpha1' },
      reason: 'RoundCompleted',
      message: 'round 1 deployed',
      type: 'Normal',
      lastTimestamp: '2025-01-01T00:08:00Z',
    },
  });
});
afterAll(async () => {
  await t.close();
});

/** The lines of one section of the description (after `Title:`, up to the next section). */
function section(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`${title}:`);
  expect(start).toBeGreaterThanOrEqual(0);
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('  ')) break;
    out.push(line.trim().split(/ {3,}/).join(' | '));
  }
  return out;
}

test('describe of a job shows the conditions as a timeline with round, stage, type, attempt and reason', async () => {
  const r = await t.sedna(['describe', 'ij', 'helmet']);
  expect(r.code).toBe(0);
  expect(section(r.stdout, 'Conditions')).toEqual([
    'TIME | ROUND | STAGE | TYPE | ATTEMPT | REASON | MESSAGE',
    '2025-01-01T00:00:00Z | 0 | Train | Waiting',
    '2025-01-01T00:01:00Z | 1 | Train | Ready',
    '2025-01-01T00:02:00Z | 1 | Train | Starting | 1',
    '2025-01-01T00:03:00Z | 1 | Train | Failed | 1 | ExitCode137',
    '2025-01-01T00:04:00Z | 1 | Train | Ready | 2 | Retry',
    '2025-01-01T00:05:00Z | 1 | Train | Completed | 2',
    '2025-01-01T00:06:00Z | 1 | Eval | Completed',
    '2025-01-01T00:07:00Z | 1 | Deploy | Ready',
    '2025-01-01T00:08:00Z | 1 | Deploy | Completed',
    '2025-01-01T00:09:00Z | 1 | Train | Waiting',
    '2025-01-01T00:10:00Z | 2 | Eval | Completed',
    '2025-01-01T00:11:00Z | 2 | Deploy | Completed',
    '2025-01-01T00:12:00Z | 2 | Train | Waiting',
  ]);
  expect(r.stdout).toMatch(/^State: +round 2: Train Waiting$/m);
  // Its inference pod is not running yet: nothing serves.
  expect(r.stdout).toMatch(/^Serving Model: +<none>: no inference worker of this job is running and ready \(the model it would serve: \/output\/train\/1\/model.onnx \(onnx\)\)$/m);
});

test('describe shows the serving model once an inference worker runs and is ready, naming it', async () => {
  const status = (ready: boolean) => ({
    status: { phase: 'Running', containerStatuses: [{ name: 'worker', image: 'sedna-ts/worker-node:0.1', imageID: '', ready, restartCount: 0, state: { running: { startedAt: '2025-01-01T00:00:00Z' } } }] },
  });
  const patch = (body: object) => t.client.request('PATCH', '/api/v1/namespaces/default/pods/helmet-infer-ccccc/status', { contentType: 'application/merge-patch+json', body });
  await patch(status(false));
  expect((await t.sedna(['describe', 'ij', 'helmet'])).stdout).toMatch(/^Serving Model: +<none>: /m);
  await patch(status(true));
  expect((await t.sedna(['describe', 'ij', 'helmet'])).stdout).toMatch(/^Serving Model: +\/output\/train\/1\/model.onnx \(onnx\), by helmet-infer-ccccc$/m);
  await patch({ status: { phase: 'Pending', containerStatuses: [] } });
});

test('describe shows each deploy decision once, with the compared value', async () => {
  const r = await t.sedna(['describe', 'ij', 'helmet']);
  expect(section(r.stdout, 'Decisions')).toEqual([
    'ROUND | DECISION | METRIC | VALUE | OPERATOR | THRESHOLD | REASON',
    '1 | Deploy | precision_delta | [0.2, 0] (mean 0.1) | > | 0.05 | precision_delta 0.1 > 0.05',
    '2 | Keep | precision_delta | 0.01 | > | 0.05 | precision_delta 0.01 <= 0.05',
  ]);
});

test('describe shows the metrics per round of the new and the deployed model', async () => {
  const r = await t.sedna(['describe', 'ij', 'helmet']);
  expect(section(r.stdout, 'Metrics')).toEqual([
    'ROUND | MODEL | PRECISION | RECALL | URL',
    '1 | new | [0.9, 0.8] (mean 0.85) | 0.75 | /output/train/1/model.onnx',
    '1 | deployed | [0.7, 0.8] (mean 0.75) | 0.7 | /models/deploy/model.onnx',
    '2 | new | 0.81 | 0.7 | /output/train/1/model.onnx',
    '2 | deployed | [0.9, 0.8] (mean 0.85) | 0.75 | /output/train/1/model.onnx',
  ]);
});

test('describe lists the job\'s pods with stage, round and attempt, and its events', async () => {
  const r = await t.sedna(['describe', 'incrementallearningjob', 'helmet']);
  const pods = section(r.stdout, 'Pods');
  expect(pods[0]).toBe('NAME | STAGE | ROUND | ATTEMPT | PHASE | EXIT | AGE');
  expect(pods.slice(1).map((p) => p.split(' | ').slice(0, 5))).toEqual([
    ['helmet-infer-ccccc', 'inference', '0', '1', 'Pending'],
    ['helmet-train-aaaaa', 'train', '1', '1', 'Pending'],
    ['helmet-train-bbbbb', 'train', '1', '2', 'Pending'],
  ]);
  const events = section(r.stdout, 'Events');
  expect(events).toHaveLength(2);
  expect(events[1]).toMatch(/ \| Normal \| RoundCompleted \| incrementallearningjob\/helmet \| round 1 deployed$/);
});

test('describe of another kind shows its spec; a missing object exits 3', async () => {
  const r = await t.sedna(['describe', 'dataset', 'helmet']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^Name: +helmet$/m);
  expect(section(r.stdout, 'Spec')).toEqual(['url: /data/index.txt', 'format: txt', 'nodeName: edge-node']);
  expect(await t.sedna(['describe', 'ij', 'nope'])).toEqual({ code: 3, stdout: '', stderr: 'sedna: incrementallearningjobs.sedna.io "nope" not found\n' });
});

test('describe KIND/NAME... describes each argument as its own kind; mixed with KIND NAME it is a usage error', async () => {
  const r = await t.sedna(['describe', 'ij/helmet', 'dataset/helmet']);
  expect(r.code).toBe(0);
  expect(r.stdout.match(/^Kind: +.*$/gm)).toEqual(['Kind:           IncrementalLearningJob (sedna.io/v1alpha1)', 'Kind:           Dataset (sedna.io/v1alpha1)']);
  expect(await t.sedna(['describe', 'ij/helmet', 'helmet'])).toMatchObject({
    code: 2,
    stderr: "sedna: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'sedna describe resource/<resource_name>' instead of 'sedna describe resource resource/<resource_name>')\n",
  });
  expect(await t.sedna(['describe', 'ij/nope'])).toEqual({ code: 3, stdout: '', stderr: 'sedna: incrementallearningjobs.sedna.io "nope" not found\n' });
  expect((await t.sedna(['describe', 'ij/helmet', '-A'])).code).toBe(2);
});

test('describe lists the models each round trained, which served when and how, and the last rollback', async () => {
  const r = await t.sedna(['describe', 'ij', 'helmet']);
  expect(section(r.stdout, 'Trained Models')).toEqual(['ROUND | TRAINED', '1 | /output/train/1/model.json (tfjs)']);
  expect(section(r.stdout, 'Served Models')).toEqual([
    'SINCE | UNTIL | ROUND | HOW | MODEL',
    '2025-01-01T00:00:00Z | 2025-01-01T00:08:00Z | 0 | Initial | /models/deploy/model.onnx',
    '2025-01-01T00:08:00Z | serving | 1 | Deploy (trained in round 1) | /output/train/1/model.onnx',
  ]);
  expect(r.stdout).toMatch(/^Last Rollback: +7@2025-01-01T00:12:30Z: Refused: round 7 did not deploy a model \(rounds that deployed a model: 0, 1\)$/m);
});
