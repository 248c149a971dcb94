import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatIssue, validateText, type LifelongLearningJob } from '@sedna-ts/api-types';
import { EXAMPLE_DIR } from './runChild.js';

describe('the job objects', () => {
  it('are valid once the paths are filled in, run the worker scripts by args[0], and trigger on more than 500 samples at trainProb 0.8', async () => {
    const text = (await readFile(join(EXAMPLE_DIR, 'jobs', 'thermal-comfort.yaml'), 'utf8'))
      .replaceAll('${COMFORT_ROOT}', '/srv/comfort')
      .replaceAll('${COMFORT_EXAMPLE_DIR}', '/opt/comfort')
      .replaceAll('${COMFORT_NODE}', 'node-1');
    const { objects, issues, count } = validateText(text);
    expect(issues.map((i) => formatIssue(i))).toEqual([]);
    expect(count).toBe(2);
    expect(objects.find((o) => o.kind === 'Dataset')).toMatchObject({ spec: { format: 'csv', url: '/srv/comfort/dataset/comfort.csv' } });
    const job = objects.find((o): o is LifelongLearningJob => o.kind === 'LifelongLearningJob');
    expect(job?.spec.dataset.trainProb).toBe(0.8);
    expect(job?.spec.trainSpec.trigger.condition).toEqual({ operator: '>', threshold: 500, metric: 'num_of_samples' });
    const scripts = [job?.spec.trainSpec.template, job?.spec.evalSpec.template, job?.spec.deploySpec.template].map((t) => t?.spec?.containers[0]);
    expect(scripts.map((c) => [c?.workingDir, c?.args?.[0], c?.image])).toEqual([
      ['/opt/comfort', 'train.ts', undefined],
      ['/opt/comfort', 'eval.ts', undefined],
      ['/opt/comfort', 'inference.ts', undefined],
    ]);
  });
});
