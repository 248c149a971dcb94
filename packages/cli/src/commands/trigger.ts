/**
 * `sedna trigger train|eval|deploy JOB`: a manual trigger. Sets the annotation
 * `sedna.io/trigger: <stage>@<RFC3339 time>` on the learning job (`NAME` or `KIND/NAME`, see jobRef.ts;
 * a merge patch) and says what happens next, per the contract (docs/design/incremental-learning.md,
 * section 3).
 */
import { TRIGGER_ANNOTATION } from '@sedna-ts/api-types/contract';
import type { Command } from 'commander';
import type { CommandModule } from '../command.js';
import { displayKind, objectPath } from '../discovery.js';
import { CliError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import { namespaceFlags } from '../flags.js';
import { readGmPresence, whyNoController } from '../gmPresence.js';
import type { CliIo } from '../io.js';
import { kindShortName, resolveJob } from '../jobRef.js';
import { conditionData, type LearningJobStatus } from '../jobView.js';
import type { KubeObject } from '../printers.js';
import type { ServerOptions } from '../server.js';
import { withSession } from '../session.js';

/** The annotation a manual trigger sets (the contract's, which the GM and the LC read). */
export { TRIGGER_ANNOTATION };

/** Stages a manual trigger names. */
export const TRIGGER_STAGES = ['train', 'eval', 'deploy'] as const;
/** One of {@link TRIGGER_STAGES}. */
export type TriggerStage = (typeof TRIGGER_STAGES)[number];

/** Options of `sedna trigger`. */
export interface TriggerOptions extends ServerOptions {
  namespace?: string;
}

/** `2025-01-31T10:00:00Z`: RFC 3339, seconds precision, UTC. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const STAGE_NAMES: Record<TriggerStage, string> = { train: 'Train', eval: 'Eval', deploy: 'Deploy' };

/**
 * What the GM and the LC do with the trigger, given the job's current state (contract section 3).
 * `noController` says, for a job without a condition, why nothing acts on it (`no global manager is
 * running`); `null` when a GM handles its kind; undefined when that is not known.
 */
export function triggerOutlook(stage: TriggerStage, status: LearningJobStatus, noController?: string | null): string {
  const last = status.conditions?.[status.conditions.length - 1];
  const named = STAGE_NAMES[stage];
  const round = status.round ?? 0;
  const gate = stage === 'deploy' ? ' The deploy gate is bypassed: the decision is recorded as ManualDeploy.' : '';
  if (!last) {
    const why = noController === undefined ? ' (is the global manager running?)' : noController === null ? '' : `: ${noController}`;
    return `The job has no condition yet${why}. Once it is at (${named}, Waiting), its local controller acts on the trigger at once.${gate}`;
  }
  const data = conditionData(last);
  const at = `(${last.stage}, ${last.type}) in round ${last.round ?? data.round ?? round}`;
  // A job held by something missing (its LC, its Dataset, a Model) acts on the trigger only once that is resolved.
  if (last.message && /^(waiting for the local controller of node |(Dataset|Model) \S+ not found)/.test(last.message)) {
    return `The job is at ${at} and held: ${last.message}. Once that is resolved, its local controller acts on the trigger.${gate}`;
  }
  if (last.stage === named && last.type === 'Waiting') {
    const what =
      stage === 'train'
        ? `cuts the train pool into round ${round + 1}'s train file and reports (Train, Ready): the train worker starts, without waiting for the trigger condition or the check period (if the train pool is empty, at the first new sample)`
        : stage === 'eval'
          ? `cuts the eval pool and reports (Eval, Ready): the eval worker starts at once`
          : 'publishes the round\'s model without comparing metrics';
    return `The job is at ${at}: its local controller ${what}.${gate} The global manager removes the annotation once ${named} leaves Waiting.`;
  }
  if (last.stage === 'Train' && last.type === 'Waiting' && stage !== 'train') {
    return (
      `The job is idle at ${at}: the global manager starts round ${round + 1} at (${named}, Waiting) with reason ManualTrigger, ` +
      `taking the last trained model as the round's model${stage === 'eval' ? ' and evaluating it against the deployed one on the current eval pool' : ''}.${gate}`
    );
  }
  return `The job is at ${at}: the annotation stays until ${named} is Waiting, then its local controller acts on it at once.${gate} The global manager removes the annotation when ${named} leaves Waiting.`;
}

/** Runs `sedna trigger`; resolves to the exit code. */
export async function runTrigger(stage: string, job: string, options: TriggerOptions, io: CliIo, now = new Date()): Promise<ExitCode> {
  if (!(TRIGGER_STAGES as readonly string[]).includes(stage)) throw new CliError('USAGE', `trigger ${JSON.stringify(stage)}: expected ${TRIGGER_STAGES.join(', ')}`);
  const s = stage as TriggerStage;
  return withSession(options, io, async (session) => {
    const namespace = session.namespace(options);
    const found = await resolveJob(session, job, namespace);
    const completed = (found.object.status as LearningJobStatus | undefined)?.completionTime;
    if (completed) {
      const max = (found.object.spec as { maxRounds?: number } | undefined)?.maxRounds;
      throw new CliError(
        'INVALID_INPUT',
        `${found.kind.kind} ${namespace}/${found.name} completed at ${completed}${max !== undefined ? ` (spec.maxRounds ${max} reached)` : ''}: a trigger would have no effect; raise spec.maxRounds to run more rounds`,
      );
    }
    if (s !== 'train') {
      // The GM ignores a manual eval or deploy of a job that has trained nothing (TriggerIgnored): said here, before anything is set.
      const trained = ((found.object.status as LearningJobStatus | undefined)?.conditions ?? []).some(
        (c) => c.stage === 'Train' && c.type === 'Completed' && (conditionData(c).output?.models?.length ?? 0) > 0,
      );
      if (!trained) throw new CliError('INVALID_INPUT', `${found.kind.kind} ${namespace}/${found.name}: no round has trained a model yet, so there is nothing to ${s === 'eval' ? 'evaluate' : 'deploy'}: trigger train first`);
    }
    const value = `${s}@${rfc3339(now)}`;
    session.announce(io, 'trigger');
    const updated = await session.client.request<KubeObject>('PATCH', objectPath(found.resource, namespace, found.name), {
      body: { metadata: { annotations: { [TRIGGER_ANNOTATION]: value } } },
      contentType: 'application/merge-patch+json',
    });
    const status = (updated.status ?? {}) as LearningJobStatus;
    let noController: string | null | undefined;
    if (!status.conditions?.length) {
      // Say why the job has no condition yet, when the GM's Lease tells.
      const presence = await readGmPresence(session.client);
      noController = presence ? (whyNoController(found.kind.kind, presence) ?? null) : undefined;
    }
    io.stdout.write(`${displayKind(found.resource)}/${found.name} triggered: ${TRIGGER_ANNOTATION}=${value}\n`);
    io.stdout.write(`${triggerOutlook(s, status, noController)}\n`);
    io.stdout.write(`Follow it with: sedna get ${kindShortName(found.kind)} ${found.name}${namespace !== session.client.namespace ? ` -n ${namespace}` : ''} -w\n`);
    return ExitCode.Ok;
  });
}

/** The `trigger` verb. */
export const triggerCommand: CommandModule = {
  name: 'trigger',
  register(program, io, exit) {
    const command = program
      .command('trigger')
      .description('start a stage of a learning job now (train, eval, or deploy bypassing the gate)')
      .argument('<stage>', 'train, eval or deploy')
      .argument('<job>', 'NAME, or KIND/NAME (il/helmet, ll/atcii) when several kinds of job have that name');
    namespaceFlags(command, false)
      .addHelpText('after', '\nSets the annotation sedna.io/trigger: <stage>@<RFC3339 time>; the global manager removes it once the stage has left Waiting.')
      .action(async (stage: string, job: string, _o: TriggerOptions, cmd: Command) => exit(await runTrigger(stage, job, cmd.optsWithGlobals<TriggerOptions>(), io)));
  },
};
