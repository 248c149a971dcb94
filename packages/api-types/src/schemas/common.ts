/**
 * Sub-schemas shared by several kinds: references, parameters, triggers, conditions, and the model and
 * deploy-decision records our controller writes into job status.
 */
import { Type, type ObjectOptions, type Static, type TProperties, type TSchema } from '@sinclair/typebox';
import {
  ConditionStatus,
  DeployDecisionType,
  JobConditionType,
  JobStage,
  SEDNA_API_VERSION,
  TRIGGER_OPERATORS,
  type SednaKind,
} from '../constants.js';
import { HHMM, MESSAGE_KEY, MetricMapSchema, ObjectName, StringEnum, Timestamp } from './helpers.js';
import { ObjectMetaSchema } from './k8s.js';

/** An object that rejects fields it does not declare (spec objects: a typo is an error, not silently ignored). */
export function Strict<T extends TProperties>(properties: T, options: ObjectOptions = {}) {
  return Type.Object(properties, { ...options, additionalProperties: false });
}

/** `{name}` of another object in the same namespace. */
export const ObjectReferenceSchema = Strict({ name: ObjectName({ description: 'Name of the object, in the same namespace' }) });

/** A key/value parameter; values are strings, as in the original (`ParaSpec`). */
export const ParaSpecSchema = Strict({ key: Type.String({ minLength: 1 }), value: Type.String() });

/** A metric as a key/value string pair (Model and JointInferenceService status). */
export const MetricSchema = Type.Object({ key: Type.String(), value: Type.String() });

/** Hard-example-mining algorithm of an inference worker and its parameters (`IBT`, `CrossEntropy`, ...). */
export const HardExampleMiningSchema = Strict({
  name: Type.String({ minLength: 1, description: 'Algorithm name as registered in the worker SDK (IBT, CrossEntropy, Threshold, Random, EdgeOnly, CloudOnly)' }),
  parameters: Type.Optional(Type.Array(ParaSpecSchema, { description: 'Parameters of the algorithm, as strings' })),
});

/** Daily time window of a trigger, local time of the node. `start` > `end` wraps around midnight. */
export const TimerSchema = Strict({
  start: Type.String({ pattern: HHMM, [MESSAGE_KEY]: 'is not HH:MM between 00:00 and 24:00', description: 'Start of the window, HH:MM' }),
  end: Type.String({ pattern: HHMM, [MESSAGE_KEY]: 'is not HH:MM between 00:00 and 24:00', description: 'End of the window, HH:MM' }),
});

/** `metric operator threshold`, e.g. `num_of_samples > 500` or `precision_delta[0] > 0.1`. */
export const TriggerConditionSchema = Strict({
  operator: StringEnum(TRIGGER_OPERATORS, { description: 'Comparison: >=, >, =, ==, <=, <, ge, gt, eq, le, lt, ne, !=' }),
  threshold: Type.Number({ description: 'Value the metric is compared with' }),
  metric: Type.String({ minLength: 1, description: 'Metric name; name[i] indexes a list-valued metric' }),
});

/** When a stage fires: the timer window AND the condition, checked every `checkPeriodSeconds`. */
export const TriggerSchema = Strict({
  checkPeriodSeconds: Type.Optional(Type.Integer({ minimum: 1, description: 'How often the trigger is evaluated, in seconds' })),
  timer: Type.Optional(TimerSchema),
  condition: TriggerConditionSchema,
});

/** A model as it travels in reports and status: the wire `ModelInfo`. */
export const ModelInfoSchema = Type.Object({
  format: Type.String({ description: 'Model format, e.g. onnx, pb, ckpt' }),
  url: Type.String({ description: 'Where the model is, as the worker sees it' }),
  metrics: Type.Optional(MetricMapSchema),
  device_soc_versions: Type.Optional(Type.Array(Type.String())),
  sha256: Type.Optional(Type.String({ description: 'sha256 of the model file, hex' })),
  size: Type.Optional(Type.Integer({ minimum: 0, description: 'Size of the model file in bytes' })),
  create_time: Type.Optional(Type.String({ description: 'Lifelong learning: the create_time of the KB index at url' })),
  classes: Type.Optional(Type.Array(Type.String())),
  history_metric: Type.Optional(Type.String()),
  current_metric: Type.Optional(Type.String()),
  number_of_labeled_unseen_sample: Type.Optional(Type.Integer()),
  number_of_model: Type.Optional(Type.Integer()),
  number_of_unseen_sample: Type.Optional(Type.Integer()),
});

