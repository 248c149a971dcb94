import { type KbIndex } from '@sedna-ts/api-types/contract';
import { ClassType, registerBuiltin } from './classFactory.js';
import { WorkerSdkError } from './errors.js';
import { type LlTask } from './lifelongTasks.js';

/**
 * What happens to the KB when a later round brings new labelled samples (the original's
 * `task_update_decision`, ClassType `knowledge_management`), and the eval's drop rule
 * (`evaluate_tasks`).
 */

/** What a task update decision makes of this round's tasks. */
export interface TaskUpdatePlan {
  /** Tasks whose key the previous index knows, by the index of their group: that group's model is fine-tuned. */
  finetune: Map<number, LlTask[]>;
  /** Tasks with a new key: new groups. */
  create: LlTask[];
  /** Tasks left out, with why. */
  skipped: Array<{ task: LlTask; reason: string }>;
}

/** Stage `task_update_decision`. */
export interface TaskUpdateDecision {
  decide(previous: KbIndex, tasks: readonly LlTask[]): TaskUpdatePlan;
}

function split(previous: KbIndex, tasks: readonly LlTask[]): { known: Map<number, LlTask[]>; unknown: LlTask[] } {
  const keys = previous.seen_task.extractor?.keys ?? {};
  const known = new Map<number, LlTask[]>();
  const unknown: LlTask[] = [];
  for (const task of tasks) {
    const group = Object.prototype.hasOwnProperty.call(keys, task.entry) ? keys[task.entry] : undefined;
    if (group === undefined) unknown.push(task);
    else known.set(group, [...(known.get(group) ?? []), task]);
  }
  return { known, unknown };
}

/**
 * `UpdateStrategyDefault` (named by the original as its default but never written, so its `update()`
 * could not run): tasks with a known key fine-tune their group's model; tasks with a new key become new
 * groups (the original could not create tasks in an update).
 */
export class UpdateStrategyDefault implements TaskUpdateDecision {
  constructor(_param: Record<string, unknown> = {}) {}

  decide(previous: KbIndex, tasks: readonly LlTask[]): TaskUpdatePlan {
    const { known, unknown } = split(previous, tasks);
    return { finetune: known, create: unknown, skipped: [] };
  }
}

/**
 * `UpdateStrategyByFinetune`: fine-tune only. Tasks with a new key are skipped (they stay unknown, so
 * their samples stay unseen). The original's class of this name was broken and never registered.
 */
export class UpdateStrategyByFinetune implements TaskUpdateDecision {
  constructor(_param: Record<string, unknown> = {}) {}

  decide(previous: KbIndex, tasks: readonly LlTask[]): TaskUpdatePlan {
    const { known, unknown } = split(previous, tasks);
    return { finetune: known, create: [], skipped: unknown.map((task) => ({ task, reason: 'UpdateStrategyByFinetune does not create tasks' })) };
  }
}

registerBuiltin(UpdateStrategyDefault, ClassType.KM, 'UpdateStrategyDefault');
registerBuiltin(UpdateStrategyByFinetune, ClassType.KM, 'UpdateStrategyByFinetune');

// ---------------------------------------------------------------------------------------------------
// The eval's drop rule

/** The operators of the drop rule. */
export const DROP_OPERATORS = ['>', '<', '=', '>=', '<='] as const;
/** One of `DROP_OPERATORS`. */
export type DropOperator = (typeof DROP_OPERATORS)[number];

/** An operator as given (env `operator`); anything else means `<`, as the original. */
export function dropOperatorOf(value: string | undefined): DropOperator {
  const trimmed = (value ?? '').trim();
  return (DROP_OPERATORS as readonly string[]).includes(trimmed) ? (trimmed as DropOperator) : '<';
}

/**
 * The original's `evaluate_tasks` rule: a group's new model is dropped when ANY of its scores satisfies
 * `score <operator> threshold` (the operator states the drop condition). Returns the first score that
 * does, as `"<metric> <score> <op> <threshold>"`, or undefined to keep the model. Non-numeric scores are
 * ignored.
 */
export function dropReason(scores: Readonly<Record<string, unknown>>, operator: DropOperator, threshold: number): string | undefined {
  const holds: Record<DropOperator, (a: number, b: number) => boolean> = {
    '>': (a, b) => a > b,
    '<': (a, b) => a < b,
    '=': (a, b) => a === b,
    '>=': (a, b) => a >= b,
    '<=': (a, b) => a <= b,
  };
  for (const [metric, score] of Object.entries(scores)) {
    if (typeof score === 'number' && Number.isFinite(score) && holds[operator](score, threshold)) return `${metric} ${score} ${operator} ${threshold}`;
  }
  return undefined;
}

/**
 * Remove task group `position` from an index (a new group whose model the eval dropped: its tasks become
 * unknown again): later groups move down, their extractor keys and model indices follow.
 */
export function removeTaskGroup(index: KbIndex, position: number): void {
  const groups = index.seen_task.task_groups;
  if (position < 0 || position >= groups.length) throw new WorkerSdkError('INTERNAL', `removeTaskGroup: ${position} is not a group of ${groups.length}`);
  groups.splice(position, 1);
  groups.forEach((group, i) => {
    group.model.index = i;
    if (group.previous_model) group.previous_model.index = i;
  });
  const extractor = index.seen_task.extractor;
  if (extractor) {
    for (const [key, n] of Object.entries(extractor.keys)) {
      if (n === position) delete extractor.keys[key];
      else if (n > position) extractor.keys[key] = n - 1;
    }
  }
}
