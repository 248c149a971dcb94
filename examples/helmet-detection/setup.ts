// Prepares a folder for the job on one machine and writes its objects with the paths filled in:
//   npx tsx setup.ts --root <folder> [--node edge-node] [--test 300] [--fresh]
// then `sedna apply -f <folder>/jobs/helmet-detection.yaml`. The folder gets:
//   dataset/index.txt          the Dataset's index, empty: the labeller appends to it
//   models/initial/            the base model in tfjs (what round 1 fine-tunes)
//   models/deploy/model.onnx   the base model in ONNX (what the inference worker starts with)
//   frames/                    the camera's folder, read by the inference worker
//   output/, stats/            the job's outputDir; the inference worker's counters
//   test-b/index.txt           300 frames of scenario B with their boxes, to measure mAP@0.5
//   jobs/helmet-detection.yaml the objects of jobs/embedded/ with ${HELMET_ROOT}, ${HELMET_EXAMPLE_DIR}, ${HELMET_NODE} filled in
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HelmetError } from './src/errors.js';
import { prepareJobFolder } from './src/jobFolder.js';

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    node: { type: 'string', default: 'edge-node' },
    test: { type: 'string', default: '300' },
    fresh: { type: 'boolean', default: false },
  },
});
if (values.root === undefined) throw new HelmetError('INVALID_ARGUMENT', 'setup: --root <folder> is required');
const folder = await prepareJobFolder({
  root: values.root,
  exampleDir: dirname(fileURLToPath(import.meta.url)),
  node: values.node as string,
  testFrames: Number(values.test),
  fresh: values.fresh as boolean,
});
console.log(`setup: ${folder.root} is ready; apply the job with: sedna apply -f ${folder.jobFile}`);
