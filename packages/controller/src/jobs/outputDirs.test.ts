import { makeJob } from '../../test/fixtures.js';
import { incrementalLearningPolicy } from '../kinds/incrementalLearningJob/index.js';
import { lifelongLearningPolicy } from '../kinds/lifelongLearningJob/index.js';
import type { JobPolicy, LearningJob } from './jobPolicy.js';
import { outputDirConflict, type PolicyJob } from './outputDirs.js';

const il = incrementalLearningPolicy as unknown as JobPolicy<LearningJob>;
const ll = lifelongLearningPolicy({}) as unknown as JobPolicy<LearningJob>;

function entry(name: string, outputDir: string, created: string, policy = il, extra: Partial<LearningJob['metadata']> = {}): PolicyJob {
  const job = makeJob({ name }) as unknown as LearningJob;
  job.metadata = { ...job.metadata, uid: `uid-${name}`, creationTimestamp: created, ...extra };
  (job.spec as { outputDir: string }).outputDir = outputDir;
  return { job, policy };
}

describe('outputDirConflict: the later of two jobs sharing or nesting an outputDir is refused', () => {
  const a = entry('a', '/output/a', '2026-01-01T00:00:00Z');
  test('the same folder (trailing slashes and dots aside): the later job, naming the earlier', () => {
    const b = entry('b', '/output/./a/', '2026-01-02T00:00:00Z', ll);
    expect(outputDirConflict(b, [a, b])).toBe(
      'LifelongLearningJob default/b: spec.outputDir: "/output/./a/" is also the outputDir of IncrementalLearningJob default/a, created earlier: two jobs would overwrite each other\'s round files and models; give this job a folder of its own',
    );
    expect(outputDirConflict(a, [a, b])).toBeUndefined();
  });

  test('nested either way; siblings and prefixes that are not folders are fine', () => {
    expect(outputDirConflict(entry('b', '/output/a/sub', '2026-01-02T00:00:00Z'), [a])).toContain('is inside the outputDir "/output/a" of IncrementalLearningJob default/a');
    expect(outputDirConflict(entry('b', '/output', '2026-01-02T00:00:00Z'), [a])).toContain('holds the outputDir "/output/a" of IncrementalLearningJob default/a');
    expect(outputDirConflict(entry('b', '/output/ab', '2026-01-02T00:00:00Z'), [a])).toBeUndefined();
    expect(outputDirConflict(entry('b', '/output/b', '2026-01-02T00:00:00Z'), [a])).toBeUndefined();
  });

  test('same creation second: kind, namespace and name decide; a job being deleted holds nothing', () => {
    const x = entry('x', '/out', '2026-01-01T00:00:00Z');
    const y = entry('y', '/out', '2026-01-01T00:00:00Z');
    expect(outputDirConflict(x, [x, y])).toBeUndefined();
    expect(outputDirConflict(y, [x, y])).toContain('IncrementalLearningJob default/x');
    const going = entry('x', '/out', '2026-01-01T00:00:00Z', il, { deletionTimestamp: '2026-01-03T00:00:00Z' });
    expect(outputDirConflict(y, [going, y])).toBeUndefined();
  });
});
