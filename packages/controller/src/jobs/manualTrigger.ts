/**
 * The manual trigger: `sedna trigger <stage> JOB` sets the annotation `sedna.io/trigger:
 * <stage>@<RFC 3339 time>`. The LC acts on it when the named stage is Waiting; the Global Manager
 * removes it once that stage has left Waiting at or after the annotation's time.
 */
import { JobConditionType, type JobCondition } from '@sedna-ts/api-types';
import type { ManualTrigger } from '@sedna-ts/api-types/contract';
import { timeMs } from './conditions.js';

export { parseManualTrigger, type ManualTrigger } from '@sedna-ts/api-types/contract';

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
