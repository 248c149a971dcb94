import { formatIssue, validateDocument } from './index.js';
import { MAX_DEADLINE_MS, parseDeadline, parseDeadlines } from './deadlines.js';

describe('parseDeadline: Go-style durations, seconds, none', () => {
  test.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['2m500ms', 120_500],
    ['30', 30_000],
    [' 45 ', 45_000],
    [30, 30_000],
    [2.5, 2500],
    ['168h', MAX_DEADLINE_MS],
  ] as const)('%j is %i ms', (value, ms) => {
    expect(parseDeadline(value)).toBe(ms);
  });

  test.each([0, '0', '0s', 'none', 'None'])('%j is no deadline', (value) => {
    expect(parseDeadline(value)).toBeNull();
  });

  test.each([
    ['5x', /^is not a duration/],
    ['-5m', /^is not a duration/],
    [-5, /^is negative/],
    ['1ms', /^is shorter than 1s.*did you mean minutes/],
    ['169h', /^is longer than 168h \(7 days\).*"none"/],
    [Number.POSITIVE_INFINITY, /^is not a finite number/],
    [true, /^is not a duration/],
    [null, /^is not a duration/],
    ['', /^is not a duration/],
  ] as const)('%j is refused', (value, message) => {
    const result = parseDeadline(value);
    expect(result).toEqual({ error: expect.stringMatching(message) });
  });
});

describe('parseDeadlines: the annotation value', () => {
  test('known keys with good values are taken; each bad one is an issue and is left out', () => {
    expect(parseDeadlines('{"starting":"5m","reportAfterPodEnded":30,"deployConfirmation":"none"}')).toEqual({
      deadlines: { starting: 300_000, reportAfterPodEnded: 30_000, deployConfirmation: null },
      issues: [],
    });
    const { deadlines, issues } = parseDeadlines('{"starting":"soon","deployConfirmation":"20m","running":"1h"}');
    expect(deadlines).toEqual({ deployConfirmation: 1_200_000 });
    expect(issues).toEqual([
      { key: 'starting', value: 'soon', message: expect.stringMatching(/^is not a duration/) },
      { key: 'running', value: '1h', message: expect.stringMatching(/spec\.activeDeadlineSeconds/) },
    ]);
  });

  test.each(['[]', '"5m"', 'starting: 5m', 'null', ''])('%j is not an object: one issue about the whole value', (value) => {
    const { deadlines, issues } = parseDeadlines(value);
    expect(deadlines).toEqual({});
    expect(issues).toEqual([{ value, message: expect.stringMatching(/^is not a JSON object of deadlines/) }]);
  });
});

describe('validateDocument: the annotation of a learning job', () => {
  const job = (annotations: Record<string, string>) => ({
    apiVersion: 'sedna.io/v1alpha1',
    kind: 'LifelongLearningJob',
    metadata: { name: 'atcii', namespace: 'team-a', annotations },
    spec: {
      dataset: { name: 'd', trainProb: 0.8 },
      trainSpec: { template: { spec: { containers: [{ name: 't', image: 'x' }] } }, trigger: { condition: { operator: '>', threshold: 5, metric: 'num_of_samples' } } },
      evalSpec: { template: { spec: { containers: [{ name: 'e', image: 'x' }] } } },
      deploySpec: { template: { spec: { containers: [{ name: 'i', image: 'x' }] } } },
      outputDir: '/output',
    },
  });

  test('a bad value is refused naming the object, the field path and the value', () => {
    const result = validateDocument(job({ 'sedna.io/deadlines': '{"starting":"5x"}' }));
    expect(result.valid).toBe(false);
    expect(result.issues.map(formatIssue)).toEqual([
      'LifelongLearningJob team-a/atcii: metadata.annotations["sedna.io/deadlines"].starting: "5x" is not a duration: a number of seconds, a Go-style duration such as "90s", "5m" or "1h30m", or "none"',
    ]);
  });

  test('a good value passes; the GM and the LC, which pass annotations: false, take a bad one', () => {
    expect(validateDocument(job({ 'sedna.io/deadlines': '{"starting":"5m"}' })).valid).toBe(true);
    expect(validateDocument(job({ 'sedna.io/deadlines': '{"starting":"5x"}' }), { annotations: false }).valid).toBe(true);
  });

  test('other kinds do not read it', () => {
    const model = { apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name: 'm', annotations: { 'sedna.io/deadlines': 'x' } }, spec: { url: '/m', format: 'onnx' } };
    expect(validateDocument(model).valid).toBe(true);
  });
});
