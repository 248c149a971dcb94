/**
 * `sedna-kb`: runs the knowledge base on its own (as the original's `run_kb.py`), configured by its
 * environment; runs until SIGTERM or SIGINT, then closes cleanly.
 */
import { parseArgs } from 'node:util';
import { createLogger } from '@sedna-ts/internal/logger';
import { CONFIG_ENV, configFromEnv } from './config.js';
import { KnowledgeBaseError, errorMessage } from './errors.js';
import type { KbLogger } from './logger.js';
import { startKnowledgeBase, type RunningKnowledgeBase } from './server.js';
import { VERSION } from './version.js';

/** The text of `sedna-kb --help`. */
export const USAGE = `Usage: sedna-kb

Runs the sedna-ts lifelong-learning knowledge base: one JSON task index per job, its versions and the
job's files, under /knowledgebase; every route needs a worker token of the job (Authorization: Bearer).

Options:
  --help      this text
  --version   the version

Environment:
${CONFIG_ENV.map((v) => `  ${v.name.padEnd(20)} ${v.description}`).join('\n')}
`;

/** Where `main` writes and how it learns to stop; replaced in tests. */
export interface MainIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Resolves when the process is asked to stop (SIGTERM, SIGINT). */
  stopSignal: () => Promise<void>;
  /** The logger (default: pino on stderr at SEDNA_LOG_LEVEL). */
  logger?: KbLogger;
}

const defaultIo: MainIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  stopSignal: () =>
    new Promise((resolve) => {
      process.once('SIGTERM', () => resolve());
      process.once('SIGINT', () => resolve());
    }),
};

/**
 * Runs `sedna-kb` with its arguments (without `node` and the script). Resolves with the exit code:
 * 0 after a clean stop, 1 for a bad configuration or a failed start, 2 for bad usage.
 */
export async function main(argv: readonly string[], io: MainIo = defaultIo): Promise<number> {
  let values: { help?: boolean; version?: boolean };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { help: { type: 'boolean' }, version: { type: 'boolean' } }, strict: true }));
  } catch (error) {
    io.stderr(`sedna-kb: ${errorMessage(error)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (values.version) {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  let kb: RunningKnowledgeBase;
  try {
    const config = configFromEnv(io.env);
    const logger = io.logger ?? createLogger({ name: 'sedna-kb', env: io.env });
    kb = await startKnowledgeBase({ ...config, logger });
  } catch (error) {
    io.stderr(`sedna-kb: ${error instanceof KnowledgeBaseError ? error.message : errorMessage(error)}\n`);
    return 1;
  }
  io.stdout(`sedna-kb ${VERSION}: listening on ${kb.url}, data in ${kb.dataDir}\n`);
  await io.stopSignal();
  await kb.close();
  return 0;
}
