/**
 * `sedna rollback JOB [--to-round N] [--wait 60s]`: serve an earlier model again. Sets the annotation
 * `sedna.io/rollback: <N|previous>@<RFC 3339 time>` on the learning job (`NAME` or `KIND/NAME`, as for
 * `trigger`; a merge patch). The GM resolves it against `status.deployments`, waits for a running round
 * to end, then runs a round that only deploys the target; the LC checks the target's files first. The
 * outcome lands in `status.lastRollback` (docs/design/rollback.md), which this command waits for.
 */
import { ROLLBACK_ANNOTATION, rollbackAnnotationValue } from '@sedna-ts/api-types/contract';
import type { JobCondition, RollbackOutcome } from '@sedna-ts/api-types';
import type { Command } from 'commander';
import type { CommandModule } from '../command.js';
import { displayKind, objectPath } from '../discovery.js';
import { CliError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import { namespaceFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { kindShortName, resolveJob } from '../jobRef.js';
import { conditionData } from '../jobView.js';
import type { KubeObject } from '../printers.js';
import { parseDuration, type ServerOptions } from '../server.js';
import { withSession } from '../session.js';

/** Options of `sedna rollback`. */
export interface RollbackOptions extends ServerOptions {
  namespace?: string;
  toRound?: string;
  wait?: string;
}

/** Most time `sedna rollback` waits for the outcome unless `--wait` says otherwise. */
export const DEFAULT_ROLLBACK_WAIT_MS = 60_000;
const POLL_MS = 500;

function parseTarget(value: string | undefined): number | 'previous' {
  if (value === undefined) return 'previous';
  if (!/^\d{1,9}$/.test(value.trim())) throw new CliError('USAGE', `--to-round ${JSON.stringify(value)}: expected a round number (0: the job's initial model)`);
  return Number(value.trim());
}

function parseWait(value: string | undefined): number {
  if (value === undefined) return DEFAULT_ROLLBACK_WAIT_MS;
  if (/^0+(ms|s|m|h)?$/.test(value.trim())) return 0;
  return parseDuration('--wait', value);
}

/**
 * The outcome of request `value` from the round that carried it out, when `lastRollback` already
 * answers a later request: Done when that round deployed (decision Rollback), Refused when it ended
 * otherwise; undefined while it runs or when no round carried it.
 */
export function outcomeFromConditions(conditions: readonly JobCondition[], value: string): RollbackOutcome | undefined {
  const started = conditions.find((c) => conditionData(c).rollback?.requested === value);
  if (!started) return undefined;
  const round = started.round;
  const inRound = conditions.filter((c) => c.stage === 'Deploy' && c.round === round);
  const completed = inRound.find((c) => c.type === 'Completed');
  if (!completed) return undefined;
  const rollback = conditionData(started).rollback;
  const decided = inRound.map((c) => conditionData(c).decision).find((d) => d !== undefined);
  const time = completed.lastTransitionTime ?? '';
  const extra = { ...(round !== undefined ? { round } : {}), ...(rollback ? { to: rollback.to } : {}) };
  if (decided?.decision === 'Rollback') return { requested: value, result: 'Done', reason: `round ${round} deployed the model of round ${rollback?.to} again`, time, ...extra };
  const said = conditionData(completed).output?.ownerInfo?.reason;
  return { requested: value, result: 'Refused', reason: decided?.reason ?? (typeof said === 'string' ? said : `round ${round} ended without deploying it`), time, ...extra };
}

/** Runs `sedna rollback`; resolves to the exit code. */
export async function runRollback(job: string, options: RollbackOptions, io: CliIo, now = new Date()): Promise<ExitCode> {
  const target = parseTarget(options.toRound);
  const waitMs = parseWait(options.wait);
  return withSession(options, io, async (session) => {
    const namespace = session.namespace(options);
    const found = await resolveJob(session, job, namespace);
    const value = rollbackAnnotationValue(target, now);
    const path = objectPath(found.resource, namespace, found.name);
    // Which server and job this acts on: said before anything changes.
    io.stdout.write(`${displayKind(found.resource)}/${found.name} (namespace ${namespace}, ${session.actingOn()}): ${ROLLBACK_ANNOTATION}=${value}\n`);
    await session.client.request<KubeObject>('PATCH', path, {
      body: { metadata: { annotations: { [ROLLBACK_ANNOTATION]: value } } },
      contentType: 'application/merge-patch+json',
    });
    const follow = `sedna describe ${kindShortName(found.kind)} ${found.name}${namespace !== session.client.namespace ? ` -n ${namespace}` : ''}`;
    if (waitMs === 0) {
      io.stdout.write(`Not waiting (--wait=0); the outcome will be in status.lastRollback: ${follow}\n`);
      return ExitCode.Ok;
    }
    const deadline = Date.now() + waitMs;
    let last: RollbackOutcome | undefined;
    let lastShown = '';
    let removedBefore = false;
    for (;;) {
      const current = await session.client.request<KubeObject>('GET', path);
      const status = (current.status ?? {}) as { lastRollback?: RollbackOutcome; conditions?: JobCondition[] };
      const outcome = status.lastRollback?.requested === value ? status.lastRollback : outcomeFromConditions(status.conditions ?? [], value);
      if (outcome) {
        last = outcome;
        if (outcome.result === 'Done') {
          io.stdout.write(`rolled back: ${outcome.reason}\n`);
          return ExitCode.Ok;
        }
        if (outcome.result === 'Refused') {
          io.stderr.write(`sedna: ${outcome.reason.startsWith('rollback ') ? outcome.reason : `rollback refused: ${outcome.reason}`}\n`);
          return ExitCode.Invalid;
        }
        if (outcome.reason !== lastShown) io.stdout.write(`pending: ${outcome.reason}\n`);
        lastShown = outcome.reason;
      }
      const annotation = current.metadata?.annotations?.[ROLLBACK_ANNOTATION];
      const gone = !outcome && annotation !== value && !(status.conditions ?? []).some((c) => conditionData(c).rollback?.requested === value);
      // Replaced by another request: at once. Removed with no outcome: read once more first (a global
      // manager that removes the annotation before it writes the outcome is between its two writes).
      if (gone && (annotation !== undefined || removedBefore)) {
        // Another request replaced this one before the GM took it (the annotation holds one request).
        io.stderr.write(`rollback ${value}: replaced by ${annotation ? `the request ${annotation}` : 'another request'} before the global manager acted on it; nothing was done for it\n`);
        return ExitCode.Invalid;
      }
      removedBefore = gone;
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(1, deadline - Date.now()))));
    }
    const seconds = Math.round(waitMs / 1000);
    const where = last ? `the last word was: ${last.reason}` : 'the global manager has not answered it (is it running?)';
    io.stderr.write(`rollback ${value}: no outcome within ${seconds} s (--wait); ${where}. The request stays; follow it with: ${follow}\n`);
    return ExitCode.Timeout;
  });
}

/** The `rollback` verb. */
export const rollbackCommand: CommandModule = {
  name: 'rollback',
  register(program, io, exit) {
    const command = program
      .command('rollback')
      .description('serve an earlier model of a learning job again (the one before the current, or a round\'s)')
      .argument('<job>', 'NAME, or KIND/NAME (il/helmet, ll/atcii) when several kinds of job have that name')
      .option('--to-round <N>', 'the model round N deployed (0: the initial model); default: the one that served before the current one')
      .option('--wait <duration>', 'how long to wait for the outcome (30s, 2m; 0: do not wait)', '60s');
    namespaceFlags(command, false)
      .addHelpText(
        'after',
        '\nSets the annotation sedna.io/rollback: <N|previous>@<RFC3339 time>. A running round is not interrupted: the rollback\n' +
          'waits for its end, then a round deploys the target (hot update or restart, as the job deploys). The next round\n' +
          'trains from it and is gated against it. Exit codes: 0 done, 1 refused (the reason on stderr), 5 no outcome in time.',
      )
      .action(async (job: string, _o: RollbackOptions, cmd: Command) => exit(await runRollback(job, cmd.optsWithGlobals<RollbackOptions>(), io)));
  },
};
