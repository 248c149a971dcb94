/**
 * What every page does on a 401 (the session expired or was signed out, the dashboard restarted, the
 * API server stopped accepting the token): it goes to the sign-in page, which says why (the `reason` of
 * the server's 401 answer) and brings the user back to the page they were on (`next`: path, query and
 * #route) once signed in. Every request of the pages goes through {@link apiFetch}; the live stream,
 * which cannot read a status, asks {@link checkSession} when it stops.
 */

/** What the session helpers use of the browser (stand-ins in tests). */
export interface Browser {
  fetch: (url: string, init?: RequestInit) => Promise<Response>;
  /** Leaves the page for `url`. */
  go: (url: string) => void;
  /** The page the user is on: path, query and #route. */
  here: () => string;
}

// The page's location, typed here: the server's typecheck (which sees this module through its tests) has no DOM.
const page = () => (globalThis as unknown as { location: { pathname: string; search: string; hash: string; assign(url: string): void } }).location;

const browser: Browser = {
  fetch: (url, init) => fetch(url, init),
  go: (url) => page().assign(url),
  here: () => `${page().pathname}${page().search}${page().hash}`,
};

/** The sign-in page saying why (`reason`, from a 401 answer) and coming back to `here` after. */
export function signInUrl(reason: string | undefined, here: string): string {
  const query = new URLSearchParams();
  if (reason && reason !== 'none' && /^[a-z-]{1,32}$/.test(reason)) query.set('reason', reason);
  if (here && here !== '/') query.set('next', here);
  const text = query.toString();
  return text ? `/login?${text}` : '/login';
}

/** Goes to the sign-in page with the reason of a 401 answer (its JSON `reason`). */
export async function signInAgain(answer: Response, b: Browser = browser): Promise<never> {
  const body = (await answer.json().catch(() => ({}))) as { reason?: unknown };
  b.go(signInUrl(typeof body.reason === 'string' ? body.reason : undefined, b.here()));
  // The page is being left: whoever waits for this request waits for nothing more.
  return new Promise<never>(() => undefined);
}

/** `fetch` for the pages: on a 401 it goes to the sign-in page and never settles; any other answer is returned. */
export async function apiFetch(url: string, init?: RequestInit, b: Browser = browser): Promise<Response> {
  const answer = await b.fetch(url, init);
  if (answer.status === 401) return signInAgain(answer, b);
  return answer;
}

/**
 * Asks whether the session is still there (`GET /api/session`), for a stream that stopped or an image
 * that did not load: on 401 it goes to the sign-in page (and never settles); else resolves to the status.
 */
export async function checkSession(b: Browser = browser): Promise<number> {
  return (await apiFetch('/api/session', undefined, b)).status;
}
