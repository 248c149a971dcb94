/**
 * Names that go into a URL path as one segment (object names, namespaces), checked as kubectl checks
 * them (apimachinery's IsValidPathSegmentName) before any URL is built: `''` and `.` would name the
 * collection (a delete of every object of the kind), `..` the level above (the namespace), and `/` or
 * `%` another path.
 */
import { CliError } from './errors.js';

/** Why `value` cannot be one path segment, or undefined when it can. */
export function pathSegmentProblem(value: string): string | undefined {
  if (value === '') return 'may not be empty';
  if (value === '.' || value === '..') return `may not be '${value}'`;
  if (value.includes('/')) return "may not contain '/'";
  if (value.includes('%')) return "may not contain '%'";
  return undefined;
}

/**
 * Refuses a name kubectl refuses as a path segment.
 *
 * @param what what the value is, e.g. `incrementallearningjob.sedna.io NAME` or `-n/--namespace`
 * @throws CliError USAGE naming `what` and the value
 * @example
 * checkPathSegment('..', 'job NAME'); // throws: job NAME "..": invalid resource name: may not be '..'
 */
export function checkPathSegment(value: string, what: string): void {
  const problem = pathSegmentProblem(value);
  if (problem) throw new CliError('USAGE', `${what} ${JSON.stringify(value)}: invalid resource name: ${problem}`);
}

/** {@link checkPathSegment} for each name given on the command line for `kind`. @throws CliError USAGE */
export function checkNames(names: readonly string[], kind: string): void {
  for (const name of names) checkPathSegment(name, `${kind} NAME`);
}
