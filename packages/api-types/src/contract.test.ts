import { describe, expect, it, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { METRIC_LABEL_VALUES, conditionAttempt, conditionRound, decisionLabel, jobFolder, labelShapeAnnotation, outcomeLabel, parseReportRefusal, stageLabel, reportRefusalMessage, latestCondition, outputDirOverlap, parseConditionData, parseManualTrigger, parseRollbackRequest, protocolMismatch, rollbackAnnotationValue, userHardExampleFolder, workerAuthOptOut, workerLabelKeys } from './contract.js';

const here = dirname(fileURLToPath(import.meta.url));

describe('parseManualTrigger: one parser for the GM and the LC', () => {
  it.each<[string, string, number]>([
    ['train@2026-12-04T10:00:00Z', 'Train', Date.UTC(2026, 11, 4, 10)],
    ['TRAIN@2026-12-04T10:00:00Z', 'Train', Date.UTC(2026, 11, 4, 10)],
    [' eval @ 2026-12-04T10:00:00.250Z ', 'Eval', Date.UTC(2026, 11, 4, 10, 0, 0, 250)],
    ['deploy@2026-12-04T11:00:00+01:00', 'Deploy', Date.UTC(2026, 11, 4, 10)],
  ])('%s is a trigger of %s', (value, stage, time) => {
    expect(parseManualTrigger(value)).toEqual({ stage, timeMs: time });
  });

  it.each([
    'train@garbage',
    'train',
    'train@',
    '@2026-12-04T10:00:00Z',
    'retrain@2026-12-04T10:00:00Z',
    'train@2026-12-04',
    'train@Dec 4 2026 10:00',
    'train@2026-13-04T10:00:00Z',
    'train@2026-12-04T10:00:00',
    '',
  ])('%j is refused, naming the value', (value) => {
    expect(parseManualTrigger(value)).toEqual({ error: `${JSON.stringify(value)} is not <train|eval|deploy>@<RFC 3339 time>` });
  });
});

describe('parseManualTrigger with a clock', () => {
  it('refuses a time more than 5 minutes ahead, and cuts a long value in its message', () => {
    const now = Date.UTC(2026, 11, 4, 10);
    expect(parseManualTrigger('train@2026-12-04T10:04:00Z', now)).toEqual({ stage: 'Train', timeMs: now + 240_000 });
    expect(parseManualTrigger('train@2099-01-01T00:00:00Z', now)).toEqual({ error: '"train@2099-01-01T00:00:00Z" is in the future (more than 300 s ahead of this clock)' });
    const long = `train@${'x'.repeat(5000)}`;
    const parsed = parseManualTrigger(long, now) as { error: string };
    expect(parsed.error).toBe(`${JSON.stringify(long.slice(0, 80))}... (5006 characters) is not <train|eval|deploy>@<RFC 3339 time>`);
  });
});

describe('jobFolder', () => {
  it('is <root>/<namespace>/<kind>/<name> in lower case, for any trailing slash', () => {
    expect(jobFolder('/var/lib/sedna/model-hot-update', 'default', 'IncrementalLearningJob', 'Helmet')).toBe('/var/lib/sedna/model-hot-update/default/incrementallearningjob/helmet');
    expect(jobFolder('/x/', 'ns', 'lifelonglearningjob', 'j')).toBe('/x/ns/lifelonglearningjob/j');
    expect(jobFolder('/', 'ns', 'k', 'j')).toBe('/ns/k/j');
  });
});

describe('the condition read model', () => {
  it('reads data, round and attempt as the GM writes them and tolerates what the original wrote', () => {
    expect(parseConditionData('{"round":2,"attempt":3,"worker":"w"}')).toEqual({ round: 2, attempt: 3, worker: 'w' });
    expect(parseConditionData('not json')).toEqual({});
    expect(parseConditionData('[1]')).toEqual({});
    expect(parseConditionData(undefined)).toEqual({});
    expect(conditionRound({ round: 4, data: '{"round":2}' }, 0)).toBe(4);
    expect(conditionRound({ data: '{"round":2}' }, 0)).toBe(2);
    expect(conditionRound({ data: '{"round":-1}' }, 7)).toBe(7);
    expect(conditionAttempt({ data: '{"attempt":3}' })).toBe(3);
    expect(conditionAttempt({ data: '{"attempt":0}' })).toBe(1);
    expect(conditionAttempt({})).toBe(1);
    expect(latestCondition([1, 2, 3])).toBe(3);
    expect(latestCondition([])).toBeUndefined();
  });
});

describe('labels', () => {
  it('are the original worker labels prefixed by the lower-case kind', () => {
    expect(workerLabelKeys('lifelonglearningjob')).toEqual({ name: 'lifelonglearningjob.sedna.io/name', uid: 'lifelonglearningjob.sedna.io/uid', workerType: 'lifelonglearningjob.sedna.io/worker-type' });
  });
});

describe('the contract module', () => {
  it('imports no Node built-in, directly or through the files it imports (a browser bundle can take it)', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/^import\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)) {
        const [, typeOnly, specifier] = match as unknown as [string, string | undefined, string];
        expect({ file, specifier, builtin: builtins.has(specifier) }).toEqual({ file, specifier, builtin: false });
        if (!typeOnly && specifier.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
      }
    };
    visit(join(here, 'contract.ts'));
    expect(seen.size).toBeGreaterThan(0);
  });
});

