/** The LC as a child process (`dist/bin.js`, built before the tests), to SIGKILL it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

export interface LcChild {
  process: ChildProcess;
  url: string;
  stderr: string[];
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startLcChild(env: Record<string, string>): Promise<LcChild> {
  const child = spawn(process.execPath, [BIN], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => stderr.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { ready?: boolean; url?: string };
        if (parsed.ready && parsed.url) resolve(parsed.url);
      } catch {
        // not the ready line
      }
    });
    child.once('exit', (code) => reject(new Error(`LC exited with ${code} before it was ready:\n${stderr.join('\n')}`)));
  });
  return {
    process: child,
    url,
    stderr,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
