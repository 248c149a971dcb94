/**
 * RFC 3339 date-times, as the contract reads them (the manual trigger's time, a KB index's
 * `create_time`). No Node built-ins: part of `@sedna-ts/api-types/contract`'s bundle.
 */

/** `2026-01-01T10:00:00Z`, `2026-01-01T10:00:00.123+01:00` (`t`, `z` and a space for `T` allowed, as RFC 3339 notes). */
export const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/** The instant an RFC 3339 date-time names: milliseconds since the epoch and the digits below them. */
export interface Rfc3339Instant {
  ms: number;
  /** Fraction digits after the third (`0` when none), so two times within one millisecond still order. */
  subMs: string;
}

/**
 * Reads an RFC 3339 date-time, or undefined when `text` is not one: the pattern, and a real calendar
 * date and clock time (Date.parse alone takes `2026-02-30`, rolling it into March).
 */
export function parseRfc3339(text: string): Rfc3339Instant | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction = '', oh = '00', om = '00'] = match.map((m) => m ?? undefined) as string[];
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59 || Number(oh) > 23 || Number(om) > 59) return undefined;
  const ms = Date.parse(text.replace(' ', 'T'));
  if (Number.isNaN(ms)) return undefined;
  return { ms, subMs: fraction.slice(3).replace(/0+$/, '') || '0' };
}

/** Orders two instants: negative when `a` is earlier, 0 when they are the same instant, positive when later. */
export function compareRfc3339(a: Rfc3339Instant, b: Rfc3339Instant): number {
  if (a.ms !== b.ms) return a.ms - b.ms;
  const width = Math.max(a.subMs.length, b.subMs.length);
  const left = a.subMs.padEnd(width, '0');
  const right = b.subMs.padEnd(width, '0');
  return left < right ? -1 : left > right ? 1 : 0;
}
