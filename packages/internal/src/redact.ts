/**
 * The one redactor of the tokens sedna-ts issues, for text that leaves a component in a log record, a
 * condition or an event message (where more people read it than may read the Secrets):
 *
 * - worker tokens `sw1.<claims>.<mac>`, wherever they start (glued to a word, `x_sw1.…`, too);
 * - 64 hex digits or more in a row: node tokens, old-form worker tokens and the GM secret are 64 hex
 *   digits, and a token glued to other hex digits makes a longer run. A sha256 digest labelled as one
 *   (`sha256 <hex>`, `sha256:<hex>`, `sha256=<hex>`, `"sha256":"<hex>"`) stays: it names a file;
 * - the credential after `Bearer ` (the API server's tokens, any other).
 */
const WORKER_TOKEN = /sw1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;
const HEX_TOKEN = /(?<!sha256(?:[ :=]|"\s*:\s*")[0-9a-fA-F]*)[0-9a-fA-F]{64,}/gi;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi;

/** What a redacted token is replaced by. */
export const REDACTED = '<redacted>';

/**
 * `text` with every token sedna-ts issues replaced: `sw1.<redacted>`, `<redacted>`, `Bearer <redacted>`.
 *
 * @example
 * redactTokens('LC_TOKEN=x_sw1.eyJucyI6ImEifQ.mac'); // 'LC_TOKEN=x_sw1.<redacted>'
 */
export function redactTokens(text: string): string {
  if (text.length < 8) return text;
  return text.replace(WORKER_TOKEN, `sw1.${REDACTED}`).replace(HEX_TOKEN, REDACTED).replace(BEARER, `$1${REDACTED}`);
}

/**
 * `value` with `redactTokens` applied to every string in it (object keys stay), down to `depth` levels;
 * the same value when nothing changed. For log records, whose fields may carry a worker's text.
 */
export function redactValue<T>(value: T, depth = 6): T {
  if (typeof value === 'string') return redactTokens(value) as T;
  if (depth <= 0 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    const message = redactTokens(value.message);
    if (message === value.message) return value;
    const copy = new Error(message, { cause: value.cause });
    copy.name = value.name;
    if (value.stack) copy.stack = value.stack.replace(value.message, message);
    Object.assign(copy, redactValue({ ...value }, depth - 1));
    return copy as T;
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => redactValue(item, depth - 1));
    return (items.some((item, i) => item !== value[i]) ? items : value) as T;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const redacted = redactValue(item, depth - 1);
    if (redacted !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = redacted;
  }
  return (copy ?? value) as T;
}
