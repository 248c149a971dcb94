import { LEARNING_JOB_KINDS, getKindInfo, type KindInfo } from '@sedna-ts/api-types';
import { CliError } from './errors.js';
import { findJob, parseJobArgument, type JobLookup } from './jobRef.js';
import type { KubeObject } from './printers.js';

const IL = getKindInfo('IncrementalLearningJob')!;
const LL = getKindInfo('LifelongLearningJob')!;

/** A lookup over the jobs that exist: kind -> names. */
function jobs(existing: Partial<Record<string, string[]>>): JobLookup {
  return async (kind: KindInfo, name: string): Promise<KubeObject | undefined> =>
    existing[kind.kind]?.includes(name) ? { kind: kind.kind, metadata: { name } } : undefined;
}

test.each([
  ['helmet', undefined, 'helmet'],
  ['il/helmet', 'IncrementalLearningJob', 'helmet'],
  ['ij/helmet', 'IncrementalLearningJob', 'helmet'],
  ['incrementallearningjob/helmet', 'IncrementalLearningJob', 'helmet'],
  ['IncrementalLearningJobs/helmet', 'IncrementalLearningJob', 'helmet'],
  ['incrementallearningjob.sedna.io/helmet', 'IncrementalLearningJob', 'helmet'],
  ['ll/atcii', 'LifelongLearningJob', 'atcii'],
  ['LifelongLearningJob/atcii', 'LifelongLearningJob', 'atcii'],
])('JOB %s reads as kind %s, name %s', (text, kind, name) => {
  const parsed = parseJobArgument(text);
  expect([parsed.kind?.kind, parsed.name]).toEqual([kind, name]);
});

test.each([
  ['ds/helmet', 'INVALID_INPUT', 'JOB "ds/helmet": Dataset is not a learning job: expected IncrementalLearningJob (il) or LifelongLearningJob (ll)'],
  ['pods/helmet', 'INVALID_INPUT', 'JOB "pods/helmet": "pods" is not a kind of learning job: expected IncrementalLearningJob (il) or LifelongLearningJob (ll)'],
  ['dataset/helmet', 'INVALID_INPUT', 'JOB "dataset/helmet": Dataset is not a learning job: expected IncrementalLearningJob (il) or LifelongLearningJob (ll)'],
  ['ji/helmet', 'INVALID_INPUT', 'JOB "ji/helmet": JointInferenceService is not a learning job: expected IncrementalLearningJob (il) or LifelongLearningJob (ll)'],
  ['fl/helmet', 'INVALID_INPUT', 'JOB "fl/helmet": FederatedLearningJob is not a learning job: expected IncrementalLearningJob (il) or LifelongLearningJob (ll)'],
  ['ll/', 'USAGE', 'JOB "ll/": expected NAME or KIND/NAME (helmet, il/helmet)'],
  ['/atcii', 'USAGE', 'JOB "/atcii": expected NAME or KIND/NAME (helmet, il/helmet)'],
  ['ll/a/b', 'USAGE', 'JOB "ll/a/b": expected NAME or KIND/NAME (helmet, il/helmet)'],
  ['', 'USAGE', 'JOB is empty: expected NAME or KIND/NAME (helmet, il/helmet)'],
])('JOB %j is refused: %s', (text, code, message) => {
  let thrown: unknown;
  try {
    parseJobArgument(text);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(CliError);
  expect(thrown).toMatchObject({ code, message });
});

const existing = { IncrementalLearningJob: ['helmet', 'both'], LifelongLearningJob: ['atcii', 'both'] };

test.each([
  ['helmet', 'IncrementalLearningJob'],
  ['atcii', 'LifelongLearningJob'],
  ['il/helmet', 'IncrementalLearningJob'],
  ['ll/atcii', 'LifelongLearningJob'],
  ['il/both', 'IncrementalLearningJob'],
  ['ll/both', 'LifelongLearningJob'],
])('%s is found as a %s', async (text, kind) => {
  const found = await findJob(text, 'default', LEARNING_JOB_KINDS, jobs(existing));
  expect(found.kind.kind).toBe(kind);
  expect(found.object.kind).toBe(kind);
});

async function failure(text: string, served: readonly KindInfo[] = LEARNING_JOB_KINDS): Promise<CliError> {
  return findJob(text, 'default', served, jobs(existing)).then(
    () => {
      throw new Error(`${text} was found`);
    },
    (error: CliError) => error,
  );
}

test.each([
  ['both', 'INVALID_INPUT', 'job "both" exists as IncrementalLearningJob and LifelongLearningJob: say which, e.g. ll/both'],
  ['nope', 'NOT_FOUND', 'no learning job "nope" in namespace default (looked for IncrementalLearningJob and LifelongLearningJob)'],
  ['ll/helmet', 'NOT_FOUND', 'lifelonglearningjobs.sedna.io "helmet" not found'],
  ['il/nope', 'NOT_FOUND', 'incrementallearningjobs.sedna.io "nope" not found'],
])('%s: %s', async (text, code, message) => {
  expect(await failure(text)).toMatchObject({ code, message });
});

test('only the kinds the server serves are looked in; a kind it does not serve is said so', async () => {
  expect((await findJob('both', 'default', [IL], jobs(existing))).kind).toBe(IL);
  expect(await failure('nope', [IL])).toMatchObject({ code: 'NOT_FOUND', message: 'no learning job "nope" in namespace default (looked for IncrementalLearningJob)' });
  expect(await failure('ll/atcii', [IL])).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^the API server does not serve LifelongLearningJob \(sedna\.io\/v1alpha1\): register the Sedna CRDs/) });
  expect(await failure('atcii', [])).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^the API server does not serve IncrementalLearningJob and LifelongLearningJob /) });
});

test('a kind named in JOB is looked in alone', async () => {
  const asked: string[] = [];
  const lookup: JobLookup = async (kind, name) => {
    asked.push(kind.kind);
    return jobs(existing)(kind, name);
  };
  await findJob('ll/both', 'default', [IL, LL], lookup);
  expect(asked).toEqual(['LifelongLearningJob']);
});

test.each([['..'], ['.'], ['il/..'], ['ll/.'], ['%2e%2e']])('JOB %s (the verbs wait, trigger, rollback) is refused before any lookup: exit 2', async (text) => {
  let lookups = 0;
  const lookup: JobLookup = async () => {
    lookups++;
    return undefined;
  };
  const error = await findJob(text, 'default', LEARNING_JOB_KINDS, lookup).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CliError);
  expect((error as CliError).code).toBe('USAGE');
  expect((error as CliError).message).toMatch(/^job NAME ".*": invalid resource name: may not/);
  expect(lookups).toBe(0);
});
