/**
 * The manual trigger: `sedna trigger <stage> JOB` sets the annotation `sedna.io/trigger:
 * <stage>@<RFC 3339 time>`. The LC acts on it when the named stage is Waiting; the Global Manager
 * removes it once that stage has left Waiting at or after the annotation's time.
 */
import { JobConditionType, JobStage, type JobCondition } from '@sedna-ts/api-types';
import { timeMs } from './conditions.js';

/** A parsed manual trigger. */
export interface ManualTrigger {
  stage: JobStage;
  /** Milliseconds since the epoch of the annotation's time. */
  timeMs: number;
}

const STAGES: Record<string, JobStage> = { train: JobStage.Train, eval: JobStage.Eval, deploy: JobStage.Deploy };

/**
 * Parses the annotation value `<train|eval|deploy>@<RFC 3339 time>` (stage case-insensitive).
 * Returns an error text naming the value when it is malformed.
 */
export function parseManualTrigger(value: string): ManualTrigger | { error: string } {
  const at = value.indexOf('@');
  const stage = STAGES[(at < 0 ? value : value.slice(0, at)).trim().toLowerCase()];
  const time = at < 0 ? Number.NaN : Date.parse(value.slice(at + 1).trim());
  if (!stage || Number.isNaN(time)) {
    return { error: `${JSON.stringify(value)} is not <train|eval|deploy>@<RFC 3339 time>` };
  }
  return { stage, timeMs: time };
}

/**
 * Whether the named stage has left Waiting at or after the trigger's time: some (stage, Waiting)
 * condition is followed by one appended then. Condition times and the annotation's may have different
 * precision, so the annotation's time is compared at whole seconds.
 */
export function manualTriggerConsumed(trigger: ManualTrigger, conditions: readonly JobCondition[]): boolean {
  const since = Math.floor(trigger.timeMs / 1000) * 1000;
  for (let i = 0; i + 1 < conditions.length; i++) {
    const waiting = conditions[i] as JobCondition;
    if (waiting.stage !== trigger.stage || waiting.type !== JobConditionType.Waiting) continue;
    const left = timeMs((conditions[i + 1] as JobCondition).lastTransitionTime);
    if (left >= since) return true;
  }
  return false;
}
