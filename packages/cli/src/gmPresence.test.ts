import { CONTROLLED_KINDS, gmPresenceOf, needsController, whyNoController, type GmLease } from './gmPresence.js';

const NOW = Date.parse('2026-01-01T00:00:30Z');

/** A GM Lease; `kinds` null: without the kinds annotation. */
function lease(holder: string, renewTime: string, kinds: string | null = 'IncrementalLearningJob'): GmLease {
  return {
    metadata: kinds === null ? {} : { annotations: { 'sedna.io/kinds': kinds } },
    spec: { holderIdentity: holder, renewTime, leaseDurationSeconds: 60 },
  };
}

test.each<[string, GmLease[], ReturnType<typeof gmPresenceOf>]>([
  ['no Lease: no GM', [], { running: false }],
  ['a fresh Lease: its kinds', [lease('gm-0', '2026-01-01T00:00:00.000000Z')], { running: true, kinds: ['IncrementalLearningJob'] }],
  ['an expired Lease: no GM', [lease('gm-0', '2025-12-31T23:59:00.000000Z')], { running: false }],
  ['a released Lease (no holder): no GM', [lease('', '2026-01-01T00:00:00.000000Z')], { running: false }],
  ['a Lease without renewTime: no GM', [{ spec: { holderIdentity: 'gm-0', leaseDurationSeconds: 60 } }], { running: false }],
  ['several kinds, spaces around commas', [lease('gm-0', '2026-01-01T00:00:00Z', 'IncrementalLearningJob, LifelongLearningJob')], { running: true, kinds: ['IncrementalLearningJob', 'LifelongLearningJob'] }],
  ['an empty annotation: no kind', [lease('gm-0', '2026-01-01T00:00:00Z', '')], { running: true, kinds: [] }],
  [
    'an expired Lease beside a fresh one: the fresh one',
    [lease('old', '2025-12-01T00:00:00Z', 'LifelongLearningJob'), lease('gm-0', '2026-01-01T00:00:00Z')],
    { running: true, kinds: ['IncrementalLearningJob'] },
  ],
  ['a running GM that does not say its kinds: cannot tell', [lease('gm-0', '2026-01-01T00:00:00Z', null)], undefined],
])('%s', (_name, leases, expected) => {
  expect(gmPresenceOf(leases, NOW)).toEqual(expected);
});

test.each<[string, Parameters<typeof whyNoController>[1], string | undefined]>([
  ['IncrementalLearningJob', { running: true, kinds: ['IncrementalLearningJob'] }, undefined],
  ['LifelongLearningJob', { running: true, kinds: ['IncrementalLearningJob'] }, 'no controller acts on it (the global manager handles: IncrementalLearningJob)'],
  ['LifelongLearningJob', { running: true, kinds: [] }, 'no controller acts on it (the global manager handles: no kind)'],
  ['IncrementalLearningJob', { running: false }, 'no global manager is running'],
  ['IncrementalLearningJob', undefined, undefined],
])('why nothing acts on a %s: %j gives %j', (kind, presence, why) => {
  expect(whyNoController(kind, presence)).toBe(why);
});

test('every Sedna kind but Dataset and Model needs a controller', () => {
  expect([...CONTROLLED_KINDS]).toEqual(['IncrementalLearningJob', 'LifelongLearningJob', 'JointInferenceService', 'FederatedLearningJob']);
  // A kind a GM plug-in adds (its own sedna.io CRD) needs a controller too; Dataset, Model and other groups do not.
  expect([needsController('sedna.io', 'TestLearningJob'), needsController('sedna.io', 'Dataset'), needsController('sedna.io', 'Model'), needsController('', 'Pod')]).toEqual([true, false, false, false]);
});
