import { getKindInfo, LEARNING_JOB_KINDS, resolveKind, SEDNA_KINDS } from './kinds.js';

test('resource names resolve as kubectl resolves them: plural, singular, kind, short name, with group', () => {
  for (const name of ['il', 'ij', 'incrementaljob', 'incrementallearningjobs', 'IncrementalLearningJob', 'incrementallearningjob.sedna.io']) {
    expect(resolveKind(name)?.kind).toBe('IncrementalLearningJob');
  }
  expect(resolveKind('ll')?.kind).toBe('LifelongLearningJob');
  expect(resolveKind('ji')?.kind).toBe('JointInferenceService');
  expect(resolveKind('fl')?.kind).toBe('FederatedLearningJob');
  expect(resolveKind('datasets')?.kind).toBe('Dataset');
  expect(resolveKind('Models')?.kind).toBe('Model');
  expect(resolveKind('pods')).toBeUndefined();
});

test('six kinds, each with its list kind and lower-case singular', () => {
  expect(SEDNA_KINDS.map((k) => k.kind)).toEqual([
    'Dataset',
    'Model',
    'IncrementalLearningJob',
    'LifelongLearningJob',
    'JointInferenceService',
    'FederatedLearningJob',
  ]);
  expect(getKindInfo('Model')).toMatchObject({ listKind: 'ModelList', plural: 'models', singular: 'model' });
  expect(getKindInfo('Pod')).toBeUndefined();
});

test('the learning jobs are IncrementalLearningJob and LifelongLearningJob, flagged in the registry', () => {
  expect(LEARNING_JOB_KINDS.map((k) => k.kind)).toEqual(['IncrementalLearningJob', 'LifelongLearningJob']);
  expect(SEDNA_KINDS.filter((k) => k.learningJob)).toEqual(LEARNING_JOB_KINDS);
  expect(getKindInfo('JointInferenceService')?.learningJob).toBe(false);
  expect(resolveKind('ll')?.learningJob).toBe(true);
});
