/**
 * Rollback (`sedna rollback JOB [--to-round N]`, annotation `sedna.io/rollback: <round|previous>@<time>`):
 * the models that served are recorded in `status.deployments`; a request names one of them, and the
 * job, once idle at (Train, Waiting), runs a round that only deploys it again (docs/design/rollback.md).
 * This module holds the pure parts: the history and which record a request means.
 */
import { DeployDecisionType, type DeploymentRecord, type JobCondition, type ModelInfo, type RollbackOutcome } from '@sedna-ts/api-types';
import { MAX_DEPLOYMENTS, type RollbackRequest } from '@sedna-ts/api-types/contract';
import { JobConditionType, JobStage } from '@sedna-ts/api-types';
import { conditionData, conditionRound, findLastCondition } from './conditions.js';

export { ROLLBACK_ANNOTATION, parseRollbackRequest, type RollbackRequest } from '@sedna-ts/api-types/contract';

/** The status fields rollback reads and writes (both built-in kinds have them). */
export interface RollbackStatus {
  deployments?: DeploymentRecord[];
  lastRollback?: RollbackOutcome;
  /** Rounds that only deployed an earlier model: `maxRounds` counts the others. */
  rollbackRounds?: number;
}

/** A request as `status.lastRollback.requested` keeps it: a hand-written long value cut, with its length. */
export function recordedRequest(value: string): string {
  return value.length > 120 ? `${value.slice(0, 80)}... (${value.length} characters)` : value;
}

/** The model without what describes one evaluation of it (metrics), as a deployment record keeps it. */
function servedModel(model: ModelInfo): ModelInfo {
  const { metrics: _metrics, ...rest } = model;
  return rest as ModelInfo;
}

/** Appends a record, keeping the newest `MAX_DEPLOYMENTS`. */
export function pushDeployment(status: RollbackStatus, record: DeploymentRecord): void {
  const list = [...(status.deployments ?? []), { ...record, model: servedModel(record.model) }];
  status.deployments = list.slice(Math.max(0, list.length - MAX_DEPLOYMENTS));
}

/**
 * At a round's end: when its Deploy stage put a model in service (a (Deploy, Ready) whose verdict is not
 * Keep), the record of it. The round that trained it: the rollback's target's, else the last round up
 * to this one whose Train completed (a manual deploy starts a round at Deploy), else this round.
 */
export function deploymentOfRound(
  conditions: readonly JobCondition[],
  round: number,
  now: string,
  served: (input: readonly ModelInfo[]) => ModelInfo | undefined = (input) => input[0],
): DeploymentRecord | undefined {
  const inRound = (c: JobCondition) => c.stage === JobStage.Deploy && conditionRound(c, round) === round;
  const ready = findLastCondition(conditions, (c) => inRound(c) && c.type === JobConditionType.Ready);
  if (!ready) return undefined;
  const data = conditionData(ready);
  const model = served(data.input?.models ?? (data.input?.model ? [data.input.model] : []));
  if (!model?.url) return undefined;
  const decided = findLastCondition(conditions, (c) => inRound(c) && conditionData(c).decision !== undefined);
  const verdict = decided ? conditionData(decided).decision?.decision : undefined;
  if (verdict === DeployDecisionType.Keep) return undefined;
  const rollback = findLastCondition(conditions, (c) => inRound(c) && conditionData(c).rollback !== undefined);
  const rolledTo = rollback ? conditionData(rollback).rollback : undefined;
  let trainedIn = round;
  if (rolledTo) trainedIn = rolledTo.toTrainedIn;
  else {
    const trained = findLastCondition(conditions, (c) => c.stage === JobStage.Train && c.type === JobConditionType.Completed && conditionRound(c, round) <= round);
    if (trained) trainedIn = conditionRound(trained, round);
  }
  return { round, trainedIn, decision: rolledTo ? DeployDecisionType.Rollback : (verdict ?? DeployDecisionType.Deploy), model, since: now };
}

/** What a request resolves to: the record to serve again and the one serving, or why not. */
export type RollbackTarget = { target: DeploymentRecord; current: DeploymentRecord } | { refused: string };

function describeRecord(r: DeploymentRecord): string {
  return r.round === 0 ? 'the initial model' : `round ${r.round}'s model`;
}

/**
 * Which served model a request means. `previous`: the newest record before the serving one that serves
 * another model; a round N: the model round N deployed (0: the initial deploy model). Refused when the
 * history has no such record, or when that model is the one serving.
 */
export function resolveRollback(deployments: readonly DeploymentRecord[] | undefined, target: RollbackRequest['target']): RollbackTarget {
  const list = deployments ?? [];
  const current = list[list.length - 1];
  if (!current) return { refused: 'no model has served yet: nothing to go back to' };
  let chosen: DeploymentRecord | undefined;
  if (target === 'previous') {
    for (let i = list.length - 2; i >= 0 && !chosen; i--) if ((list[i] as DeploymentRecord).model.url !== current.model.url) chosen = list[i];
    if (!chosen) return { refused: `no model served before the current one (${describeRecord(current)}, ${current.model.url})` };
  } else {
    chosen = list.find((r) => r.round === target && r.decision !== DeployDecisionType.Rollback);
    if (!chosen) {
      const rounds = list.filter((r) => r.decision !== DeployDecisionType.Rollback).map((r) => r.round);
      const known = rounds.length > 0 ? `rounds that deployed a model: ${rounds.join(', ')}` : 'no round deployed a model';
      const older = list.length >= MAX_DEPLOYMENTS ? ` (only the newest ${MAX_DEPLOYMENTS} deployments are kept)` : '';
      const rolled = list.find((r) => r.round === target && r.decision === DeployDecisionType.Rollback);
      if (rolled) return { refused: `round ${target} was a rollback to round ${rolled.trainedIn}: ask for round ${rolled.trainedIn} (${known}${older})` };
      return { refused: `round ${target} did not deploy a model (${known}${older})` };
    }
    if (chosen.model.url === current.model.url) return { refused: `${describeRecord(chosen)} (${chosen.model.url}) is the one serving now` };
  }
  return { target: chosen, current };
}
