import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatIssue, validateText, type IncrementalLearningJob, type LifelongLearningJob, type SednaObject } from '@sedna-ts/api-types';
import { EXAMPLE_DIR } from './runChild.js';

async function objectsOf(file: string, fill: (text: string) => string = (t) => t, expected = 4): Promise<SednaObject[]> {
  const { objects, issues, count } = validateText(fill(await readFile(join(EXAMPLE_DIR, 'jobs', file), 'utf8')));
  expect(issues.map((i) => formatIssue(i))).toEqual([]);
  expect(count).toBe(expected);
  return objects;
}

function jobOf(objects: SednaObject[]): IncrementalLearningJob['spec'] {
  const job = objects.find((o): o is IncrementalLearningJob => o.kind === 'IncrementalLearningJob');
  if (job === undefined) throw new Error('no IncrementalLearningJob');
  return job.spec;
}

const templates = (spec: IncrementalLearningJob['spec']) => [spec.trainSpec.template, spec.evalSpec.template, spec.deploySpec.template];

describe('the job objects', () => {
  const fill = (text: string) => text.replaceAll('${HELMET_ROOT}', '/srv/helmet').replaceAll('${HELMET_EXAMPLE_DIR}', '/opt/helmet').replaceAll('${HELMET_NODE}', 'node-1');

  it('for the embedded backend are valid once setup.ts fills in the paths, and run the scripts by args[0] without an image', async () => {
    const spec = jobOf(await objectsOf('embedded/helmet-detection.yaml', fill));
    for (const template of templates(spec)) {
      const container = template?.spec?.containers[0];
      expect(container?.image).toBeUndefined();
      expect(container?.workingDir).toBe('/opt/helmet');
      expect(container?.args?.[0]).toMatch(/^(train|eval|inference)\.ts$/);
    }
  });

  it('for Kubernetes are valid as written, with the example image in every pod template', async () => {
    const spec = jobOf(await objectsOf('kubernetes/helmet-detection.yaml'));
    for (const template of templates(spec)) expect(template?.spec?.containers[0]?.image).toBe('sedna-ts/helmet-detection:0.1');
  });

  it('use the original triggers: sample count in a timer window to train, precision_delta to deploy, IBT to mine; the same in both', async () => {
    const embedded = jobOf(await objectsOf('embedded/helmet-detection.yaml', fill));
    const cluster = jobOf(await objectsOf('kubernetes/helmet-detection.yaml'));
    for (const spec of [embedded, cluster]) {
      expect(spec.trainSpec.trigger).toEqual({ checkPeriodSeconds: 5, timer: { start: '00:00', end: '24:00' }, condition: { operator: '>=', threshold: 40, metric: 'num_of_samples' } });
      expect(spec.deploySpec.trigger.condition).toEqual({ operator: '>', threshold: 0, metric: 'precision_delta' });
      expect(spec.deploySpec.hardExampleMining?.name).toBe('IBT');
      expect(spec.deploySpec.model).toMatchObject({ hotUpdateEnabled: true });
      expect(spec.maxRounds).toBe(3);
    }
    expect(cluster.trainSpec.template.spec?.containers[0]?.env).toEqual(embedded.trainSpec.template.spec?.containers[0]?.env);
  });

  it('of lifelong learning are valid once filled in: tasks by site, the base detector as base_model, the ll-*.ts workers', async () => {
    const objects = await objectsOf('embedded/helmet-lifelong.yaml', fill, 2);
    const job = objects.find((o): o is LifelongLearningJob => o.kind === 'LifelongLearningJob');
    expect(job?.spec.maxRounds).toBe(2);
    const templates = [job?.spec.trainSpec.template, job?.spec.evalSpec.template, job?.spec.deploySpec.template];
    expect(templates.map((t) => t?.spec?.containers[0]?.args?.[0])).toEqual(['ll-train.ts', 'll-eval.ts', 'll-inference.ts']);
    const env = Object.fromEntries((job?.spec.trainSpec.template.spec?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    expect(env.base_model).toBe('/srv/helmet/models/initial/model.json');
  });
});
