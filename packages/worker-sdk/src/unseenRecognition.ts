import { ClassType, registerBuiltin, type Registrable } from './classFactory.js';
import { WorkerSdkError } from './errors.js';
import { type Allocation } from './lifelongTasks.js';

/**
 * Unseen-sample recognition (the original's `unseen_task_detect` modules): whether a sample belongs to a
 * task the knowledge base has not learnt. The original's default (`SampleRegonitionDefault`) called
 * every sample seen or unseen at random; ours decide from the task key and the model's confidence.
 */

/** A recogniser's verdict on one sample. */
export interface UnseenVerdict {
  unseen: boolean;
  /** `attribute`: its task key is unknown; `confidence`: its model was unsure. */
  reason?: 'attribute' | 'confidence';
  /** The confidence that was judged, for `confidence`. */
  confidence?: number;
}

/** Stage `unseen_sample_recognition`: judged before the model runs (`allocation` only) and after it (with the prediction). */
export interface UnseenSampleRecognition {
  /** Before prediction: unseen when its task is unknown. */
  beforePredict(allocation: Allocation): UnseenVerdict;
  /** After prediction by its task's model: unseen when the model was unsure. */
  afterPredict(allocation: Allocation, prediction: unknown): UnseenVerdict;
}

/**
 * The confidence of a prediction: a number itself; the largest of a list of numbers (class
 * probabilities); `confidence`, `score` or the largest of `probabilities` of an object; the largest
 * `score` of a list of boxes. Undefined when there is nothing to judge (no boxes, another shape).
 */
export function confidenceOf(prediction: unknown): number | undefined {
  const max = (values: unknown[]): number | undefined => {
    const numbers = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    return numbers.length > 0 ? Math.max(...numbers) : undefined;
  };
  if (typeof prediction === 'number') return Number.isFinite(prediction) ? prediction : undefined;
  if (ArrayBuffer.isView(prediction) && !(prediction instanceof DataView)) return max(Array.from(prediction as unknown as ArrayLike<number>));
  if (Array.isArray(prediction)) {
    if (prediction.every((v) => typeof v === 'number')) return max(prediction);
    return max(prediction.map((b) => (b !== null && typeof b === 'object' ? (b as { score?: unknown }).score : undefined)));
  }
  if (prediction !== null && typeof prediction === 'object') {
    const p = prediction as { confidence?: unknown; score?: unknown; probabilities?: unknown };
    if (typeof p.confidence === 'number') return p.confidence;
    if (typeof p.score === 'number') return p.score;
    if (Array.isArray(p.probabilities) || ArrayBuffer.isView(p.probabilities)) return confidenceOf(p.probabilities);
  }
  return undefined;
}

/**
 * `SampleRegonitionByAttribute` (also spelled `SampleRecognitionByAttribute`; the original's name
 * `SampleRegonitionDefault` resolves to it, instead of the original's random 50/50 placeholder): a
 * sample is unseen when its task key is not in the index's extractor. Never judges after prediction.
 */
export class SampleRecognitionByAttribute implements UnseenSampleRecognition {
  constructor(_param: Record<string, unknown> = {}) {}

  beforePredict(allocation: Allocation): UnseenVerdict {
    return allocation.group === undefined ? { unseen: true, reason: 'attribute' } : { unseen: false };
  }

  afterPredict(_allocation: Allocation, _prediction: unknown): UnseenVerdict {
    return { unseen: false };
  }
}

function thresholdParam(owner: string, param: Record<string, unknown>, fallback: number): number {
  const raw = param.threshold;
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new WorkerSdkError('CONFIG_INVALID', `${owner}: param threshold: ${JSON.stringify(raw)} is not a number in [0, 1]`);
  return value;
}

/**
 * `SampleRegonitionByConfidence` (also `SampleRecognitionByConfidence`): unseen when the task key is
 * unknown, or when the model's confidence (`confidenceOf`: max class probability, max box score) is
 * below `threshold` (param, default 0.5).
 */
export class SampleRecognitionByConfidence extends SampleRecognitionByAttribute {
  readonly threshold: number;

  constructor(param: Record<string, unknown> = {}) {
    super(param);
    this.threshold = thresholdParam(new.target.name, param, 0.5);
  }

  override afterPredict(_allocation: Allocation, prediction: unknown): UnseenVerdict {
    const confidence = confidenceOf(prediction);
    if (confidence === undefined || confidence >= this.threshold) return { unseen: false };
    return { unseen: true, reason: 'confidence', confidence };
  }
}

/**
 * `TaskAttrFilter` (Gen-1 UTD): unseen when no task of the index has the sample's attribute values,
 * i.e. its key is not in the extractor (the original compared `meta_attr` lists; the same verdict).
 */
export class TaskAttrFilter extends SampleRecognitionByAttribute {}

/**
 * `ModelProbeFilter` (Gen-1 UTD), as intended: unseen when the model's max probability is below
 * `threshold` (default 0.5). The original compared the wrong way round on an object without
 * `predict_proba`, so it called every sample unseen.
 */
export class ModelProbeFilter extends SampleRecognitionByConfidence {}

/**
 * `SampleReRegonitionDefault` (update-time re-recognition): splits labelled samples' task keys into those
 * the previous index knew and those it did not (the original split the list in halves).
 */
export class SampleReRecognitionDefault {
  constructor(_param: Record<string, unknown> = {}) {}

  split(keys: readonly string[], known: Readonly<Record<string, number>>): { seen: string[]; unseen: string[] } {
    const seen: string[] = [];
    const unseen: string[] = [];
    for (const key of keys) (Object.prototype.hasOwnProperty.call(known, key) ? seen : unseen).push(key);
    return { seen, unseen };
  }
}

const UTD_MODULES: ReadonlyArray<[Registrable, string[]]> = [
  [SampleRecognitionByAttribute, ['SampleRegonitionByAttribute', 'SampleRecognitionByAttribute', 'SampleRegonitionDefault', 'SampleRecognitionDefault']],
  [SampleRecognitionByConfidence, ['SampleRegonitionByConfidence', 'SampleRecognitionByConfidence']],
  [SampleReRecognitionDefault, ['SampleReRegonitionDefault', 'SampleReRecognitionDefault']],
  [TaskAttrFilter, ['TaskAttrFilter']],
  [ModelProbeFilter, ['ModelProbeFilter']],
];
for (const [cls, names] of UTD_MODULES) for (const name of names) registerBuiltin(cls, ClassType.UTD, name);
