import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, type CliIo } from '../src/index.js';

/** packages/cli */
export const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The repository's root. */
export const repoRoot = path.resolve(packageDir, '../..');

/** Options of {@link run}. */
export interface RunOptions {
  cwd?: string;
  stdin?: string;
  /** The environment the command sees (default: HOME set to a folder that does not exist, nothing else). */
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** Receives stdout as it is written (for commands that run until aborted). */
  onStdout?: (all: string) => void;
}

/** A HOME for commands under test, so they never find the user's ~/.sedna. */
export const NO_HOME = path.join(os.tmpdir(), 'sedna-cli-test-no-home');

/** Runs `sedna <argv>` in-process in `cwd`, with `stdin` as standard input; returns exit code and output. */
export async function run(argv: string[], options: RunOptions = {}) {
  let stdout = '';
  let stderr = '';
  const text = (s: string | Uint8Array) => (typeof s === 'string' ? s : Buffer.from(s).toString('utf8'));
  const io: CliIo = {
    stdout: {
      write: (s: string | Uint8Array) => {
        stdout += text(s);
        options.onStdout?.(stdout);
      },
    },
    stderr: { write: (s: string | Uint8Array) => (stderr += text(s)) },
    readStdin: async () => options.stdin ?? '',
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? { HOME: NO_HOME },
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** A temp folder with `files` (relative path -> content); removed by the returned cleanup. */
export function tempTree(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedna-cli-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export const DATASET = `apiVersion: sedna.io/v1alpha1
kind: Dataset
metadata:
  name: helmet
spec:
  url: /data/index.txt
  format: txt
  nodeName: edge-node
`;

export const MODEL_JSON = JSON.stringify({
  apiVersion: 'sedna.io/v1alpha1',
  kind: 'Model',
  metadata: { name: 'deploy-model', namespace: 'factory' },
  spec: { url: '/models/m.onnx', format: 'onnx' },
});

export const BAD_JOB = `apiVersion: sedna.io/v1alpha1
kind: IncrementalLearningJob
metadata:
  name: helmet
spec:
  dataset: {name: helmet, trainProb: 1.5}
  initialModel: {name: initial-model}
  outputDir: /output
  trainSpec:
    template: {spec: {containers: [{name: train, image: x}]}}
    trigger:
      timer: {start: "25:00", end: "04:00"}
      condition: {operator: ">", threshold: 500, metric: num_of_samples}
  evalSpec:
    template: {spec: {containers: [{name: eval, image: x}]}}
  deploySpec:
    model: {name: deploy-model}
    trigger:
      condition: {operator: ">", threshold: 0.1, metric: precision_delta}
`;

export const MODELS = `apiVersion: sedna.io/v1alpha1
kind: Model
metadata:
  name: initial-model
spec:
  url: /models/initial/model.json
  format: tfjs
---
apiVersion: sedna.io/v1alpha1
kind: Model
metadata:
  name: deploy-model
spec:
  url: /models/deploy/model.onnx
  format: onnx
`;

export const JOB = `apiVersion: sedna.io/v1alpha1
kind: IncrementalLearningJob
metadata:
  name: helmet
spec:
  dataset: {name: helmet, trainProb: 0.8}
  initialModel: {name: initial-model}
  outputDir: /srv/helmet-output
  trainSpec:
    template: {spec: {nodeName: edge-node, containers: [{name: train, image: sedna-ts/worker-node:0.1, args: [train.mjs]}]}}
    trigger:
      timer: {start: "00:00", end: "24:00"}
      condition: {operator: ">", threshold: 500, metric: num_of_samples}
  evalSpec:
    template: {spec: {nodeName: edge-node, containers: [{name: eval, image: sedna-ts/worker-node:0.1, args: [eval.mjs]}]}}
  deploySpec:
    model: {name: deploy-model}
    trigger:
      condition: {operator: ">", threshold: 0.1, metric: precision_delta}
`;

export const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: s3-credentials
stringData:
  ACCESS_KEY_ID: minio
`;

/** The original's crd-samples/lifelonglearningjobv1alpha1.yaml, its containers' env and volumes left out. */
export const LIFELONG_JOB = `apiVersion: sedna.io/v1alpha1
kind: LifelongLearningJob
metadata:
  name: atcii
spec:
  dataset:
    name: lifelong-dataset
    trainProb: 0.8
  trainSpec:
    template:
      spec:
        nodeName: edge-node
        containers:
          - image: kubeedge/sedna-example-lifelong-learning-atcii-classifier:v0.3.0
            name: train-worker
            imagePullPolicy: IfNotPresent
            args: ["train.py"]
    trigger:
      checkPeriodSeconds: 60
      timer:
        start: "02:00"
        end: "24:00"
      condition:
        operator: ">"
        threshold: 500
        metric: num_of_samples
  evalSpec:
    template:
      spec:
        nodeName: edge-node
        containers:
          - image: kubeedge/sedna-example-lifelong-learning-atcii-classifier:v0.3.0
            name: eval-worker
            imagePullPolicy: IfNotPresent
            args: ["eval.py"]
  deploySpec:
    template:
      spec:
        nodeName: edge-node
        containers:
          - image: kubeedge/sedna-example-lifelong-learning-atcii-classifier:v0.3.0
            name: infer-worker
            imagePullPolicy: IfNotPresent
            args: ["inference.py"]
  outputDir: /output
`;
