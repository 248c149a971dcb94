// The eval worker, as a user writes it: every model of MODEL_URLS (the new one first, the deployed one
// second; the ONNX files, since the job deploys that format) on this round's eval index, scored with
// per-class precision and recall, reported to the LC in that order.
import { BaseConfig, IncrementalLearning, TxtDataParse } from '@sedna-ts/worker-sdk';
import { OnnxEstimator } from '@sedna-ts/worker-sdk/onnx';
import { boxesOf, parseLabels, precisionRecall, SIZE, type Box } from './detector.js';

const testData = await new TxtDataParse('eval').parse(BaseConfig.testDatasetUrl ?? '');

const il = new IncrementalLearning(
  () =>
    new OnnxEstimator<Box[]>({
      image: { width: SIZE, height: SIZE, resize: 'stretch', layout: 'NHWC' },
      postprocess: (prediction) => boxesOf(prediction),
      metrics: ({ predictions, data }) => precisionRecall(predictions, (data.y as string[][]).map(parseLabels)),
    }),
);
const results = await il.evaluate(testData);
// On stderr: in local mode stdout holds the report alone (one JSON line).
for (const model of results) console.error(`eval: ${model.url}: ${JSON.stringify(model.metrics)}`);
