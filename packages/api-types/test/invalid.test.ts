/* eslint-disable @typescript-eslint/no-explicit-any -- these tests walk untyped JSON schemas and documents */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';
import { formatIssue, validateDocument, validateText, type ValidationIssue } from '../src/index.js';
import { fixturesDir } from './paths.js';

type Obj = Record<string, any>;

const seed003 = parseAllDocuments(fs.readFileSync(path.join(fixturesDir, 'seed-003/quick-start.yaml'), 'utf8')).map((d) => d.toJS() as Obj);
const validDataset = seed003[0]!;
const validModel = seed003[1]!;
const validJob = seed003[3]!;
const legacyJob = parseAllDocuments(fs.readFileSync(path.join(fixturesDir, 'seed-000/incremental-learning-job.edgeai.yaml'), 'utf8'))[0]!.toJS() as Obj;

const validLL: Obj = {
  apiVersion: 'sedna.io/v1alpha1',
  kind: 'LifelongLearningJob',
  metadata: { name: 'atcii' },
  spec: {
    dataset: { name: 'lifelong-dataset', trainProb: 0.8 },
    trainSpec: {
      template: { spec: { containers: [{ name: 'train', image: 'x' }] } },
      trigger: { condition: { operator: '>', threshold: 500, metric: 'num_of_samples' } },
    },
    evalSpec: { template: { spec: { containers: [{ name: 'eval', image: 'x' }] } } },
    deploySpec: { template: { spec: { containers: [{ name: 'infer', image: 'x' }] } } },
    outputDir: '/output',
  },
};
const validFL: Obj = {
  apiVersion: 'sedna.io/v1alpha1',
  kind: 'FederatedLearningJob',
  metadata: { name: 'fl' },
  spec: {
    aggregationWorker: { model: { name: 'm' }, template: { spec: { containers: [{ name: 'agg', image: 'x' }] } } },
    trainingWorkers: [{ dataset: { name: 'd' }, template: { spec: { containers: [{ name: 't', image: 'x' }] } } }],
  },
};
const validJI: Obj = {
  apiVersion: 'sedna.io/v1alpha1',
  kind: 'JointInferenceService',
  metadata: { name: 'ji' },
  spec: {
    edgeWorker: {
      model: { name: 'little' },
      hardExampleMining: { name: 'IBT', parameters: [{ key: 'threshold_img', value: '0.9' }] },
      template: { spec: { containers: [{ name: 'little', image: 'x' }] } },
    },
    cloudWorker: { model: { name: 'big' }, template: { spec: { containers: [{ name: 'big', image: 'x' }] } } },
  },
};

function edit(base: Obj, change: (o: Obj) => void): Obj {
  const copy = structuredClone(base);
  change(copy);
  return copy;
}
const job = (change: (o: Obj) => void) => edit(validJob, change);
const trainTemplate = (o: Obj) => o.spec.trainSpec.template.spec;
const inferTemplate = (o: Obj) => o.spec.deploySpec.template.spec;

interface Case {
  name: string;
  input: Obj | string;
  path: string;
  message: RegExp;
  code?: ValidationIssue['code'];
}

