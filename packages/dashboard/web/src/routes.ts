/** The pages of the dashboard, named by the location's `#route`. */

/** A page and what it shows; `unknown` for a route that names no page (it says so, never another page). */
export type Route =
  | { page: 'jobs' }
  | { page: 'job'; key: string }
  | { page: 'examples'; key: string }
  | { page: 'label'; key: string; id: string }
  | { page: 'unknown'; route: string; why: string };

/**
 * The page of a `#route`: `#/` (the jobs), `#/jobs/<plural>/<namespace>/<name>` (a job),
 * `.../hard-examples`, `.../label/<id>`. Anything else, a part too many included
 * (`#/jobs/a/b/c/extra`), is `unknown` with why.
 */
export function parseRoute(hash: string): Route {
  const route = hash.replace(/^#\/?/, '');
  let parts: string[];
  try {
    parts = route.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return { page: 'unknown', route, why: 'it is not valid percent-encoding' };
  }
  if (parts.length === 0) return { page: 'jobs' };
  const expected = 'expected #/jobs/<plural>/<namespace>/<name>, then nothing, /hard-examples or /label/<id>';
  if (parts[0] !== 'jobs' || parts.length < 4) return { page: 'unknown', route, why: expected };
  const key = parts.slice(1, 4).join('/');
  const rest = parts.slice(4);
  if (rest.length === 0) return { page: 'job', key };
  if (rest.length === 1 && rest[0] === 'hard-examples') return { page: 'examples', key };
  if (rest.length === 2 && rest[0] === 'label') return { page: 'label', key, id: rest[1] as string };
  return { page: 'unknown', route, why: expected };
}
