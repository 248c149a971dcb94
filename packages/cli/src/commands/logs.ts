/**
 * `sedna logs JOB [--stage S] [--round N] [-f]`: the log of a learning job's worker (JOB: `NAME` or
 * `KIND/NAME`, see jobRef.ts), found by the labels the GM puts on its pods (`<kind>.sedna.io/name`,
 * `.../worker-type`, `sedna.io/round`), streamed through `pods/log`. Without --stage or --round: the
 * job's latest pod.
 */
import { ATTEMPT_LABEL, ROUND_LABEL, workerLabelKeys } from '@sedna-ts/api-types/contract';
import { redactTokens } from '@sedna-ts/internal';
import type { Command } from 'commander';
import type { CommandModule } from '../command.js';
import { collectionPath, objectPath } from '../discovery.js';
import { CliError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import { namespaceFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { resolveJob } from '../jobRef.js';
import type { KubeObject } from '../printers.js';
import type { ServerOptions } from '../server.js';
import { withSession } from '../session.js';

/** Longest partial line held back waiting for its end; longer, it is written as it is. */
const MAX_HELD_LINE = 64 * 1024;

/**
 * Passes a log's bytes through with the tokens we issue redacted (a worker printing its own
 * SEDNA_WORKER_TOKEN must not hand it to whoever reads the log). A token never spans lines, so whole
 * lines are redacted and a partial line waits for its end (or the stream's). Bytes are handled as
 * latin1, one character each, so whatever is not a token comes out byte for byte, valid UTF-8 or not,
 * terminal escapes included, as `kubectl logs` prints them.
 */
export class LineRedactor {
  private held = '';

  constructor(private readonly write: (bytes: Buffer) => void) {}

  push(chunk: Buffer): void {
    const text = this.held + chunk.toString('latin1');
    const end = text.lastIndexOf('\n') + 1;
    this.held = text.slice(end);
    if (end > 0) this.write(Buffer.from(redactTokens(text.slice(0, end)), 'latin1'));
    if (this.held.length > MAX_HELD_LINE) this.end();
  }

  end(): void {
    if (this.held) this.write(Buffer.from(redactTokens(this.held), 'latin1'));
    this.held = '';
  }
}

/** Options of `sedna logs`. */
export interface LogsOptions extends ServerOptions {
  namespace?: string;
  stage?: string;
  round?: string;
  attempt?: string;
  container?: string;
  follow?: boolean;
  tail?: string;
  previous?: boolean;
}

/** `--stage` values and the worker-type label they select. */
export const STAGE_WORKER_TYPES: Readonly<Record<string, string>> = { train: 'train', eval: 'eval', deploy: 'inference', inference: 'inference', infer: 'inference' };

function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new CliError('USAGE', `${flag} ${JSON.stringify(value)}: expected a whole number`);
  return Number(value);
}

/** The newest pod: latest creation time, then name. */
function latest(pods: readonly KubeObject[]): KubeObject | undefined {
  return [...pods].sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '')).at(-1);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/** Runs `sedna logs`; resolves to the exit code. */
export async function runLogs(job: string, options: LogsOptions, io: CliIo): Promise<ExitCode> {
  const workerType = options.stage === undefined ? undefined : STAGE_WORKER_TYPES[options.stage.toLowerCase()];
  if (options.stage !== undefined && !workerType) throw new CliError('USAGE', `--stage ${JSON.stringify(options.stage)}: expected train, eval or deploy (inference)`);
  const round = positiveInteger('--round', options.round);
  const attempt = positiveInteger('--attempt', options.attempt);
  const tail = positiveInteger('--tail', options.tail);
  return withSession(options, io, async (session) => {
    const namespace = session.namespace(options);
    // A missing job is "not found", whatever the pods say.
    const found = await resolveJob(session, job, namespace);
    const labels = workerLabelKeys(found.kind.singular);
    const pods = await session.resolve('pods');
    const selector = [
      `${labels.name}=${found.name}`,
      workerType ? `${labels.workerType}=${workerType}` : undefined,
      round !== undefined ? `${ROUND_LABEL}=${round}` : undefined,
      attempt !== undefined ? `${ATTEMPT_LABEL}=${attempt}` : undefined,
    ]
      .filter(Boolean)
      .join(',');
    const list = await session.client.get<{ items?: KubeObject[] }>(collectionPath(pods, namespace), { query: { labelSelector: selector } });
    const pod = latest(list.items ?? []);
    if (!pod?.metadata?.name) {
      const which = [options.stage && `stage ${options.stage}`, round !== undefined && `round ${round}`, attempt !== undefined && `attempt ${attempt}`].filter(Boolean).join(', ');
      throw new CliError('NOT_FOUND', `${found.kind.kind} ${namespace}/${found.name} has no worker pod${which ? ` for ${which}` : ''} (yet)`);
    }
    const podLabels = pod.metadata.labels ?? {};
    io.stderr.write(
      `sedna: pod ${pod.metadata.name} (${podLabels[labels.workerType] ?? 'worker'}, round ${podLabels[ROUND_LABEL] ?? '?'}, attempt ${podLabels[ATTEMPT_LABEL] ?? '?'})\n`,
    );
    const path = `${objectPath(pods, namespace, pod.metadata.name)}/log`;
    const query = { container: options.container, follow: options.follow ? true : undefined, tailLines: tail, previous: options.previous ? true : undefined };
    let announced = false;
    for (;;) {
      try {
        const body = await session.client.stream(path, { query, accept: '*/*', signal: io.signal });
        try {
          const redact = new LineRedactor((bytes) => io.stdout.write(bytes));
          for await (const chunk of body) redact.push(chunk as Buffer);
          redact.end();
        } finally {
          body.destroy();
        }
        return ExitCode.Ok;
      } catch (error) {
        if (io.signal?.aborted) return ExitCode.Ok;
        // With -f, a worker that has not started yet is waited for, as its log will come.
        const waiting = error instanceof CliError && error.status === 400 && /waiting to start/.test(error.message);
        if (!(options.follow && waiting)) throw error;
        if (!announced) io.stderr.write(`sedna: ${error.message}; waiting\n`);
        announced = true;
        await sleep(500, io.signal);
      }
    }
  });
}

/** The `logs` verb. */
export const logsCommand: CommandModule = {
  name: 'logs',
  register(program, io, exit) {
    const command = program
      .command('logs')
      .description("print the log of a learning job's worker (default: its latest pod)")
      .argument('<job>', 'NAME, or KIND/NAME (il/helmet, ll/atcii) when several kinds of job have that name');
    namespaceFlags(command, false)
      .option('--stage <stage>', 'train, eval or deploy (the inference worker)')
      .option('--round <n>', 'the worker of this round')
      .option('--attempt <n>', 'the worker of this attempt (a failed stage is retried up to 3 times)')
      .option('-c, --container <name>', 'container of the pod (when it has several)')
      .option('-f, --follow', 'keep printing what the worker writes until it ends')
      .option('--tail <lines>', 'only the last lines')
      .option('-p, --previous', 'the log of the run before a restart')
      .action(async (job: string, _o: LogsOptions, cmd: Command) => exit(await runLogs(job, cmd.optsWithGlobals<LogsOptions>(), io)));
  },
};