describe('outputDirOverlap', () => {
  test.each([
    ['/out/a', '/out/a/', 'same'],
    ['/out/./a', '/out/b/../a', 'same'],
    ['/out/a/b', '/out/a', 'inside'],
    ['/out', '/out/a', 'holds'],
    ['/out/ab', '/out/a', undefined],
    ['/', '/out', 'holds'],
    ['s3://Bucket/x', 'S3://Bucket/x/', 'same'],
    ['s3://bucket/x', 's3://bucket/y', undefined],
  ] as const)('%s against %s: %s', (a, b, expected) => {
    expect(outputDirOverlap(a, b)).toBe(expected);
  });
});

describe('parseRollbackRequest', () => {
  const now = Date.parse('2026-12-05T04:00:00Z');
  test('a round or previous, @ an RFC 3339 time', () => {
    expect(parseRollbackRequest('1@2026-12-05T04:00:00Z', now)).toEqual({ target: 1, timeMs: now });
    expect(parseRollbackRequest('0@2026-12-05T04:00:00Z', now)).toEqual({ target: 0, timeMs: now });
    expect(parseRollbackRequest(' Previous @2026-12-05T04:00:00.123Z', now)).toEqual({ target: 'previous', timeMs: now + 123 });
    expect(parseRollbackRequest(rollbackAnnotationValue(3, new Date(now)), now)).toEqual({ target: 3, timeMs: now });
  });
  test('anything else is refused naming the value and the form', () => {
    for (const value of ['', '1', '-1@2026-12-05T04:00:00Z', '1.5@2026-12-05T04:00:00Z', 'last@2026-12-05T04:00:00Z', '1@yesterday', '1e3@2026-12-05T04:00:00Z']) {
      expect(parseRollbackRequest(value, now)).toEqual({ error: `${JSON.stringify(value)} is not <round|previous>@<RFC 3339 time>` });
    }
    expect(parseRollbackRequest(`${'9'.repeat(200)}@x`, now)).toEqual({ error: expect.stringContaining('... (202 characters) is not') });
    expect(parseRollbackRequest('1@2026-12-05T05:00:00Z', now)).toEqual({ error: '"1@2026-12-05T05:00:00Z" is in the future (more than 300 s ahead of this clock)' });
  });
});

describe('protocolMismatch', () => {
  test('names both versions from the side that refuses, and fits a close frame', () => {
    expect(protocolMismatch('GM', 2)).toBe('protocol version mismatch: this GM speaks 1, the LC 2');
    expect(protocolMismatch('LC', '2')).toBe('protocol version mismatch: this LC speaks 1, the GM 2');
    expect(protocolMismatch('LC', undefined)).toBe('protocol version mismatch: this LC speaks 1, the GM none');
    expect(Buffer.byteLength(protocolMismatch('GM', 'x'.repeat(500)))).toBeLessThanOrEqual(123);
  });
});

describe('sedna.io/worker-auth', () => {
  it('opts in with "none" only; another value is an error naming the annotation and the value', () => {
    expect(workerAuthOptOut(undefined)).toBe(false);
    expect(workerAuthOptOut({})).toBe(false);
    expect(workerAuthOptOut({ 'sedna.io/worker-auth': 'none' })).toBe(true);
    // Only the exact value opts in: what merely looks like it keeps tokens required, with an error.
    for (const value of [' None ', 'None', 'NONE', ' none', 'none\n', '']) expect(workerAuthOptOut({ 'sedna.io/worker-auth': value })).toEqual({ error: expect.stringContaining(JSON.stringify(value)) });
    expect(workerAuthOptOut({ 'sedna.io/worker-auth': 'off' })).toEqual({
      error: 'metadata.annotations["sedna.io/worker-auth"]: "off" is not "none" (the only value; remove the annotation to require worker tokens)',
    });
  });
});

