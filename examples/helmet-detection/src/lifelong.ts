/**
 * What the workers of the lifelong-learning job share: the sample shapes (a labelled frame as a row
 * `{site, path}`, a camera frame as its PNG bytes with a `site` text chunk), the task allocation that
 * reads the site from either, the detector adapted to a KB of tfjs-trained models, and the job's
 * `LifelongLearning`, configured from the job template's env as the original's parameters.
 */
import { dirname } from 'node:path';
import { type KbExtractor } from '@sedna-ts/api-types/contract';
import { BaseDataSource, Context, keyPart, LifelongLearning, TxtDataParse, type Allocation, type DataSource, type EstimatorFactory, type ModuleSpec, type TaskAllocation } from '@sedna-ts/worker-sdk';
import { type Detection } from './boxes.js';
import { HelmetError } from './errors.js';
import { attributesOf } from './indexFile.js';
import { HelmetDetector, type HelmetDetectorOptions } from './onnxDetector.js';
import { readPngText, SITE_KEYWORD } from './pngText.js';
import { parseFrameId } from './scene.js';
import { type HelmetTrainer } from './trainer.js';

/** The attribute that defines the job's tasks: one task per camera site. */
export const SITE_ATTRIBUTE = 'site';

/** A labelled frame as the train and eval workers hand it to the SDK: its site and its image's path. */
export interface SiteRow {
  site: string;
  path: string;
}

/** A sample of the job: a labelled frame's row, or a camera frame's PNG bytes (its site in a text chunk). */
export type SiteSample = SiteRow | Uint8Array;

/** The site of an index line: its `site=` token, else the scenario of the frame id in its image name. */
function siteOfLine(path: string, tokens: readonly unknown[]): string {
  const site = attributesOf(tokens)[SITE_ATTRIBUTE];
  if (site !== undefined) return site;
  try {
    return parseFrameId(path).scenario;
  } catch {
    throw new HelmetError('INVALID_LABEL', `lifelong sample ${path}: no ${SITE_ATTRIBUTE}=<site> token and no frame id in its name`);
  }
}

/**
 * The labelled frames of an index as `{site, path}` rows (paths resolved against `root`, by default the
 * Dataset's folder: ORIGINAL_DATASET_URL, else the index's) with their label tokens in `y`.
 */
export async function readSiteSamples(indexFile: string, dataType: 'train' | 'eval', root?: string): Promise<DataSource> {
  const parsed = new TxtDataParse('train');
  await parsed.parse(indexFile, root === undefined ? {} : { root });
  const data = new BaseDataSource(dataType);
  data.x = parsed.x.map((path, i) => ({ site: siteOfLine(String(path), (parsed.y[i] as unknown[] | undefined) ?? []), path: String(path) }) satisfies SiteRow);
  data.y = parsed.y;
  return data;
}

/**
 * Task allocation by site, for both sample shapes: a row's `site` column (what the SDK's
 * `TaskDefinitionByDataAttr` defined the tasks by, so the keys agree), or a frame's PNG `site` text chunk.
 * The sample goes on as its model takes it: a row as `{path}`, a frame as its bytes. A frame without a
 * site gets the key `''`, which no task has: it is unseen.
 */
export class TaskAllocationBySite implements TaskAllocation {
  allocate(samples: readonly unknown[], extractor: KbExtractor | null): Allocation[] {
    return samples.map((sample, i) => {
      let site: string | undefined;
      let x: unknown;
      if (sample instanceof Uint8Array) {
        site = readPngText(sample, SITE_KEYWORD);
        x = sample;
      } else if (sample !== null && typeof sample === 'object' && typeof (sample as SiteRow).path === 'string') {
        const { [SITE_ATTRIBUTE]: value, ...rest } = sample as SiteRow;
        site = value;
        x = rest;
      } else {
        throw new HelmetError('INVALID_ARGUMENT', `TaskAllocationBySite: sample ${i} is neither PNG bytes nor a {site, path} row`);
      }
      const key = site === undefined ? '' : keyPart(site);
      const keys = extractor?.keys ?? {};
      const meta: Record<string, string> = site === undefined ? {} : { [SITE_ATTRIBUTE]: site };
      return { key, meta_attr: meta, x, group: Object.prototype.hasOwnProperty.call(keys, key) ? keys[key] : undefined };
    });
  }
}

/**
 * The detector on onnxruntime for a KB whose models were trained with tfjs: loading a model's primary
 * file (`model.json`) opens the ONNX export saved beside it (`model.onnx`). The eval and inference
 * workers use it.
 */
export class KbHelmetDetector extends HelmetDetector {
  constructor(options: HelmetDetectorOptions = {}) {
    super(options);
  }

  override async load(modelUrl: string): Promise<void> {
    await super.load(modelUrl.endsWith('.json') ? dirname(modelUrl) : modelUrl);
  }
}

/** A module from env `<name>` (its method) and `<name>_param` (a JSON object), with a default. */
function moduleFromEnv(name: string, fallback: ModuleSpec): ModuleSpec {
  const method = Context.getParameters(name);
  if (!method) return fallback;
  return { method, param: Context.getParameters(`${name}_param`, '{}') };
}

/**
 * The job's LifelongLearning over an estimator per task: tasks by the `site` attribute
 * (`TaskDefinitionByDataAttr`), samples allocated by `TaskAllocationBySite`, unseen frames by attribute
 * (env `unseen_sample_recognition=SampleRegonitionByConfidence` with `unseen_sample_recognition_param=
 * {"threshold": 0.5}` adds the detector's best box score).
 *
 * @example
 * const ll = helmetLearning(() => new KbHelmetDetector());
 * const { result, isUnseen, tasks } = await ll.inference(pngBytes);
 */
export function helmetLearning(estimator: () => HelmetTrainer | HelmetDetector): LifelongLearning<SiteSample, Detection[]> {
  // The allocation hands each model what it takes: `{path}` rows (train and eval, read by samplesOf) or
  // a frame's PNG bytes (inference); the estimators' own input type names only the paths and bytes.
  return new LifelongLearning<SiteSample, Detection[]>(estimator as unknown as EstimatorFactory<SiteSample, Detection[]>, {
    task_definition: { method: 'TaskDefinitionByDataAttr', param: { attribute: [SITE_ATTRIBUTE] } },
    task_allocation: new TaskAllocationBySite(),
    unseen_sample_recognition: moduleFromEnv('unseen_sample_recognition', { method: 'SampleRegonitionByAttribute' }),
    task_update_decision: moduleFromEnv('task_update_decision', { method: 'UpdateStrategyDefault' }),
  });
}
