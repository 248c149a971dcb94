/** JSON helpers: deep copies of API objects (comparisons: `sameJson` of @sedna-ts/internal). */

/** A deep copy of a JSON value (API objects are plain JSON). */
export function cloneJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
