import fs from 'node:fs';
import path from 'node:path';
import { formatIssue, validateText } from '../src/index.js';
import { referenceSamplesDir } from './paths.js';

const files = fs.readdirSync(referenceSamplesDir).filter((f) => /\.ya?ml$/.test(f)).sort();

test('the original Sedna samples are all there to be read', () => {
  // Eight samples: dataset, model, IL, LL, JI and three FL jobs.
  expect(files.length).toBeGreaterThanOrEqual(8);
});

test.each(files)('the original sample %s validates', (file) => {
  const result = validateText(fs.readFileSync(path.join(referenceSamplesDir, file), 'utf8'));
  expect(result.issues.map(formatIssue)).toEqual([]);
  expect(result.count).toBeGreaterThan(0);
  expect(result.objects).toHaveLength(result.count);
});
