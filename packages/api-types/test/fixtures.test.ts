import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  formatIssue,
  isLegacyObject,
  normalizeLegacyObject,
  validateText,
  type IncrementalLearningJob,
} from '../src/index.js';
import { fixturesDir } from './paths.js';

const read = (name: string) => fs.readFileSync(path.join(fixturesDir, name), 'utf8');

describe('seed 000 (older edgeai.io form)', () => {
  const text = read('seed-000/incremental-learning-job.edgeai.yaml');

  test('validates and comes out in the sedna.io form', () => {
    const result = validateText(text);
    expect(result.issues.map(formatIssue)).toEqual([]);
    expect(result.objects).toHaveLength(1);
    expect(result.objects[0]!.apiVersion).toBe('sedna.io/v1alpha1');
    expect(result.legacy).toEqual(result.objects);
  });

  test('normalises to exactly the expected sedna.io object', () => {
    const expected = parse(read('seed-000/incremental-learning-job.normalized.yaml'));
    expect(validateText(text).objects[0]).toEqual(expected);
    expect(normalizeLegacyObject(parse(text))).toEqual(expected);
  });

  test('its normalised form is itself a valid sedna.io object and no workerSpec survives', () => {
    const normalized = read('seed-000/incremental-learning-job.normalized.yaml');
    const result = validateText(normalized);
    expect(result.issues.map(formatIssue)).toEqual([]);
    expect(JSON.stringify(result.objects)).not.toContain('workerSpec');
    expect(isLegacyObject(result.objects[0])).toBe(false);
    expect(result.legacy).toEqual([]);
  });

  test('the job has no deploy template, so it runs no inference worker', () => {
    const job = validateText(text).objects[0] as IncrementalLearningJob;
    expect(job.spec.deploySpec.template).toBeUndefined();
  });
});

describe('seed 003 (quick start, sedna.io form)', () => {
  test('with the hostPath type corrected, all four objects validate', () => {
    const result = validateText(read('seed-003/quick-start.yaml'));
    expect(result.issues.map(formatIssue)).toEqual([]);
    expect(result.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Dataset/incremental-dataset',
      'Model/initial-model',
      'Model/deploy-model',
      'IncrementalLearningJob/helmet-detection-demo',
    ]);
  });

  test('as the seed writes it, DirectoryorCreate is rejected with a hint for both volumes', () => {
    const result = validateText(read('seed-003/quick-start.uncorrected.yaml'));
    expect(result.objects).toHaveLength(3);
    expect(result.issues.map(formatIssue)).toEqual([
      expect.stringMatching(
        /^IncrementalLearningJob default\/helmet-detection-demo: spec\.deploySpec\.template\.spec\.volumes\[0\]\.hostPath\.type: "DirectoryorCreate" must be one of .*: did you mean "DirectoryOrCreate"\?$/,
      ),
      expect.stringMatching(/volumes\[1\]\.hostPath\.type: "DirectoryorCreate" .*did you mean "DirectoryOrCreate"\?$/),
    ]);
    expect(result.issues[0]!.position?.line).toBe(127);
  });
});
