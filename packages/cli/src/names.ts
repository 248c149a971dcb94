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

/** One `KIND/NAME` argument. */
export interface KindName {
  kind: string;
  name: string;
}

/**
 * The arguments of `get` or `describe` as `KIND/NAME` pairs, or undefined when they are `KIND
 * [NAME...]`; refused as kubectl refuses them: a KIND/NAME mixed with KIND NAME arguments, more than one
 * slash, an empty kind or name, or a name that is no path segment.
 *
 * @throws CliError USAGE
 * @example
 * kindNameArgs('ds/a', ['models/m1'], 'get'); // [{ kind: 'ds', name: 'a' }, { kind: 'models', name: 'm1' }]
 * kindNameArgs('ds', ['a', 'b'], 'get'); // undefined
 */
export function kindNameArgs(kind: string, names: readonly string[], verb: string): KindName[] | undefined {
  const args = [kind, ...names];
  if (!args.some((arg) => arg.includes('/'))) return undefined;
  if (!args.every((arg) => arg.includes('/'))) {
    throw new CliError(
      'USAGE',
      `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'sedna ${verb} resource/<resource_name>' instead of 'sedna ${verb} resource resource/<resource_name>')`,
    );
  }
  return args.map((arg) => {
    const parts = arg.split('/');
    if (parts.length > 2) throw new CliError('USAGE', `${JSON.stringify(arg)}: arguments in resource/name form may not have more than one slash`);
    const [kindText, name] = parts as [string, string];
    if (!kindText || !name) throw new CliError('USAGE', `${JSON.stringify(arg)}: arguments in resource/name form must have a single resource and name`);
    checkPathSegment(name, `${kindText} NAME`);
    return { kind: kindText, name };
  });
}
