import fs from 'node:fs';
import path from 'node:path';
import { BAD_JOB, DATASET, MODEL_JSON, SECRET, repoRoot, run, tempTree } from './helpers.js';

let tree: ReturnType<typeof tempTree>;
afterEach(() => tree?.cleanup());

test('a folder of valid YAML and JSON objects: exit 0 and a summary on stderr, nothing on stdout', async () => {
  tree = tempTree({ 'dataset.yaml': DATASET, 'model.json': MODEL_JSON, 'notes.txt': 'not a manifest' });
  const r = await run(['validate', '-f', '.'], { cwd: tree.dir });
  expect(r).toEqual({ code: 0, stdout: '', stderr: '2 objects in 2 files: all valid\n' });
});

test('invalid objects: exit 1 and one line per problem, PATH: Kind namespace/name: dotted.path: "value" message', async () => {
  tree = tempTree({ 'jobs/job.yaml': BAD_JOB, 'dataset.yml': DATASET });
  const r = await run(['validate', '-f', 'jobs/job.yaml', '-f', 'dataset.yml'], { cwd: tree.dir });
  expect(r.code).toBe(1);
  expect(r.stdout.split('\n')).toEqual([
    'jobs/job.yaml: IncrementalLearningJob default/helmet: spec.dataset.trainProb: 1.5 must be between 0 and 1',
    'jobs/job.yaml: IncrementalLearningJob default/helmet: spec.trainSpec.trigger.timer.start: "25:00" is not HH:MM between 00:00 and 24:00',
    '',
  ]);
  expect(r.stderr).toBe('2 objects in 2 files: 1 invalid\n');
});

test('a YAML error is reported as PATH:line:col', async () => {
  tree = tempTree({ 'a.yaml': `${DATASET}---\nkind: Model\nkind: Dataset\n` });
  const r = await run(['validate', '-f', 'a.yaml', '-q'], { cwd: tree.dir });
  expect(r).toEqual({ code: 1, stdout: 'a.yaml:11:1: YAML: duplicate key: Map keys must be unique\n', stderr: '' });
});

test('- reads standard input, named <stdin> in messages', async () => {
  const r = await run(['validate', '-f', '-'], { stdin: BAD_JOB.replace('1.5', '0.5') });
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('<stdin>: IncrementalLearningJob default/helmet: spec.trainSpec.trigger.timer.start: "25:00" is not HH:MM between 00:00 and 24:00\n');
});

test('the older edgeai.io form is accepted; --verbose says so', async () => {
  const seed = fs.readFileSync(path.join(repoRoot, 'packages/api-types/test/fixtures/seed-000/incremental-learning-job.edgeai.yaml'), 'utf8');
  const r = await run(['validate', '-f', '-', '--verbose'], { stdin: seed });
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('<stdin>: IncrementalLearningJob default/helmet-detection-demo: valid (older edgeai.io form, normalised)\n');
});

test('sub-folders are read only with -R', async () => {
  tree = tempTree({ 'top.yaml': DATASET, 'sub/bad.yaml': BAD_JOB });
  expect((await run(['validate', '-f', '.'], { cwd: tree.dir })).code).toBe(0);
  const r = await run(['validate', '-f', '.', '-R'], { cwd: tree.dir });
  expect(r.code).toBe(1);
  expect(r.stdout).toContain('sub/bad.yaml: IncrementalLearningJob default/helmet: spec.dataset.trainProb');
});

test('a path that does not exist: exit 3', async () => {
  tree = tempTree({});
  expect(await run(['validate', '-f', 'missing.yaml'], { cwd: tree.dir })).toEqual({
    code: 3,
    stdout: '',
    stderr: 'sedna: missing.yaml: no such file or folder\n',
  });
});

test('a folder without manifests: exit 3; a file without objects: exit 1', async () => {
  tree = tempTree({ 'empty/readme.md': '# hi', 'blank.yaml': '# nothing here\n' });
  const folder = await run(['validate', '-f', 'empty'], { cwd: tree.dir });
  expect(folder.code).toBe(3);
  expect(folder.stderr).toBe('sedna: empty: no *.yaml, *.yml, *.json files in this folder\n');
  const blank = await run(['validate', '-f', 'blank.yaml'], { cwd: tree.dir });
  expect(blank).toEqual({ code: 1, stdout: '', stderr: 'sedna: no objects in blank.yaml\n' });
});

