import { type Logger } from '@sedna-ts/internal';
import { createLogger } from '@sedna-ts/internal/logger';
import { NodeAgentError } from './errors.js';

/** The logging the agent needs: a pino logger fits, as does anything with debug, info, warn and error. */
export type NodeAgentLogger = Logger;

/**
 * The default logger: pino to stdout at `SEDNA_LOG_LEVEL` (`LOG_LEVEL` alone: deprecated, warned once;
 * default `info`).
 */
export function defaultLogger(nodeName: string): NodeAgentLogger {
  try {
    return createLogger({ name: 'node-agent', destination: 1, bindings: { node: nodeName } });
  } catch (error) {
    throw NodeAgentError.from(error, 'InvalidOptions', 'node agent logger');
  }
}

/** Turns any thrown value into loggable fields. */
export function errorFields(error: unknown): { err: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const body = (error as { body?: unknown }).body;
    let text = error.message;
    if (typeof code === 'number' && typeof body === 'string' && !text.includes(body)) text += ` ${body.slice(0, 300)}`;
    return { err: text };
  }
  return { err: String(error) };
}
