/**
 * What a LifelongLearningJob records in its status beyond the shared fields
 * (docs/design/lifelong-learning.md#status):
 * - `knowledgeBase`: the KB as the last train or eval worker reported it (`ownerInfo.knowledge_base`):
 *   one AIModel per task group, with its task, metrics and train samples; the unseen samples the LC counts
 *   on the edge (`statistics`) and the labelled unseen samples the KB learnt;
 * - `servingIndex`: the index the inference worker serves, once it confirmed it;
 * - `lastDecision`: at the end of each round, the task groups deployed and dropped and the index deployed
 *   or kept.
 */
import {
  JobConditionType,
  JobStage,
  type JobCondition,
  type KnowledgeBaseStatus,
  type LifelongDecision,
  type LifelongLearningJob,
  type LifelongLearningJobStatus,
  type UpstreamJobMessage,
} from '@sedna-ts/api-types';
import { readKbSummary, type KbSummary } from '@sedna-ts/api-types/contract';
import { conditionData, conditionRound, findLastCondition } from '../../jobs/conditions.js';

/** Key of the LC's unseen-sample count in a statistics message's `output.ownerInfo`. */
export const UNSEEN_COUNT_KEY = 'numberOfUnseenSample';

function emptyKnowledgeBase(): KnowledgeBaseStatus {
  return {
    AIModels: { numberOfAIModels: 0, listOfAIModels: [] },
    AIClasses: { numberOfAIClasses: 0, listOfAIClasses: [] },
    samples: { numberOfLabeledUnseenSample: 0, numberOfUnseenSample: 0 },
  };
}

/** First sync: an empty knowledge base, so `describe` shows one before the first round. */
export function initialStatus(_job: LifelongLearningJob, status: LifelongLearningJobStatus): void {
  status.knowledgeBase ??= emptyKnowledgeBase();
}

function firstMetric(metrics: Record<string, unknown>): number {
  for (const value of Object.values(metrics)) {
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (Array.isArray(value) && typeof value[0] === 'number') return value[0];
  }
  return 0;
}

function summaryOf(condition: JobCondition | undefined): KbSummary | undefined {
  return condition ? readKbSummary(conditionData(condition).output?.ownerInfo) : undefined;
}

/** `knowledgeBase` from the last completed train or eval that reported one. */
export function knowledgeBaseFromConditions(_job: LifelongLearningJob, status: LifelongLearningJobStatus, conditions: readonly JobCondition[]): void {
  const reported = findLastCondition(
    conditions,
    (c) => c.type === JobConditionType.Completed && (c.stage === JobStage.Train || c.stage === JobStage.Eval) && summaryOf(c) !== undefined,
  );
  const summary = summaryOf(reported);
  if (!summary) return;
  const kb = status.knowledgeBase ?? emptyKnowledgeBase();
  const models = summary.models.map((m) => ({
    modelID: m.modelID,
    averagePrecision: firstMetric(m.metrics),
    numberOfTrainSamples: Math.max(0, Math.trunc(m.numberOfTrainSamples)),
    task: m.task,
    metrics: Object.fromEntries(Object.entries(m.metrics).filter(([, v]) => typeof v === 'number' && Number.isFinite(v))) as Record<string, number>,
    ...(Number.isInteger(m.round) ? { round: m.round } : {}),
  }));
  const classes = Array.isArray(summary.classes) ? summary.classes.filter((c): c is string => typeof c === 'string') : kb.AIClasses.listOfAIClasses ?? [];
  status.knowledgeBase = {
    AIModels: { numberOfAIModels: models.length, listOfAIModels: models },
    AIClasses: { numberOfAIClasses: classes.length, listOfAIClasses: classes },
    samples: {
      numberOfLabeledUnseenSample: Math.max(0, Math.trunc(summary.numberOfLabeledUnseenSample ?? kb.samples.numberOfLabeledUnseenSample)),
      numberOfUnseenSample: kb.samples.numberOfUnseenSample,
    },
  };
}

/** A statistics message of the LC: the unseen samples kept on the edge now. */
export function recordStatistics(_job: LifelongLearningJob, status: LifelongLearningJobStatus, message: UpstreamJobMessage): boolean {
  const count = message.output?.ownerInfo?.[UNSEEN_COUNT_KEY];
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) return false;
  const kb = status.knowledgeBase ?? emptyKnowledgeBase();
  status.knowledgeBase = { ...kb, samples: { ...kb.samples, numberOfUnseenSample: count } };
  return true;
}

/**
 * The end of a round: Deploy when the LC published an index ((Deploy, Ready) in the round), Keep when it
 * completed the stage itself because no task changed; the task groups deployed and dropped come from the
 * eval's KB summary. A deployed index becomes `servingIndex` (the inference worker confirmed it).
 */
export function recordRoundEnd(_job: LifelongLearningJob, status: LifelongLearningJobStatus, conditions: readonly JobCondition[], round: number, now: string): void {
  const inRound = (stage: JobStage, type: JobConditionType) => (c: JobCondition) => c.stage === stage && c.type === type && conditionRound(c, round) === round;
  const ready = findLastCondition(conditions, inRound(JobStage.Deploy, JobConditionType.Ready));
  const completed = findLastCondition(conditions, inRound(JobStage.Deploy, JobConditionType.Completed));
  const evaluated = summaryOf(findLastCondition(conditions, inRound(JobStage.Eval, JobConditionType.Completed)));
  const dropped = (evaluated?.dropped ?? []).map((d) => ({ task: d.task, modelID: d.modelID, scores: d.scores, reason: d.reason }));
  const droppedTasks = new Set(dropped.map((d) => d.task));
  const changed = (evaluated?.changed ?? []).filter((task) => !droppedTasks.has(task));
  const index = ready ? conditionData(ready).input?.models?.[0] : undefined;
  const rollbackCondition = findLastCondition(conditions, (c) => c.stage === JobStage.Deploy && conditionRound(c, round) === round && conditionData(c).rollback !== undefined);
  const rollback = rollbackCondition ? conditionData(rollbackCondition).rollback : undefined;
  const rolledBack = ready ? conditionData(ready).decision : undefined;
  const decision: LifelongDecision = ready && rollback
    ? {
        round,
        decision: 'Rollback',
        reason: rolledBack?.reason ?? `sedna rollback: the index round ${rollback.to} deployed serves again`,
        deployed: [],
        dropped: [],
        time: now,
        ...(rolledBack?.from ? { from: rolledBack.from } : {}),
        ...(rolledBack?.to ? { to: rolledBack.to } : {}),
      }
    : ready
    ? {
        round,
        decision: 'Deploy',
        reason: changed.length > 0 ? `task groups ${changed.join(', ')} changed` : 'the index changed',
        deployed: changed,
        dropped,
        time: now,
      }
    : {
        round,
        decision: 'Keep',
        reason:
          (conditionData(completed).output?.ownerInfo?.reason as string | undefined) ??
          (completed?.message && !completed.message.startsWith('reported by') ? completed.message : 'no task group changed'),
        deployed: [],
        dropped,
        time: now,
      };
  if (index?.url) {
    const createTime = index.create_time ?? '';
    decision.index = { url: index.url, createTime };
    status.servingIndex = { url: index.url, createTime, round };
  }
  status.lastDecision = decision;
}
