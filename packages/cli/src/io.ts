/** What a command may touch of the outside world, so tests can run commands in-process. */

/** Streams, working folder and environment of one run of the `sedna` command. */
export interface CliIo {
  /** Text, or raw bytes (pod logs are passed through as they are). */
  stdout: { write(text: string | Uint8Array): unknown };
  stderr: { write(text: string): unknown };
  /** Reads all of standard input as UTF-8. */
  readStdin(): Promise<string>;
  /** Folder relative paths are resolved against. */
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Ends long-running verbs (`get -w`, `logs -f`, `up`) cleanly when aborted. Without it they run until
   * the process is interrupted.
   */
  signal?: AbortSignal;
}

/** The real process's streams, folder and environment. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    },
    cwd: process.cwd(),
    env: process.env,
  };
}
