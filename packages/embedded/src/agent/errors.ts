/** What went wrong in the node agent, as a stable string a caller can switch on. */
export type NodeAgentErrorCode =
  /** The options given to `startNodeAgent` are invalid. */
  | 'InvalidOptions'
  /** Another live agent already runs for this node name and data dir. */
  | 'AlreadyRunning'
  /** A container's configuration cannot be turned into a process (env source missing, bad mount...). */
  | 'ContainerConfig'
  /** Neither `command`, the image map nor the extension of `args[0]` says what to run. */
  | 'UnresolvableCommand'
  /** A process could not be started, signalled or recorded. */
  | 'Process'
  /** A call to the Kubernetes API failed. */
  | 'Api';

/**
 * The one error class of the node agent: a `code` to switch on, a message that names the object, the
 * field path and the value, and the underlying `cause` when there is one.
 *
 * @example
 * ```ts
 * try { await startNodeAgent(options); }
 * catch (e) { if (e instanceof NodeAgentError && e.code === 'AlreadyRunning') process.exit(1); }
 * ```
 */
export class NodeAgentError extends Error {
  override readonly name = 'NodeAgentError';
  readonly code: NodeAgentErrorCode;

  constructor(code: NodeAgentErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }

  /** Returns `error` itself when it is a NodeAgentError, else wraps it with `code` and `context`. */
  static from(error: unknown, code: NodeAgentErrorCode, context: string): NodeAgentError {
    if (error instanceof NodeAgentError) return error;
    const detail = error instanceof Error ? error.message : String(error);
    return new NodeAgentError(code, `${context}: ${detail}`, { cause: error });
  }
}
