/**
 * Equality of JSON values as they would be sent: `isDeepStrictEqual` from `node:util` on the JSON
 * form of both, so key order does not matter, an `undefined` property is the same as an absent one
 * (JSON drops it), a Date is its ISO string, and objects made in another realm (a vm context, a
 * worker's message) compare by content.
 *
 * For values that are JSON already (parsed bodies, stored objects) call `isDeepStrictEqual` directly:
 * it is the same answer without the round trip.
 */
import { isDeepStrictEqual } from 'node:util';

function asJson(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/**
 * Whether `a` and `b` are the same JSON value.
 *
 * @example
 * sameJson({ a: 1, b: undefined }, { a: 1 }); // true
 * sameJson([1, 2], [2, 1]); // false
 */
export function sameJson(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(asJson(a), asJson(b));
}
