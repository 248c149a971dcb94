/** What every verb that talks to an API server shares: the client, discovery, the namespace to use. */
import type { KubeClient } from './client.js';
import { Discovery, type ApiResource } from './discovery.js';
import { CliError } from './errors.js';
import type { CliIo } from './io.js';
import { actingOn, parseDuration, resolveServer, type ServerOptions } from './server.js';

/** The options of the verbs that pick a namespace. */
export interface NamespaceOptions {
  namespace?: string;
  allNamespaces?: boolean;
}

/** A connection to one API server for the length of one command. */
export class Session {
  private discovery: Promise<Discovery> | undefined;

  constructor(readonly client: KubeClient) {}

  /** The server's resources (read once per command). */
  resources(): Promise<Discovery> {
    this.discovery ??= Discovery.load(this.client);
    return this.discovery;
  }

  /** The resource a user's KIND names (see Discovery.resolve). */
  async resolve(kind: string): Promise<ApiResource> {
    return (await this.resources()).resolve(kind);
  }

  /** Which context and server this session talks to, and why that one (for the verbs that change things). */
  actingOn(): string {
    return actingOn(this.client.target, this.client.context, this.client.server);
  }

  /** Says on stderr, before `verb` changes anything, which context and server it acts on. */
  announce(io: CliIo, verb: string): void {
    io.stderr.write(`sedna: ${verb} on ${this.actingOn()}\n`);
  }

  /** `-n NS`, else the kubeconfig context's namespace, else `default`. */
  namespace(options: NamespaceOptions): string {
    return options.namespace || this.client.namespace;
  }
}

/** `-n` and `-A` together make no sense. @throws CliError USAGE */
export function checkNamespaceOptions(options: NamespaceOptions): void {
  if (options.allNamespaces && options.namespace) throw new CliError('USAGE', '-n/--namespace and -A/--all-namespaces exclude each other');
}

/**
 * Runs `fn` with a session on the server the global options name, and closes its connections after.
 *
 * @example
 * await withSession(options, io, async (s) => s.client.get('/version'));
 */
export async function withSession<T>(options: ServerOptions, io: CliIo, fn: (session: Session) => Promise<T>): Promise<T> {
  // client-node is loaded only by the verbs that talk to a server (a second of start-up otherwise).
  const timeoutMs = options.requestTimeout === undefined ? undefined : parseDuration('--request-timeout', options.requestTimeout);
  const { KubeClient } = await import('./client.js');
  const client = KubeClient.forTarget(resolveServer(options, io), { timeoutMs });
  try {
    return await fn(new Session(client));
  } finally {
    await client.close();
  }
}
