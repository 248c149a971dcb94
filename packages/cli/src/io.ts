/** What a command may touch of the outside world, so tests can run commands in-process. */
import { printable } from '@sedna-ts/internal';

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

/**
 * `io` whose text output is safe for a terminal: every string written to stdout or stderr goes through
 * `printable` (control characters other than newline and tab as `\xNN`), so a name, label, message or
 * template result taken from a file or from the server cannot retitle, recolour or clear the reader's
 * screen, nor print a hidden hyperlink (OSC 8). Raw bytes (a pod's log, as `kubectl logs` passes it)
 * go through as they are. `main` runs every verb with it.
 */
export function terminalSafeIo(io: CliIo): CliIo {
  const safe = (stream: { write(text: string | Uint8Array): unknown }) => ({
    write: (text: string | Uint8Array) => stream.write(typeof text === 'string' ? printable(text) : text),
  });
  return { ...io, stdout: safe(io.stdout), stderr: safe(io.stderr) as CliIo['stderr'] };
}
