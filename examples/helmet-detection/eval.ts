// The eval worker of the IncrementalLearningJob: evaluates every model of MODEL_URLS (the new model
// first, the deployed one second) on TEST_DATASET_URL and reports precision and recall per class (the
// original helmet example's metrics) plus AP per class and mAP@0.5; the LC's deploy gate compares them.
//
// Standalone, without a job: print the metrics of models on a labelled index, nothing reported:
//   npx tsx eval.ts --model models/base/model.onnx [--model other.onnx] --data work/testB/index.txt [--json]
import { parseArgs } from 'node:util';
import { BaseConfig, Context, IncrementalLearning, TxtDataParse } from '@sedna-ts/worker-sdk';
import { HelmetError } from './src/errors.js';
import { CLASS_NAMES } from './src/scenarios.js';
import { HelmetDetector } from './src/onnxDetector.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    data: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const objThreshold = Context.getFloat('obj_threshold', 0.5);

if (values.model !== undefined || values.data !== undefined) {
  if (!values.model?.length || values.data === undefined) throw new HelmetError('INVALID_ARGUMENT', 'eval: standalone use needs --model <file.onnx> (one or more) and --data <index.txt>');
  const data = new TxtDataParse('test');
  await data.parse(values.data, { useRaw: true });
  const results = [];
  for (const model of values.model) {
    const detector = new HelmetDetector();
    results.push({ model, metrics: await detector.evaluate(data, { modelPath: model, obj_threshold: objThreshold }) });
    await detector.dispose();
  }
  if (values.json) console.log(JSON.stringify(results));
  else for (const r of results) console.log(describe(r.model, r.metrics));
} else {
  const testUrl = BaseConfig.testDatasetUrl;
  if (!testUrl) throw new HelmetError('INVALID_ARGUMENT', 'eval: env TEST_DATASET_URL is not set (run as the eval worker of a job, or pass --model and --data)');
  const data = new TxtDataParse('test');
  await data.parse(testUrl, { useRaw: true });
  console.log(`eval: ${data.numExamples()} images from ${testUrl}; models ${BaseConfig.modelUrls ?? BaseConfig.modelUrl}`);
  const results = await new IncrementalLearning(() => new HelmetDetector()).evaluate(data, { obj_threshold: objThreshold });
  for (const r of results) console.log(describe(r.url, r.metrics ?? {}));
}

function describe(model: string, metrics: Record<string, unknown>): string {
  const list = (key: string) => CLASS_NAMES.map((name, i) => `${name} ${Number((metrics[key] as number[] | undefined)?.[i] ?? Number.NaN).toFixed(3)}`).join(', ');
  return `${model}: mAP@0.5 ${Number(metrics.map50).toFixed(3)} | precision ${list('precision')} | recall ${list('recall')} | AP ${list('ap')}`;
}
