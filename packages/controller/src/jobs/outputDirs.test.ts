import { makeJob } from '../../test/fixtures.js';
import { incrementalLearningPolicy } from '../kinds/incrementalLearningJob/index.js';
import { lifelongLearningPolicy } from '../kinds/lifelongLearningJob/index.js';
import type { JobPolicy, LearningJob } from './jobPolicy.js';
import fc from 'fast-check';
import { OutputDirConflictCache, outputDirConflict, outputDirConflicts, type PolicyJob } from './outputDirs.js';

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

describe('outputDirConflicts: every job at once gives what outputDirConflict gives each', () => {
  const folder = fc.constantFrom('/out', '/out/', '/out/a', '/out/a/b', '/out/ab', '/', '/x/./y', '/x/y/../y', 's3://bucket', 's3://bucket/a', 'S3://bucket/a/b', 's3://other');
  const job = fc.record({ dir: folder, day: fc.integer({ min: 1, max: 4 }), lifelong: fc.boolean(), deleting: fc.boolean() });
  test('on random sets of jobs (same folders, nested, roots, schemes, same creation times, jobs being deleted)', () => {
    fc.assert(
      fc.property(fc.array(job, { maxLength: 12 }), (specs) => {
        const entries = specs.map((j, i) => entry(`j${i}`, j.dir, `2026-01-0${j.day}T00:00:00Z`, j.lifelong ? ll : il, j.deleting ? { deletionTimestamp: '2026-02-01T00:00:00Z' } : {}));
        const all = outputDirConflicts(entries);
        for (const e of entries) expect(all.get(e.job.metadata.uid as string)).toBe(outputDirConflict(e, entries));
      }),
      { numRuns: 300 },
    );
  });

  test('the cache answers from one pass until a job that matters changes; a status change keeps it', () => {
    const a = entry('a', '/output/a', '2026-01-01T00:00:00Z');
    const b = entry('b', '/output/a/sub', '2026-01-02T00:00:00Z');
    const jobs = [a, b];
    let passes = 0;
    const cache = new OutputDirConflictCache(() => {
      passes++;
      return jobs;
    });
    for (const e of jobs) cache.observe(e, false);
    expect(cache.conflict(b)).toContain('is inside the outputDir "/output/a"');
    expect(cache.conflict(a)).toBeUndefined();
    expect(passes).toBe(1);
    cache.observe({ ...a, job: { ...a.job, status: { conditions: [] } } as LearningJob }, false);
    expect(cache.conflict(b)).toContain('default/a');
    expect(passes).toBe(1);
    jobs.splice(0, 1);
    cache.observe(a, true);
    expect(cache.conflict(b)).toBeUndefined();
    expect(passes).toBe(2);
  });
});
