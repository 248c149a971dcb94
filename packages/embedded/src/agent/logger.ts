import { pino } from 'pino';

/** The logging the agent needs: a pino logger fits, as does anything with these four methods. */
export interface NodeAgentLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** The default logger: pino to stdout at `SEDNA_LOG_LEVEL` (default `info`). */
export function defaultLogger(nodeName: string): NodeAgentLogger {
  return pino({ name: 'node-agent', level: process.env.SEDNA_LOG_LEVEL ?? 'info' }).child({ node: nodeName });
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
