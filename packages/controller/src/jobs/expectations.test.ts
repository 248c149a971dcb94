import { PodExpectations } from './expectations.js';
import type { ObservedPod } from './observedPod.js';

const created: ObservedPod = { name: 'j-train-aaaaa', workerType: 'train', round: 1, attempt: 1, phase: 'Pending', deleting: false };

test('a created pod the informer does not show yet is seen as present, until the informer shows it', () => {
  const e = new PodExpectations();
  e.expectCreation('default/j', created, 1000);
  expect(e.apply('default/j', [], 1001)).toEqual([{ ...created, expected: true }]);
  const seen = { ...created, phase: 'Running' as const };
  expect(e.apply('default/j', [seen], 1002)).toEqual([seen]);
  expect(e.apply('default/j', [], 1003)).toEqual([]);
});

test('a deleted pod the informer still shows is seen as going away, until it is gone', () => {
  const e = new PodExpectations();
  const old = { ...created, name: 'j-infer-old00', workerType: 'inference' as const };
  e.expectDeletion('default/j', old.name, 1000);
  expect(e.apply('default/j', [old], 1001)).toEqual([{ ...old, deleting: true }]);
  e.gone('default/j', old.name);
  expect(e.apply('default/j', [old], 1002)).toEqual([old]);
});

test('expectations expire, and a forgotten job has none', () => {
  const e = new PodExpectations(100);
  e.expectCreation('default/j', created, 1000);
  expect(e.apply('default/j', [], 1101)).toEqual([]);
  e.expectCreation('default/k', created, 1000);
  e.forget('default/k');
  expect(e.apply('default/k', [], 1001)).toEqual([]);
});
