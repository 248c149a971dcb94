/**
 * `sedna describe KIND [NAME...]` or `sedna describe KIND/NAME...`: an object in words. For learning
 * jobs: the conditions as a timeline, the deploy decisions and the metrics per round, the job's pods and
 * recent events, and for a job without a condition why it has none (from the GM's Lease). For any other
 * kind: its metadata, spec and status, and its events.
 */
import { getKindInfo, SEDNA_GROUP, type DeployDecision, type DeploymentRecord, type KnowledgeBaseStatus, type LifelongDecision, type RollbackOutcome, type ServingIndex } from '@sedna-ts/api-types';
import { ATTEMPT_LABEL, ROLLBACK_ANNOTATION, ROUND_LABEL, TRIGGER_ANNOTATION, workerLabelKeys, type WorkerLabelKeys } from '@sedna-ts/api-types/contract';
import type { Command } from 'commander';
import type { CommandModule } from '../command.js';
import { checkNames, kindNameArgs } from '../names.js';
import { collectionPath, objectPath, type ApiResource } from '../discovery.js';
import { CliError, toCliError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import { namespaceFlags } from '../flags.js';
import { needsController, readGmPresence, type GmPresence } from '../gmPresence.js';
import type { CliIo } from '../io.js';
import { conditionData, currentState, decisions, formatMetric, metricsPerRound, timeline, type LearningJobStatus } from '../jobView.js';
import { age, formatColumns, toYaml, withTypeMeta, type KubeObject } from '../printers.js';
import type { ServerOptions } from '../server.js';
import { checkNamespaceOptions, withSession, type NamespaceOptions, type Session } from '../session.js';

/** Options of `sedna describe`. */
export interface DescribeOptions extends ServerOptions, NamespaceOptions {
  selector?: string;
}

/** Most events shown. */
const EVENT_LIMIT = 20;

interface PodObject extends KubeObject {
  status?: {
    phase?: string;
    reason?: string;
    containerStatuses?: Array<{ name: string; ready?: boolean; state?: { running?: object; terminated?: { exitCode?: number; reason?: string; signal?: number }; waiting?: { reason?: string } } }>;
  };
}

interface EventObject extends KubeObject {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  involvedObject?: { kind?: string; name?: string; uid?: string };
  lastTimestamp?: string;
  firstTimestamp?: string;
  eventTime?: string;
}

function field(label: string, value: string, width = 16): string {
  return `${`${label}:`.padEnd(width)}${value}\n`;
}

/** A field inside a section (indented as the section's columns). */
function sub(label: string, value: string, width = 16): string {
  return `  ${field(label, value, width)}`;
}

function keyValues(map: Record<string, string> | undefined): string {
  const entries = Object.entries(map ?? {});
  if (entries.length === 0) return '<none>';
  return entries.map(([k, v]) => `${k}=${v.length > 120 ? `${v.slice(0, 117)}...` : v}`).join('\n'.padEnd(17));
}

function section(title: string, body: string): string {
  return `${title}:\n${body === '' ? '  <none>\n' : body}`;
}

function indentYaml(value: unknown): string {
  if (value === undefined || value === null) return '  <none>\n';
  return toYaml(value)
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}\n`)
    .join('');
}

/** The time of an event for sorting and display. */
function eventTime(e: EventObject): string {
  return e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '';
}

function header(o: KubeObject, r: ApiResource): string {
  const m = o.metadata ?? {};
  let out = field('Name', m.name ?? '');
  if (r.namespaced) out += field('Namespace', m.namespace ?? '');
  out += field('Kind', `${o.kind ?? r.kind} (${o.apiVersion ?? ''})`);
  out += field('Labels', keyValues(m.labels));
  out += field('Annotations', keyValues(Object.fromEntries(Object.entries(m.annotations ?? {}).filter(([k]) => k !== 'kubectl.kubernetes.io/last-applied-configuration'))));
  out += field('Created', m.creationTimestamp ? `${m.creationTimestamp} (${age(m.creationTimestamp)} ago)` : '<unknown>');
  if (m.deletionTimestamp) out += field('Deleting', `since ${m.deletionTimestamp}${m.finalizers?.length ? `, waiting for ${m.finalizers.join(', ')}` : ''}`);
  const owners = (m.ownerReferences ?? []).map((ref) => `${ref.kind}/${ref.name}`);
  if (owners.length > 0) out += field('Controlled By', owners.join(', '));
  return out;
}

/** The inference workers of a job that serve now: pods Running, not being deleted, every container ready. */
function servingPods(pods: readonly PodObject[], labelKeys: WorkerLabelKeys): string[] {
  return pods
    .filter((p) => p.metadata?.labels?.[labelKeys.workerType] === 'inference' && p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp)
    .filter((p) => (p.status?.containerStatuses ?? []).length > 0 && (p.status?.containerStatuses ?? []).every((c) => c.ready === true))
    .map((p) => p.metadata?.name ?? '');
}

function jobSummary(job: KubeObject, presence: GmPresence | undefined, serving: readonly string[]): string {
  const spec = (job.spec ?? {}) as {
    dataset?: { name?: string; trainProb?: number };
    initialModel?: { name?: string };
    deploySpec?: { model?: { name?: string; hotUpdateEnabled?: boolean; pollPeriodSeconds?: number } };
    outputDir?: string;
    maxRounds?: number;
  };
  const status = (job.status ?? {}) as LearningJobStatus;
  let out = '';
  if (spec.dataset?.name) out += field('Dataset', `${spec.dataset.name}${spec.dataset.trainProb !== undefined ? ` (trainProb ${spec.dataset.trainProb})` : ''}`);
  if (spec.initialModel?.name) out += field('Initial Model', spec.initialModel.name);
  const deploy = spec.deploySpec?.model;
  if (deploy?.name) out += field('Deploy Model', `${deploy.name}${deploy.hotUpdateEnabled ? `, hot update every ${deploy.pollPeriodSeconds ?? 60}s` : ''}`);
  if (spec.outputDir) out += field('Output Dir', spec.outputDir);
  if (spec.maxRounds !== undefined) out += field('Max Rounds', String(spec.maxRounds));
  out += field('State', currentState(status, job.kind, presence));
  if (status.startTime) out += field('Started', status.startTime);
  if (status.completionTime) out += field('Completed', status.completionTime);
  const good = status.lastGoodModel;
  // The model the job would serve is not served unless an inference worker is up.
  if (good && serving.length > 0) out += field('Serving Model', `${good.url} (${good.format}), by ${serving.join(', ')}`);
  else if (good) out += field('Serving Model', `<none>: no inference worker of this job is running and ready (the model it would serve: ${good.url} (${good.format}))`);
  const index = (job.status as LifelongStatus | undefined)?.servingIndex;
  if (index) out += field('Serving Index', `${index.url} (round ${index.round}, create_time ${index.createTime})`);
  else if (job.kind === 'LifelongLearningJob') out += field('Serving Index', '(none yet: the inference worker starts at the first deploy)');
  const rollback = job.metadata?.annotations?.[ROLLBACK_ANNOTATION];
  const outcome = (job.status as ModelHistoryStatus | undefined)?.lastRollback;
  if (outcome) out += field('Last Rollback', `${outcome.requested}: ${outcome.result}: ${outcome.reason}`);
  if (rollback && outcome?.requested !== rollback) out += field('Rollback', `${rollback} (asked; the global manager has not answered it yet)`);
  const trigger = job.metadata?.annotations?.[TRIGGER_ANNOTATION];
  if (trigger) out += field('Manual Trigger', `${trigger} (pending: the annotation goes once that stage leaves Waiting)`);
  return out;
}

/** The lifelong-learning fields of a status describe reads. */
interface LifelongStatus {
  knowledgeBase?: KnowledgeBaseStatus;
  servingIndex?: ServingIndex;
  lastDecision?: LifelongDecision | DeployDecision;
}

/** The knowledge base of a lifelong-learning job: one row per task model, then the sample counts. */
function knowledgeBaseSection(status: LifelongStatus): string {
  const kb = status.knowledgeBase;
  if (!kb) return '';
  const models = kb.AIModels.listOfAIModels ?? [];
  const names = [...new Set(models.flatMap((m) => Object.keys(m.metrics ?? {})))].sort();
  const rows = [['TASK', 'MODEL', 'ROUND', 'TRAIN SAMPLES', ...(names.length > 0 ? names.map((n) => n.toUpperCase()) : ['AVERAGE PRECISION'])]];
  for (const m of models) {
    rows.push([
      m.task ?? '',
      m.modelID,
      m.round === undefined ? '' : String(m.round),
      String(m.numberOfTrainSamples),
      ...(names.length > 0 ? names.map((n) => formatMetric(m.metrics?.[n])) : [formatMetric(m.averagePrecision)]),
    ]);
  }
  let body = sub('Models', String(kb.AIModels.numberOfAIModels), 28);
  body += sub('Unseen Samples (edge)', String(kb.samples.numberOfUnseenSample), 28);
  body += sub('Labelled Unseen Learnt', String(kb.samples.numberOfLabeledUnseenSample), 28);
  if (kb.AIClasses.numberOfAIClasses > 0) body += sub('Classes', (kb.AIClasses.listOfAIClasses ?? []).join(', '), 28);
  if (models.length > 0) body += formatColumns(rows, '  ');
  return section('Knowledge Base', body);
}

/**
 * Every lifelong-learning round that ended, from the conditions: Deploy (an index was deployed, its
 * create_time) or Keep (the LC kept the serving index, and why); then the last decision in full.
 */
function lifelongDecisionSection(status: LifelongStatus & LearningJobStatus): string {
  const d = status.lastDecision as LifelongDecision | undefined;
  if (!d || !Array.isArray((d as { deployed?: unknown }).deployed)) return '';
  const rows = [['ROUND', 'DECISION', 'INDEX', 'REASON']];
  const conditions = status.conditions ?? [];
  for (const ended of conditions.filter((c) => c.stage === 'Deploy' && c.type === 'Completed')) {
    const round = ended.round ?? conditionData(ended).round;
    const ready = conditions.find((c) => c.stage === 'Deploy' && c.type === 'Ready' && (c.round ?? conditionData(c).round) === round);
    const index = ready ? conditionData(ready).input?.models?.[0]?.create_time ?? '' : '';
    const reason = ready ? '' : String(conditionData(ended).output?.ownerInfo?.reason ?? '');
    rows.push([String(round ?? ''), ready ? 'Deploy' : 'Keep', index, reason]);
  }
  let body = rows.length > 1 ? `${formatColumns(rows, '  ')}` : '';
  body += sub('Round', String(d.round));
  body += sub('Decision', d.decision);
  body += sub('Reason', d.reason);
  if (d.deployed.length > 0) body += sub('Deployed', d.deployed.join(', '));
  for (const drop of d.dropped) body += sub('Dropped', `${drop.task} (${drop.modelID}): ${drop.reason}`);
  if (d.index) body += sub('Index', `${d.index.url} (create_time ${d.index.createTime})`);
  return section('Rounds', body);
}

function timelineSection(status: LearningJobStatus): string {
  const entries = timeline(status);
  if (entries.length === 0) return section('Conditions', '');
  const rows = [['TIME', 'ROUND', 'STAGE', 'TYPE', 'ATTEMPT', 'REASON', 'MESSAGE']];
  for (const e of entries) rows.push([e.time, e.round === undefined ? '' : String(e.round), e.stage, e.type, e.attempt === undefined ? '' : String(e.attempt), e.reason, e.message]);
  return section('Conditions', formatColumns(rows, '  '));
}

/** The fields of a status the Models section reads (both learning kinds have them). */
interface ModelHistoryStatus {
  deployments?: DeploymentRecord[];
  lastRollback?: RollbackOutcome;
}

/**
 * The models each round trained (from its (Train, Completed) output; the oldest rounds' conditions may
 * have been dropped), then the ones that served, when, and how they came to (the gate, a manual deploy,
 * a rollback), from `status.deployments`: what `sedna rollback` can go back to.
 */
function modelsSection(status: LearningJobStatus & ModelHistoryStatus): string {
  const trained = (status.conditions ?? []).filter((c) => c.stage === 'Train' && c.type === 'Completed');
  const served = status.deployments ?? [];
  let out = '';
  if (trained.length > 0) {
    const rows = [['ROUND', 'TRAINED']];
    for (const c of trained) {
      const models = conditionData(c).output?.models ?? [];
      rows.push([String(c.round ?? conditionData(c).round ?? ''), models.map((m) => `${m.url} (${m.format})`).join(', ') || '(no model reported)']);
    }
    out += section('Trained Models', formatColumns(rows, '  '));
  }
  if (served.length > 0) {
    const rows = [['SINCE', 'UNTIL', 'ROUND', 'HOW', 'MODEL']];
    served.forEach((d, i) => {
      const until = served[i + 1]?.since ?? 'serving';
      const how = d.decision === 'Rollback' ? `Rollback to round ${d.trainedIn}` : d.decision === 'Initial' ? 'Initial' : `${d.decision} (trained in round ${d.trainedIn})`;
      rows.push([d.since, until, String(d.round), how, d.model.url]);
    });
    out += section('Served Models', formatColumns(rows, '  '));
  }
  return out;
}

function decisionsSection(status: LearningJobStatus): string {
  const entries = decisions(status);
  if (entries.length === 0) return section('Decisions', '');
  const rows = [['ROUND', 'DECISION', 'METRIC', 'VALUE', 'OPERATOR', 'THRESHOLD', 'REASON']];
  for (const d of entries) rows.push([String(d.round), d.decision, d.metric, formatMetric(d.value), d.operator, d.threshold === undefined ? '' : String(d.threshold), d.reason]);
  return section('Decisions', formatColumns(rows, '  '));
}

function metricsSection(status: LearningJobStatus): string {
  const entries = metricsPerRound(status);
  if (entries.length === 0) return section('Metrics', '');
  const names = [...new Set(entries.flatMap((e) => Object.keys(e.metrics)))].sort();
  const rows = [['ROUND', 'MODEL', ...names.map((n) => n.toUpperCase()), 'URL']];
  for (const e of entries) rows.push([String(e.round), e.model, ...names.map((n) => formatMetric(e.metrics[n])), e.url]);
  return section('Metrics', formatColumns(rows, '  '));
}

function podsSection(pods: readonly PodObject[], labelKeys: WorkerLabelKeys): string {
  if (pods.length === 0) return section('Pods', '');
  const rows = [['NAME', 'STAGE', 'ROUND', 'ATTEMPT', 'PHASE', 'EXIT', 'AGE']];
  for (const p of pods) {
    const labels = p.metadata?.labels ?? {};
    const terminated = p.status?.containerStatuses?.map((c) => c.state?.terminated).find(Boolean);
    const waiting = p.status?.containerStatuses?.map((c) => c.state?.waiting?.reason).find(Boolean);
    const exit = terminated ? `${terminated.exitCode ?? ''}${terminated.reason ? ` (${terminated.reason})` : ''}` : (waiting ?? '');
    rows.push([
      p.metadata?.name ?? '',
      labels[labelKeys.workerType] ?? '',
      labels[ROUND_LABEL] ?? '',
      labels[ATTEMPT_LABEL] ?? '',
      `${p.status?.phase ?? 'Pending'}${p.metadata?.deletionTimestamp ? ' (terminating)' : ''}`,
      exit,
      age(p.metadata?.creationTimestamp),
    ]);
  }
  return section('Pods', formatColumns(rows, '  '));
}

function eventsSection(events: readonly EventObject[]): string {
  if (events.length === 0) return section('Events', '');
  const rows = [['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']];
  for (const e of events) {
    const count = e.count && e.count > 1 ? ` (x${e.count})` : '';
    rows.push([age(eventTime(e)), e.type ?? '', e.reason ?? '', `${(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name ?? ''}`, `${(e.message ?? '').trim()}${count}`]);
  }
  return section('Events', formatColumns(rows, '  '));
}

/** Events of the given objects (by uid), oldest first, at most the last {@link EVENT_LIMIT}. */
async function eventsOf(session: Session, namespace: string | undefined, uids: ReadonlySet<string>): Promise<EventObject[]> {
  const events = await session.resolve('events').catch(() => undefined);
  if (!events || uids.size === 0) return [];
  const query = uids.size === 1 ? { fieldSelector: `involvedObject.uid=${[...uids][0]}` } : {};
  const list = await session.client.get<{ items?: EventObject[] }>(collectionPath(events, namespace), { query }).catch(() => ({ items: [] as EventObject[] }));
  return (list.items ?? [])
    .filter((e) => e.involvedObject?.uid && uids.has(e.involvedObject.uid))
    .sort((a, b) => eventTime(a).localeCompare(eventTime(b)))
    .slice(-EVENT_LIMIT);
}

/** The description of one object; `gmPresence` reads the GM's Lease (once per command) when it has to be told. */
async function describeObject(session: Session, r: ApiResource, o: KubeObject, gmPresence: () => Promise<GmPresence | undefined>): Promise<string> {
  const namespace = r.namespaced ? o.metadata?.namespace : undefined;
  const uid = o.metadata?.uid ?? '';
  let out = header(o, r);
  // A learning job, or a kind a GM plug-in added (sedna.io, unknown to api-types): its conditions tell its state.
  if (r.group === SEDNA_GROUP && (getKindInfo(r.kind)?.learningJob || (!getKindInfo(r.kind) && needsController(r.group, r.kind)))) {
    const status = (o.status ?? {}) as LearningJobStatus;
    const labelKeys = workerLabelKeys(r.kind.toLowerCase());
    const pods = await session
      .resolve('pods')
      .then((podsResource) =>
        session.client.get<{ items?: PodObject[] }>(collectionPath(podsResource, namespace), { query: { labelSelector: `${labelKeys.name}=${o.metadata?.name ?? ''}` } }),
      )
      .then((list) => (list.items ?? []).filter((p) => !p.metadata?.labels?.[labelKeys.uid] || p.metadata.labels[labelKeys.uid] === uid))
      .catch(() => [] as PodObject[]);
    // By round and attempt (the clock has only seconds), then age and name.
    const num = (p: PodObject, label: string) => Number(p.metadata?.labels?.[label] ?? 0) || 0;
    pods.sort(
      (a, b) =>
        num(a, ROUND_LABEL) - num(b, ROUND_LABEL) ||
        num(a, ATTEMPT_LABEL) - num(b, ATTEMPT_LABEL) ||
        (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') ||
        (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
    );
    out += jobSummary(o, status.conditions?.length ? undefined : await gmPresence(), servingPods(pods, labelKeys));
    out += timelineSection(status);
    // The deploy gate's decisions (metric, operator, threshold) are IncrementalLearningJob's; a lifelong round's are in Rounds.
    if (r.kind !== 'LifelongLearningJob') out += decisionsSection(status);
    out += lifelongDecisionSection((o.status ?? {}) as LifelongStatus & LearningJobStatus);
    out += knowledgeBaseSection((o.status ?? {}) as LifelongStatus);
    out += metricsSection(status);
    out += modelsSection(status as LearningJobStatus & ModelHistoryStatus);
    out += podsSection(pods, labelKeys);
    const uids = new Set([uid, ...pods.map((p) => p.metadata?.uid ?? '')].filter(Boolean));
    out += eventsSection(await eventsOf(session, namespace, uids));
    return out;
  }
  const { apiVersion: _a, kind: _k, metadata: _m, ...rest } = o;
  for (const [key, value] of Object.entries(rest)) out += `${key.charAt(0).toUpperCase()}${key.slice(1)}:\n${indentYaml(value)}`;
  out += eventsSection(await eventsOf(session, namespace, new Set([uid].filter(Boolean))));
  return out;
}

/** Runs `sedna describe`; resolves to the exit code. */
export async function runDescribe(kind: string, names: readonly string[], options: DescribeOptions, io: CliIo): Promise<ExitCode> {
  checkNamespaceOptions(options);
  const slashed = kindNameArgs(kind, names, 'describe');
  if (!slashed) checkNames(names, kind);
  if ((names.length > 0 || slashed) && options.allNamespaces) throw new CliError('USAGE', 'an object cannot be described by name across all namespaces: use -n NAMESPACE');
  if (slashed && options.selector) throw new CliError('USAGE', '-l/--selector describes a KIND, not KIND/NAME arguments');
  return withSession(options, io, async (session) => {
    const found: Array<{ r: ApiResource; o: KubeObject }> = [];
    let code: ExitCode = ExitCode.Ok;
    const read = async (r: ApiResource, name: string) => {
      try {
        found.push({ r, o: await session.client.get<KubeObject>(objectPath(r, r.namespaced ? session.namespace(options) : undefined, name)) });
      } catch (error) {
        const e = toCliError(error);
        if (e.code === 'UNREACHABLE') throw e;
        io.stderr.write(`sedna: ${e.message}\n`);
        if (code === ExitCode.Ok) code = e.exitCode;
      }
    };
    if (slashed) {
      for (const target of slashed) await read(await session.resolve(target.kind), target.name);
    } else {
      const r = await session.resolve(kind);
      if (names.length === 0) {
        const namespace = r.namespaced && !options.allNamespaces ? session.namespace(options) : undefined;
        const list = await session.client.get<{ items?: KubeObject[] }>(collectionPath(r, namespace), { query: { labelSelector: options.selector } });
        for (const o of list.items ?? []) found.push({ r, o });
        if (found.length === 0) io.stderr.write(namespace ? `No resources found in ${namespace} namespace.\n` : 'No resources found\n');
      } else {
        for (const name of names) await read(r, name);
      }
    }
    let presence: Promise<GmPresence | undefined> | undefined;
    const gmPresence = () => (presence ??= readGmPresence(session.client));
    const texts: string[] = [];
    for (const { r, o } of found) texts.push(await describeObject(session, r, withTypeMeta(o, r), gmPresence));
    io.stdout.write(texts.join('\n'));
    return code;
  });
}

/** The `describe` verb. */
export const describeCommand: CommandModule = {
  name: 'describe',
  register(program, io, exit) {
    const command = program
      .command('describe')
      .description('show objects in words; for jobs: conditions as a timeline, decisions and metrics per round, pods and events')
      .argument('<kind>', 'kind: singular, plural or short name (ij, ll, datasets, models, pods, ...), or KIND/NAME')
      .argument('[names...]', 'names of objects (default: all), or more KIND/NAME');
    namespaceFlags(command)
      .option('-l, --selector <selector>', 'label selector (without NAME)')
      .action(async (kind: string, names: string[], _o: DescribeOptions, cmd: Command) => exit(await runDescribe(kind, names, cmd.optsWithGlobals<DescribeOptions>(), io)));
  },
};
