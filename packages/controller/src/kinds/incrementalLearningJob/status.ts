/**
 * What an IncrementalLearningJob records in its status beyond the shared fields: `lastGoodModel`, the
 * model serving (the deploy Model until a round deploys), and at the end of each round `lastDecision`,
 * the deploy gate's verdict (docs/design/incremental-learning.md section 3).
 */
import {
  DeployDecisionType,
  JobConditionType,
  JobStage,
  type IncrementalLearningJob,
  type IncrementalLearningJobStatus,
  type JobCondition,
  type Model,
  type ModelInfo,
} from '@sedna-ts/api-types';
import { conditionData, conditionRound, findLastCondition } from '../../jobs/conditions.js';

function modelInfoOf(model: Model | undefined): ModelInfo | undefined {
  if (!model) return undefined;
  const info: ModelInfo = { format: model.spec.format, url: model.spec.url };
  if (model.spec.device_soc_versions) info.device_soc_versions = model.spec.device_soc_versions;
  return info;
}

/** First sync: the deploy Model serves until a round deploys. */
export function initialStatus(job: IncrementalLearningJob, status: IncrementalLearningJobStatus, models: ReadonlyMap<string, Model>): void {
  if (status.lastGoodModel) return;
  const initial = modelInfoOf(models.get(job.spec.deploySpec.model.name));
  if (initial) status.lastGoodModel = initial;
}

/**
 * Records the round's deploy verdict and, when it deployed, the model now serving. An original LC sends
 * no verdict: a round that went through (Deploy, Ready) passed the gate.
 */
export function recordRoundEnd(job: IncrementalLearningJob, status: IncrementalLearningJobStatus, conditions: readonly JobCondition[], round: number, now: string): void {
  const inRound = (c: JobCondition): boolean => c.stage === JobStage.Deploy && conditionRound(c, round) === round;
  const decided = findLastCondition(conditions, (c) => inRound(c) && conditionData(c).decision !== undefined);
  const ready = findLastCondition(conditions, (c) => inRound(c) && c.type === JobConditionType.Ready);
  let decision = decided ? conditionData(decided).decision : undefined;
  if (!decision) {
    const condition = job.spec.deploySpec.trigger.condition;
    if (condition) {
      decision = {
        round,
        decision: ready ? DeployDecisionType.Deploy : DeployDecisionType.Keep,
        reason: 'the local controller reported no decision',
        metric: condition.metric,
        operator: condition.operator,
        threshold: condition.threshold,
        compared: {},
        time: now,
      };
    }
  }
  if (decision) status.lastDecision = { ...decision, round };
  const deployed = decision ? decision.decision !== DeployDecisionType.Keep : ready !== undefined;
  const model = ready ? (conditionData(ready).input?.models?.[0] ?? conditionData(ready).input?.model) : undefined;
  if (deployed && model) status.lastGoodModel = model;
}