describe('sedna.io/labels', () => {
  it('declares boxes or class exactly; another value is an error naming the annotation and the value', () => {
    expect(labelShapeAnnotation(undefined)).toBeUndefined();
    expect(labelShapeAnnotation({})).toBeUndefined();
    expect(labelShapeAnnotation({ 'sedna.io/labels': 'boxes' })).toBe('boxes');
    expect(labelShapeAnnotation({ 'sedna.io/labels': 'class' })).toBe('class');
    for (const value of ['Boxes', ' class', 'detection', '']) expect(labelShapeAnnotation({ 'sedna.io/labels': value })).toEqual({ error: `metadata.annotations["sedna.io/labels"]: ${JSON.stringify(value)} is not "boxes" or "class"` });
  });
});

describe('userHardExampleFolder', () => {
  const volumes = [
    { name: 'he', hostPath: { path: '/data/he/' } },
    { name: 'all', hostPath: { path: '/srv' } },
    { name: 'scratch' },
  ];
  test.each([
    ['no HE_SAVED_URL: the LC folder', [], undefined],
    ['the volume mounted at the folder', [{ name: 'he', mountPath: '/he_saved' }], { url: '/he_saved', hostPath: '/data/he' }],
    ['below the mount, the deepest mount wins', [{ name: 'all', mountPath: '/' }, { name: 'he', mountPath: '/he_saved' }], { url: '/he_saved', hostPath: '/data/he' }],
    ['a subPath', [{ name: 'all', mountPath: '/x', subPath: 'jobs' }], { url: '/x/he_saved', hostPath: '/srv/jobs/he_saved' }],
    ['a non-hostPath volume: no host folder', [{ name: 'scratch', mountPath: '/he_saved' }], { url: '/he_saved' }],
    ['a mount that is only a name prefix does not hold it', [{ name: 'he', mountPath: '/he' }], { url: '/he_saved' }],
  ] as const)('%s', (_what, mounts, expected) => {
    const url = expected?.url ?? (mounts.length === 0 ? undefined : '/he_saved');
    const env = url ? [{ name: 'HE_SAVED_URL', value: url === '/x/he_saved' ? '/x/he_saved/' : url }] : [{ name: 'OTHER', value: '1' }];
    expect(userHardExampleFolder({ containers: [{ env, volumeMounts: [...mounts] }], volumes })).toEqual(expected && { ...expected, url: env[0]!.value });
  });
});

describe('reportRefusalMessage and parseReportRefusal', () => {
  test('the message of a refusal is read back; another text is not a refusal', () => {
    const refusal = { node: 'edge-1', reportKind: 'train', worker: 'helmet-train-x7k2q', code: 401, reason: 'no-token', detail: 'worker helmet-train-x7k2q: no Authorization header;\nsecond line' };
    const message = reportRefusalMessage(refusal);
    expect(message).toBe('the LC of node edge-1 refused the train report of worker helmet-train-x7k2q (401 no-token): worker helmet-train-x7k2q: no Authorization header;\nsecond line');
    expect(parseReportRefusal(message)).toEqual(refusal);
    expect(parseReportRefusal('the LC of node edge-1 refused the train report of worker w (401): old form')).toBeUndefined();
  });
});

describe('metric labels', () => {
  test('stages, outcomes and decisions in one form: lower case, words joined by _', () => {
    expect(['Train', 'eval', 'DEPLOY', 'Inference'].map(stageLabel)).toEqual(['train', 'eval', 'deploy', 'unknown']);
    expect(['Completed', 'failed', 'Running'].map(outcomeLabel)).toEqual(['completed', 'failed', 'unknown']);
    expect(['Deploy', 'Keep', 'ManualDeploy', 'Rollback', 'Maybe', undefined].map(decisionLabel)).toEqual(['deploy', 'keep', 'manual_deploy', 'rollback', 'unknown', 'unknown']);
    for (const values of Object.values(METRIC_LABEL_VALUES).flatMap((labels) => Object.values(labels))) for (const v of values) expect(v).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });
});
