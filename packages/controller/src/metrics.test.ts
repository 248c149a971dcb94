import { METRIC_LABEL_VALUES } from '@sedna-ts/api-types/contract';
import { createMetrics, forgetJob, observeJob } from './metrics.js';

test("a job's series: its info from its first reconcile; every one of them gone once it is deleted, another job's kept", async () => {
  const metrics = createMetrics();
  observeJob(metrics, 'default', 'helmet', 'incrementallearningjob');
  observeJob(metrics, 'default', 'other', 'incrementallearningjob');
  for (const result of METRIC_LABEL_VALUES.sedna_gm_rounds_total!.result!) metrics.rounds.inc({ namespace: 'default', sedna_job: 'helmet', result });
  metrics.rounds.inc({ namespace: 'default', sedna_job: 'other', result: 'completed' });
  const before = await metrics.registry.metrics();
  expect(before).toContain('sedna_gm_job_info{namespace="default",sedna_job="helmet",kind="incrementallearningjob"} 1');
  expect(before).toContain('sedna_gm_rounds_total{namespace="default",sedna_job="helmet",result="failed"} 1');
  forgetJob(metrics, 'default', 'helmet', 'incrementallearningjob');
  const after = await metrics.registry.metrics();
  expect(after).not.toContain('sedna_job="helmet"');
  expect(after).toContain('sedna_gm_job_info{namespace="default",sedna_job="other",kind="incrementallearningjob"} 1');
  expect(after).toContain('sedna_gm_rounds_total{namespace="default",sedna_job="other",result="completed"} 1');
});