const cases: Case[] = [
  // Numbers out of range, wrong types.
  { name: 'trainProb 1.5', input: job((o) => (o.spec.dataset.trainProb = 1.5)), path: 'spec.dataset.trainProb', message: /^must be between 0 and 1$/ },
  { name: 'negative trainProb', input: job((o) => (o.spec.dataset.trainProb = -0.1)), path: 'spec.dataset.trainProb', message: /between 0 and 1/ },
  { name: 'trainProb as a string', input: job((o) => (o.spec.dataset.trainProb = '0.8')), path: 'spec.dataset.trainProb', message: /^must be a number$/ },
  { name: 'checkPeriodSeconds 0', input: job((o) => (o.spec.trainSpec.trigger.checkPeriodSeconds = 0)), path: 'spec.trainSpec.trigger.checkPeriodSeconds', message: /^must be >= 1$/ },
  { name: 'negative checkPeriodSeconds', input: job((o) => (o.spec.trainSpec.trigger.checkPeriodSeconds = -5)), path: 'spec.trainSpec.trigger.checkPeriodSeconds', message: />= 1/ },
  { name: 'fractional checkPeriodSeconds', input: job((o) => (o.spec.trainSpec.trigger.checkPeriodSeconds = 1.5)), path: 'spec.trainSpec.trigger.checkPeriodSeconds', message: /^must be an integer$/ },
  { name: 'pollPeriodSeconds 0', input: job((o) => (o.spec.deploySpec.model.pollPeriodSeconds = 0)), path: 'spec.deploySpec.model.pollPeriodSeconds', message: />= 1/ },
  { name: 'maxRounds 0', input: job((o) => (o.spec.maxRounds = 0)), path: 'spec.maxRounds', message: />= 1/ },
  { name: 'threshold as a string', input: job((o) => (o.spec.trainSpec.trigger.condition.threshold = '500')), path: 'spec.trainSpec.trigger.condition.threshold', message: /must be a number/ },
  { name: 'hotUpdateEnabled "yes"', input: job((o) => (o.spec.deploySpec.model.hotUpdateEnabled = 'yes')), path: 'spec.deploySpec.model.hotUpdateEnabled', message: /must be true or false/ },
  { name: 'numeric env value', input: job((o) => (trainTemplate(o).containers[0].env[0].value = 32)), path: 'spec.trainSpec.template.spec.containers[0].env[0].value', message: /must be a string/ },
  { name: 'numeric image', input: job((o) => (trainTemplate(o).containers[0].image = 42)), path: 'spec.trainSpec.template.spec.containers[0].image', message: /must be a string/ },
  { name: 'HEM parameter value as a number', input: job((o) => (o.spec.deploySpec.hardExampleMining.parameters[0].value = 0.9)), path: 'spec.deploySpec.hardExampleMining.parameters[0].value', message: /must be a string/ },
  { name: 'negative numberOfSamples in status', input: edit(validDataset, (o) => (o.status = { numberOfSamples: -1 })), path: 'status.numberOfSamples', message: />= 0/ },
  // Operators and timers.
  { name: 'operator "gte"', input: job((o) => (o.spec.trainSpec.trigger.condition.operator = 'gte')), path: 'spec.trainSpec.trigger.condition.operator', message: /^must be one of ">=", ">", "=", "==", "<=", "<", "ge", "gt", "eq", "le", "lt", "ne", "!="/ },
  { name: 'operator ">>"', input: job((o) => (o.spec.deploySpec.trigger.condition.operator = '>>')), path: 'spec.deploySpec.trigger.condition.operator', message: /must be one of/ },
  { name: 'timer start 25:00', input: job((o) => (o.spec.trainSpec.trigger.timer.start = '25:00')), path: 'spec.trainSpec.trigger.timer.start', message: /^is not HH:MM between 00:00 and 24:00$/ },
  { name: 'timer start 24:01', input: job((o) => (o.spec.trainSpec.trigger.timer.start = '24:01')), path: 'spec.trainSpec.trigger.timer.start', message: /is not HH:MM/ },
  { name: 'timer end "4pm"', input: job((o) => (o.spec.trainSpec.trigger.timer.end = '4pm')), path: 'spec.trainSpec.trigger.timer.end', message: /is not HH:MM/ },
  { name: 'timer end 4:00 without the leading zero', input: job((o) => (o.spec.trainSpec.trigger.timer.end = '4:00')), path: 'spec.trainSpec.trigger.timer.end', message: /is not HH:MM/ },
  { name: 'timer start as a number', input: job((o) => (o.spec.trainSpec.trigger.timer.start = 120)), path: 'spec.trainSpec.trigger.timer.start', message: /must be a string/ },
  { name: 'timer without end', input: job((o) => delete o.spec.trainSpec.trigger.timer.end), path: 'spec.trainSpec.trigger.timer.end', message: /^is required$/ },
  // Missing fields and empty names.
  { name: 'no dataset', input: job((o) => delete o.spec.dataset), path: 'spec.dataset', message: /^is required$/ },
  { name: 'no train trigger', input: job((o) => delete o.spec.trainSpec.trigger), path: 'spec.trainSpec.trigger', message: /is required/ },
  { name: 'no condition metric', input: job((o) => delete o.spec.trainSpec.trigger.condition.metric), path: 'spec.trainSpec.trigger.condition.metric', message: /is required/ },
  { name: 'empty metric name', input: job((o) => (o.spec.deploySpec.trigger.condition.metric = '')), path: 'spec.deploySpec.trigger.condition.metric', message: /^must not be empty$/ },
  { name: 'no outputDir', input: job((o) => delete o.spec.outputDir), path: 'spec.outputDir', message: /is required/ },
  { name: 'empty outputDir', input: job((o) => (o.spec.outputDir = '')), path: 'spec.outputDir', message: /must not be empty/ },
  { name: 'empty initial model name', input: job((o) => (o.spec.initialModel.name = '')), path: 'spec.initialModel.name', message: /must not be empty/ },
  { name: 'dataset name with capitals and underscore', input: job((o) => (o.spec.dataset.name = 'Incremental_Dataset')), path: 'spec.dataset.name', message: /is not a valid name/ },
  { name: 'deploy model name with a space', input: job((o) => (o.spec.deploySpec.model.name = 'deploy model')), path: 'spec.deploySpec.model.name', message: /is not a valid name/ },
  { name: 'credentialName with an underscore', input: job((o) => (o.spec.credentialName = 'my_secret')), path: 'spec.credentialName', message: /is not a valid name/ },
  { name: 'empty object name', input: job((o) => (o.metadata.name = '')), path: 'metadata.name', message: /must not be empty/ },
  { name: 'no object name', input: job((o) => delete o.metadata.name), path: 'metadata.name', message: /^is required$/ },
  { name: 'relative outputDir', input: job((o) => (o.spec.outputDir = 'relative/out')), path: 'spec.outputDir', message: /^is not an absolute path or a URL/, code: 'rule' },
  { name: 'deadlines annotation that is not JSON', input: job((o) => (o.metadata.annotations = { 'sedna.io/deadlines': 'starting=5m' })), path: 'metadata.annotations["sedna.io/deadlines"]', message: /^is not a JSON object of deadlines/, code: 'rule' },
  { name: 'deadline that is not a duration', input: job((o) => (o.metadata.annotations = { 'sedna.io/deadlines': '{"starting":"5x"}' })), path: 'metadata.annotations["sedna.io/deadlines"].starting', message: /^is not a duration/, code: 'rule' },
  { name: 'deadline key misspelt', input: edit(validLL, (o) => (o.metadata.annotations = { 'sedna.io/deadlines': '{"startin":"5m"}' })), path: 'metadata.annotations["sedna.io/deadlines"].startin', message: /^is not a deadline: did you mean "starting"\?/, code: 'rule' },
  { name: 'job name too long for the workers\' label', input: job((o) => (o.metadata.name = 'a'.repeat(64))), path: 'metadata.name', message: /^is 64 characters long: at most 63/, code: 'rule' },
  { name: 'invalid namespace', input: job((o) => (o.metadata.namespace = 'Bad_NS')), path: 'metadata.namespace', message: /is not a valid namespace/ },
  { name: 'Dataset without nodeName', input: edit(validDataset, (o) => delete o.spec.nodeName), path: 'spec.nodeName', message: /is required/ },
  { name: 'Model with an empty url', input: edit(validModel, (o) => (o.spec.url = '')), path: 'spec.url', message: /must not be empty/ },
  { name: 'LifelongLearningJob without a deploy template', input: edit(validLL, (o) => delete o.spec.deploySpec.template), path: 'spec.deploySpec.template', message: /is required/ },
  { name: 'JointInferenceService without hard example mining', input: edit(validJI, (o) => delete o.spec.edgeWorker.hardExampleMining), path: 'spec.edgeWorker.hardExampleMining', message: /is required/ },
  { name: 'FederatedLearningJob without training workers', input: edit(validFL, (o) => (o.spec.trainingWorkers = [])), path: 'spec.trainingWorkers', message: /must have at least 1 item/ },
  // Unknown kinds, versions and fields.
  { name: 'unknown kind close to a Sedna kind', input: job((o) => (o.kind = 'IncrementalJob')), path: 'kind', message: /^is not a Sedna kind: did you mean "IncrementalLearningJob"\?$/, code: 'kind' },
  { name: 'unknown kind', input: job((o) => (o.kind = 'Foo')), path: 'kind', message: /is not a Sedna kind \(Dataset, Model,/, code: 'kind' },
  { name: 'wrong apiVersion', input: job((o) => (o.apiVersion = 'sedna.io/v1')), path: 'apiVersion', message: /did you mean "sedna.io\/v1alpha1"/, code: 'kind' },
  { name: 'no apiVersion', input: job((o) => delete o.apiVersion), path: 'apiVersion', message: /is required/ },
  { name: 'misspelt field', input: job((o) => (o.spec.dataset.trainprob = 0.5)), path: 'spec.dataset.trainprob', message: /^is not a known field: did you mean "trainProb"\?$/ },
  { name: 'field at the wrong level', input: job((o) => (o.spec.nodeName = 'edge-node')), path: 'spec.nodeName', message: /is not a known field/ },
  // Pod templates.
  { name: 'no containers', input: job((o) => (trainTemplate(o).containers = [])), path: 'spec.trainSpec.template.spec.containers', message: /must have at least 1 item/ },
  { name: 'container without a name', input: job((o) => delete trainTemplate(o).containers[0].name), path: 'spec.trainSpec.template.spec.containers[0].name', message: /is required/ },
  { name: 'hostPath type DirectoryorCreate', input: job((o) => (inferTemplate(o).volumes[0].hostPath.type = 'DirectoryorCreate')), path: 'spec.deploySpec.template.spec.volumes[0].hostPath.type', message: /did you mean "DirectoryOrCreate"\?$/ },
  { name: 'imagePullPolicy in lower case', input: job((o) => (trainTemplate(o).containers[0].imagePullPolicy = 'ifnotpresent')), path: 'spec.trainSpec.template.spec.containers[0].imagePullPolicy', message: /did you mean "IfNotPresent"/ },
  { name: 'memory limit that is not a quantity', input: job((o) => (inferTemplate(o).containers[0].resources.limits.memory = '2 Gi')), path: 'spec.deploySpec.template.spec.containers[0].resources.limits.memory', message: /does not match/ },
  { name: 'volume mount of a volume the pod lacks', input: job((o) => (inferTemplate(o).containers[0].volumeMounts[1].name = 'hedri')), path: 'spec.deploySpec.template.spec.containers[0].volumeMounts[1].name', message: /names no volume of the pod \(volumes: localvideo, hedir\)/, code: 'rule' },
  { name: 'two containers with one name', input: job((o) => trainTemplate(o).containers.push({ name: 'train-worker', image: 'x' })), path: 'spec.trainSpec.template.spec.containers[1].name', message: /another container/, code: 'rule' },
  // Status written by a controller.
  { name: 'unknown condition type', input: job((o) => (o.status = { conditions: [{ type: 'Done', status: 'True', stage: 'Train' }] })), path: 'status.conditions[0].type', message: /must be one of "Waiting"/ },
  { name: 'unknown deploy decision', input: job((o) => (o.status = { lastDecision: { round: 1, decision: 'Maybe', reason: '', metric: 'm', operator: '>', threshold: 0, compared: {}, time: '2026-01-01T00:00:00Z' } })), path: 'status.lastDecision.decision', message: /"Deploy", "Keep", "ManualDeploy"/ },
  { name: 'metric that is neither a number nor a list', input: job((o) => (o.status = { lastGoodModel: { format: 'onnx', url: '/m', metrics: { precision: 'high' } } })), path: 'status.lastGoodModel.metrics.precision', message: /must be a number or a list of numbers/ },
  { name: 'startTime that is not a time', input: job((o) => (o.status = { startTime: 'yesterday' })), path: 'status.startTime', message: /is not an RFC 3339 time/ },
  // The older form.
  { name: 'older form with a misspelt frameworkType', input: edit(legacyJob, (o) => (o.spec.trainSpec.workerSpec.frameworkType = 'tensorflw')), path: 'spec.trainSpec.workerSpec.frameworkType', message: /did you mean "tensorflow"/ },
  { name: 'older form without scriptBootFile', input: edit(legacyJob, (o) => delete o.spec.evalSpec.workerSpec.scriptBootFile), path: 'spec.evalSpec.workerSpec.scriptBootFile', message: /is required/ },
  { name: 'older form with a parameter that cannot be an env name', input: edit(legacyJob, (o) => (o.spec.trainSpec.workerSpec.parameters[0].key = 'batch size')), path: 'spec.trainSpec.workerSpec.parameters[0].key', message: /not a valid environment variable name/ },
  // Documents that are not objects, and text that is not YAML.
  { name: 'a document that is a list', input: '- a\n- b\n', path: '', message: /is not an object/, code: 'kind' },
  { name: 'a document that is a scalar', input: 'hello\n', path: '', message: /is not an object/, code: 'kind' },
  { name: 'YAML syntax error', input: 'apiVersion: sedna.io/v1alpha1\nkind: Dataset\nmetadata: {name: [x\n', path: '', message: /^YAML: /, code: 'syntax' },
  { name: 'duplicate keys', input: 'apiVersion: sedna.io/v1alpha1\nkind: Model\nkind: Dataset\n', path: '', message: /^YAML: duplicate key: Map keys must be unique/, code: 'syntax' },
  { name: 'a 10 MB document', input: `apiVersion: sedna.io/v1alpha1\nkind: Model\nmetadata: {name: big}\nspec: {url: "${'x'.repeat(10 * 1024 * 1024)}", format: onnx}\n`, path: '', message: /^document 1 is 10\.0 MiB, larger than the 3\.0 MiB limit/, code: 'too-large' },
];

test('the table has at least 40 invalid documents', () => {
  expect(cases.length).toBeGreaterThanOrEqual(40);
});

test.each(cases.map((c) => [c.name, c] as const))('rejects %s with the right path', (_, c) => {
  const text = typeof c.input === 'string' ? c.input : stringify(c.input);
  const result = validateText(text);
  expect(result.objects).toEqual([]);
  const issue = result.issues.find((i) => i.path === c.path);
  if (!issue) throw new Error(`no issue at "${c.path}"; got:\n${result.issues.map(formatIssue).join('\n')}`);
  expect(issue.message).toMatch(c.message);
  if (c.code) expect(issue.code).toBe(c.code);
  expect(issue.position).toBeDefined();
  if (typeof c.input !== 'string') {
    // The same object straight from memory gives the same issue (without a position).
    const direct = validateDocument(c.input);
    expect(direct.valid).toBe(false);
    expect(direct.issues.some((i) => i.path === c.path && c.message.test(i.message))).toBe(true);
  }
});

test('an issue line names kind, namespace/name, dotted path, value and message', () => {
  const result = validateDocument(job((o) => {
    o.metadata.namespace = 'factory';
    o.spec.trainSpec.trigger.timer.start = '25:00';
  }));
  expect(result.issues.map(formatIssue)).toEqual([
    'IncrementalLearningJob factory/helmet-detection-demo: spec.trainSpec.trigger.timer.start: "25:00" is not HH:MM between 00:00 and 24:00',
  ]);
});

test('a missing field is reported without a value', () => {
  const result = validateDocument(job((o) => delete o.spec.outputDir));
  expect(result.issues.map(formatIssue)).toEqual(['IncrementalLearningJob default/helmet-detection-demo: spec.outputDir: is required']);
});

test('every problem of a document is reported, not only the first', () => {
  const result = validateDocument(job((o) => {
    o.spec.dataset.trainProb = 2;
    o.spec.trainSpec.trigger.condition.operator = 'bigger';
    delete o.spec.outputDir;
  }));
  expect(result.issues.map((i) => i.path).sort()).toEqual(['spec.dataset.trainProb', 'spec.outputDir', 'spec.trainSpec.trigger.condition.operator']);
});

test('one broken document does not hide the others of the same text', () => {
  const text = [stringify(validDataset), 'kind: [\n', stringify(edit(validModel, (o) => (o.spec.url = '')))].join('---\n');
  const result = validateText(text);
  expect(result.count).toBe(3);
  expect(result.objects.map((o) => o.kind)).toEqual(['Dataset']);
  expect(result.issues.map((i) => [i.documentIndex, i.code])).toEqual([
    [1, 'syntax'],
    [2, 'schema'],
  ]);
});

test('validation never throws, whatever the document', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const result = validateDocument(value);
      expect(result.valid).toBe(false);
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.string(), (text) => {
      validateText(text);
    }),
    { numRuns: 300 },
  );
});

test('timer values: every HH:MM from 00:00 to 24:00 is accepted and nothing else', () => {
  const valid = (start: string) => validateDocument(job((o) => (o.spec.trainSpec.trigger.timer.start = start))).valid;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), (h, m) => {
      expect(valid(`${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`)).toBe(true);
    }),
  );
  expect(valid('24:00')).toBe(true);
  fc.assert(
    fc.property(fc.string({ maxLength: 6 }).filter((s) => !/^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/.test(s)), (s) => {
      expect(valid(s)).toBe(false);
    }),
  );
});

test('trainProb: accepted exactly within [0, 1]', () => {
  const valid = (p: number) => validateDocument(job((o) => (o.spec.dataset.trainProb = p))).valid;
  fc.assert(fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (p) => expect(valid(p)).toBe(true)));
  fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }).filter((p) => p < 0 || p > 1), (p) => expect(valid(p)).toBe(false)));
});
