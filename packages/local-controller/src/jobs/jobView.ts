/**
 * Reading an IncrementalLearningJob as the GM sends it: its conditions with their round, attempt and
 * parsed `data`, the manual trigger annotation, which worker belongs to which stage, and which model a
 * round produced. Pure functions over the object.
 */
import {
  type IncrementalCondData,
  type JobConditionType,
  type JobStage,
  type ModelInfo,
} from '@sedna-ts/api-types';
import { TRIGGER_ANNOTATION, parseConditionData, parseManualTrigger } from '@sedna-ts/api-types/contract';
import type { LcJob } from './jobKind.js';



/** One condition with what the LC needs from it. */
export interface ConditionView {
  stage: JobStage;
  type: JobConditionType;
  /** The round it belongs to (`round`, else `data.round`, else the job's `status.round`). */
  round: number;
  /** The stage attempt (`data.attempt`, else 1). */
  attempt: number;
  reason: string;
  data: IncrementalCondData;
  /** Position in `status.conditions`. */
  index: number;
}

const STAGES: Readonly<Record<string, JobStage>> = { train: 'Train', eval: 'Eval', deploy: 'Deploy' };

/** `Train`, `Eval` or `Deploy` from any casing (`train`, `TRAIN`, ...), else undefined. */
export function stageOf(value: string | undefined): JobStage | undefined {
  return value ? STAGES[value.trim().toLowerCase()] : undefined;
}

/** The job's round: `status.round`, 0 before the first. */
export function jobRound(job: LcJob): number {
  const round = job.status?.round;
  return typeof round === 'number' && Number.isInteger(round) && round >= 0 ? round : 0;
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/** Every condition of the job, oldest first. */
export function conditionsOf(job: LcJob): ConditionView[] {
  const round = jobRound(job);
  return (job.status?.conditions ?? []).map((c, index) => {
    const data = parseConditionData(c.data);
    return {
      stage: stageOf(c.stage) ?? 'Train',
      type: c.type,
      round: positiveInt(c.round) ?? positiveInt(data.round) ?? round,
      attempt: positiveInt(data.attempt) || 1,
      reason: c.reason ?? '',
      data,
      index,
    };
  });
}

/** The current state: the last condition. */
export function latestCondition(job: LcJob): ConditionView | undefined {
  const all = conditionsOf(job);
  return all[all.length - 1];
}

/**
 * The manual trigger the annotation asks for, if any (`value` is the whole annotation, to act on it
 * once). A malformed value, or one far in the future of `nowMs`, is no trigger: the GM removes it as
 * invalid, with the same parser.
 */
export function manualTrigger(job: LcJob, nowMs?: number): { stage: JobStage; value: string } | undefined {
  const value = job.metadata.annotations?.[TRIGGER_ANNOTATION];
  if (!value) return undefined;
  const parsed = parseManualTrigger(value, nowMs);
  return 'error' in parsed ? undefined : { stage: parsed.stage, value };
}

/** Which stage, round and attempt the worker `name` runs, from the (S, Starting) condition naming it. */
export function findWorker(job: LcJob, name: string): { stage: JobStage; round: number; attempt: number } | undefined {
  const all = conditionsOf(job);
  for (let i = all.length - 1; i >= 0; i--) {
    const c = all[i] as ConditionView;
    if (c.data.worker === name) return { stage: c.stage, round: c.round, attempt: c.attempt };
  }
  return undefined;
}

/** The latest condition of `stage` in `round` (optionally of a type). */
export function lastConditionOf(job: LcJob, stage: JobStage, round: number, type?: JobConditionType): ConditionView | undefined {
  const all = conditionsOf(job);
  for (let i = all.length - 1; i >= 0; i--) {
    const c = all[i] as ConditionView;
    if (c.stage === stage && c.round === round && (type === undefined || c.type === type)) return c;
  }
  return undefined;
}

/** The models of a condition's output (or input when `from` says so). */
export function modelsOf(data: IncrementalCondData, from: 'output' | 'input' = 'output'): ModelInfo[] {
  const part = data[from];
  if (!part) return [];
  const list = Array.isArray(part.models) ? part.models : [];
  return part.model ? [part.model, ...list] : list;
}

/** The model of `format` (case-insensitive) in `models`, else the first one. */
export function pickModel(models: readonly ModelInfo[], format: string | undefined): ModelInfo | undefined {
  if (format) {
    const wanted = format.trim().toLowerCase();
    const match = models.find((m) => (m.format ?? '').toLowerCase() === wanted);
    if (match) return match;
  }
  return models[0];
}

/** The output models of the last (Train, Completed) of a round up to `maxRound`, and its round. */
export function lastTrainOutput(job: LcJob, maxRound: number): { round: number; models: ModelInfo[] } | undefined {
  const all = conditionsOf(job);
  for (let i = all.length - 1; i >= 0; i--) {
    const c = all[i] as ConditionView;
    if (c.stage === 'Train' && c.type === 'Completed' && c.round <= maxRound) {
      const models = modelsOf(c.data);
      if (models.length > 0) return { round: c.round, models };
    }
  }
  return undefined;
}

/** The output models of the (Train, Completed) that produced the model at `url`. */
export function trainOutputWith(job: LcJob, url: string): ModelInfo[] | undefined {
  const all = conditionsOf(job);
  for (let i = all.length - 1; i >= 0; i--) {
    const c = all[i] as ConditionView;
    if (c.stage === 'Train' && c.type === 'Completed') {
      const models = modelsOf(c.data);
      if (models.some((m) => m.url === url)) return models;
    }
  }
  return undefined;
}
