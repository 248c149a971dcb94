import { didYouMean, dottedPath, formatIssue, formatValue } from './issues.js';

test('dotted paths index lists with brackets and quote odd keys', () => {
  expect(dottedPath(['spec', 'trainSpec', 'template', 'spec', 'containers', 0, 'image'])).toBe('spec.trainSpec.template.spec.containers[0].image');
  expect(dottedPath(['metadata', 'annotations', 'sedna.io/trigger'])).toBe('metadata.annotations["sedna.io/trigger"]');
  expect(dottedPath([])).toBe('');
});

test('issues format as Kind namespace/name: path: "value" message', () => {
  const base = { code: 'schema' as const, kind: 'IncrementalLearningJob', namespace: 'default', name: 'helmet' };
  expect(formatIssue({ ...base, path: 'spec.trainSpec.trigger.timer.start', value: '25:00', message: 'is not HH:MM' })).toBe(
    'IncrementalLearningJob default/helmet: spec.trainSpec.trigger.timer.start: "25:00" is not HH:MM',
  );
  expect(formatIssue({ ...base, path: 'spec.dataset.trainProb', value: 1.5, message: 'must be between 0 and 1' })).toBe(
    'IncrementalLearningJob default/helmet: spec.dataset.trainProb: 1.5 must be between 0 and 1',
  );
  expect(formatIssue({ ...base, kind: '', name: '', path: '', value: 3, message: 'is not an object' })).toBe('(no kind) default/(no name): 3 is not an object');
  expect(formatIssue({ ...base, code: 'syntax', path: '', value: undefined, message: 'YAML: bad', position: { line: 3, col: 5, offset: 20 } })).toBe('3:5: YAML: bad');
});

test('long values are shortened', () => {
  expect(formatValue('x'.repeat(200))).toHaveLength(80);
  expect(formatValue({ a: 1 })).toBe('{"a":1}');
});

test('did-you-mean prefers the same word in another case, then few edits, then a left-out word', () => {
  expect(didYouMean('DirectoryorCreate', ['', 'Directory', 'DirectoryOrCreate', 'File'])).toBe('DirectoryOrCreate');
  expect(didYouMean('trainprob', ['name', 'trainProb'])).toBe('trainProb');
  expect(didYouMean('tensorflw', ['tensorflow', 'tfjs'])).toBe('tensorflow');
  expect(didYouMean('IncrementalJob', ['Dataset', 'IncrementalLearningJob'])).toBe('IncrementalLearningJob');
  expect(didYouMean('zzz', ['Dataset', 'Model'])).toBeUndefined();
  expect(didYouMean('', ['a'])).toBeUndefined();
});

test('did-you-mean finds no near miss for a huge value, and compares only candidates within reach', () => {
  // A 4 MB value against the candidates was a full edit distance each (seconds per field); the fault
  // suite's mutated documents found it. Lengths farther apart than the edits allowed are skipped.
  expect(didYouMean('x'.repeat(4_000_000), ['txt', 'csv', 'json'])).toBeUndefined();
  expect(didYouMean('tx', ['txt'])).toBe('txt');
  expect(didYouMean('tensorflowww', ['tensorflow'])).toBe('tensorflow');
});