/** The deploy gate's verdict for one round, with the values it compared. */
export const DeployDecisionSchema = Type.Object({
  round: Type.Integer({ minimum: 0, description: 'Round the decision belongs to' }),
  decision: StringEnum(Object.values(DeployDecisionType), { description: 'Deploy, Keep, or ManualDeploy (the gate was bypassed by a manual trigger)' }),
  reason: Type.String({ description: 'Why, in words: e.g. "precision_delta 0.12 > 0.1"' }),
  metric: Type.String({ description: 'Metric of the deploy trigger condition' }),
  operator: StringEnum(TRIGGER_OPERATORS),
  threshold: Type.Number(),
  compared: MetricMapSchema,
  time: Timestamp({ description: 'When the decision was made' }),
  from: Type.Optional(Type.Object({ round: Type.Integer({ minimum: 0 }), url: Type.String() }, { description: 'Rollback: the model that served before (the round that trained it, its url)' })),
  to: Type.Optional(Type.Object({ round: Type.Integer({ minimum: 0 }), url: Type.String() }, { description: 'Rollback: the model that serves again (the round that deployed it first, its url)' })),
});

/** One model that served: which round deployed it, the round that produced it, and since when. */
export const DeploymentRecordSchema = Type.Object({
  round: Type.Integer({ minimum: 0, description: 'The round whose Deploy stage put it in service (0: the initial deploy model)' }),
  trainedIn: Type.Integer({ minimum: 0, description: 'The round that produced it (a rollback serves an earlier round\'s model again; 0: the initial model)' }),
  decision: StringEnum(['Initial', ...Object.values(DeployDecisionType)], { description: 'How it came to serve' }),
  model: ModelInfoSchema,
  since: Timestamp({ description: 'When it started to serve (the deploy completed)' }),
});

/** The outcome of the last `sedna rollback` (annotation `sedna.io/rollback`). */
export const RollbackOutcomeSchema = Type.Object({
  requested: Type.String({ description: 'The annotation value this outcome answers' }),
  result: StringEnum(['Pending', 'Done', 'Refused']),
  reason: Type.String({ description: 'In words: what serves now, what it waits for, or why it was refused' }),
  round: Type.Optional(Type.Integer({ minimum: 0, description: 'The round of the rollback\'s own Deploy stage' })),
  to: Type.Optional(Type.Integer({ minimum: 0, description: 'The round whose model serves again' })),
  time: Timestamp(),
});

/** One condition of an incremental or lifelong learning job; the list is append-only, the last is current. */
export const JobConditionSchema = Type.Object({
  type: StringEnum(Object.values(JobConditionType), { description: 'State of the stage' }),
  status: StringEnum(Object.values(ConditionStatus)),
  stage: StringEnum(Object.values(JobStage)),
  round: Type.Optional(Type.Integer({ minimum: 0, description: 'Round this condition belongs to' })),
  lastHeartbeatTime: Type.Optional(Timestamp()),
  lastTransitionTime: Type.Optional(Timestamp()),
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  data: Type.Optional(Type.String({ description: 'JSON of the stage input and output (IncrementalCondData)' })),
});

/** Current round: the one in progress or the last finished; 0 before the first. */
export const RoundSchema = Type.Integer({ minimum: 0, description: 'The round in progress or the last finished; 0 before the first' });

/** `{name}` of another object. */
export type ObjectReference = Static<typeof ObjectReferenceSchema>;
/** Key/value string parameter. */
export type ParaSpec = Static<typeof ParaSpecSchema>;
/** Key/value string metric. */
export type Metric = Static<typeof MetricSchema>;
/** Hard-example-mining algorithm and parameters. */
export type HardExampleMining = Static<typeof HardExampleMiningSchema>;
/** Daily window of a trigger. */
export type Timer = Static<typeof TimerSchema>;
/** `metric operator threshold` of a trigger. */
export type TriggerCondition = Static<typeof TriggerConditionSchema>;
/** Trigger of a stage. */
export type Trigger = Static<typeof TriggerSchema>;
/** The deploy gate's verdict for one round. */
export type DeployDecision = Static<typeof DeployDecisionSchema>;
/** One model that served (`status.deployments`). */
export type DeploymentRecord = Static<typeof DeploymentRecordSchema>;
/** The outcome of the last rollback request (`status.lastRollback`). */
export type RollbackOutcome = Static<typeof RollbackOutcomeSchema>;
/** One condition of an incremental or lifelong learning job. */
export type JobCondition = Static<typeof JobConditionSchema>;

/** The schema of a whole Sedna object: apiVersion, kind, metadata, spec, and the optional status. */
export function SednaObjectSchema<K extends SednaKind, Spec extends TSchema, Status extends TSchema>(kind: K, spec: Spec, status: Status) {
  return Strict({
    apiVersion: StringEnum([SEDNA_API_VERSION]),
    kind: StringEnum([kind]),
    metadata: ObjectMetaSchema,
    spec,
    status: Type.Optional(status),
  });
}
