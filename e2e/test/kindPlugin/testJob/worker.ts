// The train and eval workers of TestLearningJob (`worker.ts train|eval`), run by the node agent as
// processes from the job's pod templates. Train counts the samples of the Dataset's index and writes a
// "model"; eval reads that model. Each writes what it did (with its pid) beside its output and reports
// `completed` to the LC with its token, as every worker of the contract does.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const stage = process.argv[2];
if (stage !== 'train' && stage !== 'eval') throw new Error(`worker.ts: stage ${JSON.stringify(stage)} is not train or eval`);
const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`worker.ts ${stage}: ${name} is not set`);
  return value;
};

const output = env('MODEL_URL');
mkdirSync(output, { recursive: true });
let metrics: Record<string, number>;
if (stage === 'train') {
  const samples = readFileSync(env('ORIGINAL_DATASET_URL'), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).length;
  writeFileSync(join(output, 'model.json'), JSON.stringify({ samples }));
  metrics = { samples };
} else {
  const trained = JSON.parse(readFileSync(env('MODEL_URLS').split(';')[0] as string, 'utf8')) as { samples: number };
  metrics = { samples: trained.samples, accuracy: 1 };
}
const model = join(output, stage === 'train' ? 'model.json' : 'eval.json');
if (stage === 'eval') writeFileSync(model, JSON.stringify(metrics));
writeFileSync(join(output, 'run.json'), JSON.stringify({ stage, worker: env('WORKER_NAME'), pid: process.pid, metrics }));

const response = await fetch(`${env('LC_SERVER')}/sedna/workers/${env('WORKER_NAME')}/info`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${env('SEDNA_WORKER_TOKEN')}` },
  body: JSON.stringify({
    name: env('WORKER_NAME'),
    namespace: env('NAMESPACE'),
    ownerName: env('JOB_NAME'),
    ownerKind: 'testlearningjob',
    kind: stage,
    status: 'completed',
    results: [{ format: 'json', url: model, metrics }],
  }),
});
if (!response.ok) throw new Error(`worker.ts ${stage}: the LC answered ${response.status}: ${await response.text()}`);