test('usage errors exit 2: no verb, unknown verb, unknown flag, validate without -f', async () => {
  expect((await run([])).code).toBe(2);
  const unknownVerb = await run(['frobnicate']);
  expect(unknownVerb.code).toBe(2);
  expect(unknownVerb.stderr).toContain("unknown command 'frobnicate'");
  const unknownFlag = await run(['validate', '--bogus']);
  expect(unknownFlag.code).toBe(2);
  expect(unknownFlag.stderr).toContain("unknown option '--bogus'");
  const noFile = await run(['validate']);
  expect(noFile).toEqual({ code: 2, stdout: '', stderr: 'sedna: validate needs at least one -f PATH (a file, a folder, or - for stdin)\n' });
  expect((await run(['validate', '-f'])).code).toBe(2);
});

test('--help and --version exit 0; help lists the verbs and the exit codes', async () => {
  const help = await run(['--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/validate \[options\][\s\S]*crds \[options\][\s\S]*Exit codes: 0 ok, 1 invalid input, 2 usage, 3 not found, 4 unreachable/);
  const version = await run(['--version']);
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'packages/cli/package.json'), 'utf8')) as { version: string };
  expect(version).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  expect((await run(['validate', '--help'])).stdout).toContain('PATH: Kind namespace/name: dotted.path: "value" message');
});

test('the project\'s own examples validate', async () => {
  const r = await run(['validate', '-f', 'examples/objects'], { cwd: repoRoot });
  expect(r.stdout).toBe('');
  expect(r.code).toBe(0);
});

test('other Kubernetes objects (a Secret beside a job) are not checked beyond apiVersion, kind and name, and the summary says so', async () => {
  tree = tempTree({ 'dataset.yaml': DATASET, 'secret.yaml': SECRET });
  const r = await run(['validate', '-f', '.', '-v'], { cwd: tree.dir });
  expect(r).toEqual({
    code: 0,
    stdout: 'dataset.yaml: Dataset default/helmet: valid\nsecret.yaml: Secret default/s3-credentials: not a Sedna object, not checked\n',
    stderr: '2 objects in 2 files: all valid (1 not a Sedna object, not checked)\n',
  });
  const nameless = await run(['validate', '-f', '-'], { stdin: 'apiVersion: v1\nkind: Secret\nmetadata: {}\n' });
  expect(nameless).toMatchObject({ code: 1, stdout: '<stdin>: Secret default/(no name): metadata.name: is required\n' });
});

test('a Sedna kind under a mistyped group, or a near miss of the group, is still checked as a Sedna object', async () => {
  const typo = await run(['validate', '-f', '-', '-q'], { stdin: DATASET.replace('sedna.io/v1alpha1', 'sedna.oi/v1alpha1') });
  expect(typo).toEqual({ code: 1, stdout: '<stdin>: Dataset default/helmet: apiVersion: "sedna.oi/v1alpha1" is not a Sedna API version: did you mean "sedna.io/v1alpha1"?\n', stderr: '' });
  const kind = await run(['validate', '-f', '-', '-q'], { stdin: DATASET.replace('kind: Dataset', 'kind: Datset') });
  expect(kind.code).toBe(1);
  expect(kind.stdout).toContain('kind: "Datset" is not a Sedna kind: did you mean "Dataset"?');
});

test("a name or kind with terminal escapes (CSI, OSC 8, BEL) is printed escaped, never raw", async () => {
  const hostile = DATASET.replace(/name: [^\n]+/, 'name: "a\\e[2J\\e]8;;http://evil\\atext\\e]8;;\\a\\tb"');
  const r = await run(['validate', '-f', '-', '--verbose'], { stdin: hostile });
  expect(`${r.stdout}${r.stderr}`).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/);
  expect(r.stdout).toContain('\\x1b[2J\\x1b]8;;http://evil\\x07text\\x1b]8;;\\x07');
});
