/** Where the knowledge base logs (pino's shape: fields first, then the message); a pino logger fits. */
export interface KbLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** A logger that drops everything (the default of `startKnowledgeBase`). */
export const silentLogger: KbLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
