/**
 * `sedna wait JOB --for=delete | --for=jsonpath='{...}'=VALUE | --for=stage=Deploy,type=Completed[,round=N]
 * [--timeout 30s]`: waits until a learning job is gone, a field has a value, or a stage reached a state;
 * exit 0 when it did, 5 at the deadline (saying what it waited for and where the job is).
 */
import { JobConditionType, JobStage, type JobCondition } from '@sedna-ts/api-types';
import type { Command } from 'commander';
import type { CommandModule } from '../command.js';
import { collectionPath, displayKind, objectPath } from '../discovery.js';
import { CliError, toCliError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import { namespaceFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { resolveJob } from '../jobRef.js';
import { goJson, goSprint, JsonPath } from '../jsonpath.js';
import type { KubeObject } from '../printers.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, parseDuration, type ServerOptions } from '../server.js';
import { withSession } from '../session.js';
import { connectionNotice, follow } from '../watch.js';

/** Options of `sedna wait`. */
export interface WaitOptions extends ServerOptions {
  namespace?: string;
  for: string;
  timeout?: string;
}

/** How long `sedna wait` waits unless `--timeout` says otherwise. */
export const DEFAULT_WAIT_TIMEOUT_MS = 30_000;

/** What `--for` asks for. */
export type WaitFor =
  | { kind: 'delete' }
  | { kind: 'jsonpath'; path: JsonPath; value?: string }
  | { kind: 'stage'; stage: JobStage; type: JobConditionType; round?: number };

const STAGES = Object.values(JobStage);
const TYPES = Object.values(JobConditionType);

/** The one of `names` that `value` is, ignoring case. */
function oneOf<T extends string>(flag: string, value: string, names: readonly T[]): T {
  const found = names.find((n) => n.toLowerCase() === value.toLowerCase());
  if (!found) throw new CliError('USAGE', `--for ${flag}=${JSON.stringify(value)}: expected ${names.join(', ')}`);
  return found;
}

/**
 * Reads `--for`: `delete`; `jsonpath='{PATH}'=VALUE` (or `jsonpath='{PATH}'`: the field has a value);
 * `stage=STAGE,type=TYPE[,round=N]` (case-insensitive names).
 *
 * @throws CliError USAGE for anything else.
 */
export function parseWaitFor(text: string): WaitFor {
  const value = text.trim();
  if (value === 'delete') return { kind: 'delete' };
  if (value.startsWith('jsonpath=')) {
    const rest = value.slice('jsonpath='.length);
    // The template ends at its last closing brace; `=VALUE` may follow.
    const close = rest.lastIndexOf('}');
    if (!rest.startsWith('{') || close < 0) throw new CliError('USAGE', `--for ${JSON.stringify(text)}: expected jsonpath='{.status.round}'=3 (the path in braces)`);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith('=')) throw new CliError('USAGE', `--for ${JSON.stringify(text)}: expected =VALUE after the path`);
    const path = new JsonPath(rest.slice(0, close + 1), '--for jsonpath');
    return after === '' ? { kind: 'jsonpath', path } : { kind: 'jsonpath', path, value: after.slice(1) };
  }
  if (value.startsWith('stage=')) {
    const fields = new Map<string, string>();
    for (const part of value.split(',')) {
      const eq = part.indexOf('=');
      const key = eq < 0 ? part : part.slice(0, eq).trim();
      if (eq < 0 || !['stage', 'type', 'round'].includes(key) || fields.has(key)) {
        throw new CliError('USAGE', `--for ${JSON.stringify(text)}: expected stage=STAGE,type=TYPE[,round=N], e.g. stage=Deploy,type=Completed`);
      }
      fields.set(key, part.slice(eq + 1).trim());
    }
    const type = fields.get('type');
    if (type === undefined) throw new CliError('USAGE', `--for ${JSON.stringify(text)}: type=TYPE is missing (${TYPES.join(', ')})`);
    const round = fields.get('round');
    if (round !== undefined && !/^\d{1,9}$/.test(round)) throw new CliError('USAGE', `--for round=${JSON.stringify(round)}: expected a round number`);
    return { kind: 'stage', stage: oneOf('stage', fields.get('stage')!, STAGES), type: oneOf('type', type, TYPES), ...(round !== undefined ? { round: Number(round) } : {}) };
  }
  throw new CliError('USAGE', `--for ${JSON.stringify(text)}: expected delete, jsonpath='{PATH}'=VALUE, or stage=STAGE,type=TYPE[,round=N]`);
}

/** `--for` as the user wrote it, for messages. */
function describeFor(w: WaitFor): string {
  if (w.kind === 'delete') return 'its deletion';
  if (w.kind === 'jsonpath') return w.value === undefined ? `${w.path.template} to have a value` : `${w.path.template}=${w.value}`;
  return `stage=${w.stage},type=${w.type}${w.round !== undefined ? `,round=${w.round}` : ''}`;
}

/** The text of a JSONPath's results, as `--for=jsonpath` compares them (one value: its text; several: space-separated). */
function pathText(path: JsonPath, object: KubeObject): string | undefined {
  const values = path.results(object).flat();
  if (values.length === 0) return undefined;
  return values.map((v) => (typeof v === 'object' && v !== null ? goJson(v) : goSprint(v))).join(' ');
}

interface Check {
  met: boolean;
  /** Where the job is, for the timeout message. */
  now: string;
}

/** Whether `object` (undefined: gone) satisfies `w`; `fromRound` is the job's round when the wait began. */
export function checkWait(w: WaitFor, object: KubeObject | undefined, fromRound: number): Check {
  if (w.kind === 'delete') {
    const finalizers = object?.metadata?.finalizers ?? [];
    return { met: object === undefined, now: object === undefined ? 'gone' : `it still exists${finalizers.length > 0 ? ` (finalizers: ${finalizers.join(', ')})` : ''}` };
  }
  if (!object) return { met: false, now: 'the job was deleted' };
  if (w.kind === 'jsonpath') {
    const text = pathText(w.path, object);
    const met = w.value === undefined ? text !== undefined : text === w.value;
    return { met, now: text === undefined ? `${w.path.template} has no value` : `${w.path.template} is ${JSON.stringify(text)}` };
  }
  const status = (object.status ?? {}) as { round?: number; conditions?: JobCondition[] };
  const conditions = status.conditions ?? [];
  const met = conditions.some((c) => c.stage === w.stage && c.type === w.type && (w.round !== undefined ? c.round === w.round : (c.round ?? 0) >= fromRound));
  const last = conditions[conditions.length - 1];
  return { met, now: last ? `round ${last.round ?? status.round ?? '?'}, ${last.stage} ${last.type}` : 'no condition yet' };
}

/** Runs `sedna wait`; resolves to the exit code. */
export async function runWait(job: string, options: WaitOptions, io: CliIo): Promise<ExitCode> {
  if (options.for === undefined) throw new CliError('USAGE', 'wait needs --for=delete, --for=jsonpath=\'{PATH}\'=VALUE or --for=stage=STAGE,type=TYPE[,round=N]');
  const w = parseWaitFor(options.for);
  const timeoutMs = options.timeout === undefined ? DEFAULT_WAIT_TIMEOUT_MS : /^0+(ms|s|m|h)?$/.test(options.timeout.trim()) ? 0 : parseDuration('--timeout', options.timeout);
  // No request outlives the wait: a server that never answers ends the wait at its --timeout (exit 4), not 30 s later.
  const requestMs = options.requestTimeout === undefined ? DEFAULT_REQUEST_TIMEOUT_MS : parseDuration('--request-timeout', options.requestTimeout);
  const bounded = timeoutMs > 0 && timeoutMs < requestMs ? { ...options, requestTimeout: `${Math.max(timeoutMs, 1000)}ms` } : options;
  return withSession(bounded, io, async (session) => {
    const namespace = session.namespace(options);
    let found;
    try {
      found = await resolveJob(session, job, namespace);
    } catch (error) {
      // Waiting for the deletion of a job that is not there: done, as kubectl wait --for=delete.
      if (w.kind === 'delete' && toCliError(error).code === 'NOT_FOUND') {
        io.stderr.write(`sedna: ${toCliError(error).message}: nothing to wait for\n`);
        return ExitCode.Ok;
      }
      throw error;
    }
    const ref = `${displayKind(found.resource)}/${found.name}`;
    const fromRound = ((found.object.status ?? {}) as { round?: number }).round ?? 0;
    const done = () => {
      io.stdout.write(w.kind === 'delete' ? `${ref} deleted\n` : `${ref} condition met\n`);
      return ExitCode.Ok;
    };
    let check = checkWait(w, found.object, fromRound);
    if (check.met) return done();

    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), timeoutMs);
    const interrupted = () => stop.abort();
    io.signal?.addEventListener('abort', interrupted, { once: true });
    let deleted = false;
    const see = (object: KubeObject | undefined) => {
      check = checkWait(w, object, fromRound);
      // Gone while waiting for something else of it: that can never come.
      if (!object && w.kind !== 'delete') deleted = true;
      if (check.met || deleted) stop.abort();
    };
    try {
      if (timeoutMs > 0) {
        await follow(session.client, {
          path: collectionPath(found.resource, namespace),
          query: { fieldSelector: `metadata.name=${found.name}` },
          resourceVersion: found.object.metadata?.resourceVersion ?? '',
          signal: stop.signal,
          onEvent: (event) => see(event.type === 'DELETED' ? undefined : (event.object as KubeObject)),
          relist: async () => {
            // The watch fell behind (410): read the job again.
            const list = await session.client.get<{ metadata?: { resourceVersion?: string }; items?: KubeObject[] }>(collectionPath(found.resource, namespace), {
              query: { fieldSelector: `metadata.name=${found.name}` },
            });
            see(list.items?.[0]);
            return list.metadata?.resourceVersion ?? '';
          },
          onConnectionChange: connectionNotice(io, session.client.server),
        });
      }
    } finally {
      clearTimeout(timer);
      io.signal?.removeEventListener('abort', interrupted);
    }
    if (check.met) return done();
    const gone = () => {
      io.stderr.write(`sedna: ${ref} (namespace ${namespace}) was deleted while waiting for ${describeFor(w)}\n`);
      return ExitCode.NotFound;
    };
    if (deleted) return gone();
    if (timeoutMs > 0 && !io.signal?.aborted) {
      // The watch may have ended between two events: one last read decides.
      const last = await session.client.get<KubeObject>(objectPath(found.resource, namespace, found.name)).catch((error: unknown) => {
        if (toCliError(error).code === 'NOT_FOUND') return undefined;
        throw error;
      });
      check = checkWait(w, last, fromRound);
      if (check.met) return done();
      if (!last) return gone();
    }
    const seconds = timeoutMs / 1000;
    const why = io.signal?.aborted ? 'interrupted' : `timed out after ${seconds}s`;
    io.stderr.write(`sedna: ${why} waiting for ${ref} (namespace ${namespace}): ${describeFor(w)}; now: ${check.now}\n`);
    return ExitCode.Timeout;
  });
}

/** The `wait` verb. */
export const waitCommand: CommandModule = {
  name: 'wait',
  register(program, io, exit) {
    const command = program
      .command('wait')
      .description('wait until a learning job is deleted, has a field value, or reached a stage state (exit 5 at the timeout)')
      .argument('<job>', 'NAME, or KIND/NAME (il/helmet, ll/atcii) when several kinds of job have that name')
      .requiredOption('--for <condition>', "delete, jsonpath='{PATH}'=VALUE, or stage=STAGE,type=TYPE[,round=N] (e.g. stage=Deploy,type=Completed)")
      .option('--timeout <duration>', 'how long to wait (30s, 5m; 0: check once)', '30s');
    namespaceFlags(command, false)
      .addHelpText(
        'after',
        '\nstage=...,type=... is met by a condition of that stage and type in round N, or without round=, in the round the job\n' +
          'is at when the wait starts or a later one. Exit codes: 0 met, 5 timed out (what it waited for and where the job is, on stderr).',
      )
      .action(async (job: string, _o: WaitOptions, cmd: Command) => exit(await runWait(job, cmd.optsWithGlobals<WaitOptions>(), io)));
  },
};
