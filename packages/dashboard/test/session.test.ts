// What every page does on a 401: it goes to the sign-in page with the reason the server gave and the
// page it was on (path, query and #route) to come back to; any other answer is the caller's.
import { apiFetch, checkSession, signInUrl, type Browser } from '../web/src/session.js';

function browserAt(here: string, answers: Record<string, { status: number; body?: unknown }>): Browser & { went: string[]; asked: string[] } {
  const went: string[] = [];
  const asked: string[] = [];
  return {
    went,
    asked,
    here: () => here,
    go: (url) => void went.push(url),
    fetch: async (url) => {
      asked.push(url);
      const a = answers[url] ?? { status: 404, body: { error: 'no route' } };
      return new Response(JSON.stringify(a.body ?? {}), { status: a.status, headers: { 'Content-Type': 'application/json' } });
    },
  };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

test('a 401 of any request goes to the sign-in page saying why, with the page to come back to; the caller waits for nothing more', async () => {
  const b = browserAt('/?visit=2#/jobs/incrementallearningjobs/default/dash/label/e1', { '/api/gm/x': { status: 401, body: { error: 'gone', reason: 'restarted' } } });
  let settledWith: unknown = 'pending';
  void apiFetch('/api/gm/x', undefined, b).then((r) => (settledWith = r), (e: unknown) => (settledWith = e));
  await settled();
  expect(b.went).toEqual([`/login?reason=restarted&next=${encodeURIComponent('/?visit=2#/jobs/incrementallearningjobs/default/dash/label/e1')}`]);
  expect(settledWith).toBe('pending');
});

test('other answers are returned as they are; the session check resolves to its status unless 401', async () => {
  const b = browserAt('/', { '/api/gm/y': { status: 403, body: { error: 'may not update' } }, '/api/session': { status: 200 } });
  expect((await apiFetch('/api/gm/y', undefined, b)).status).toBe(403);
  expect(await checkSession(b)).toBe(200);
  expect(b.went).toEqual([]);
  const gone = browserAt('/#/', { '/api/session': { status: 401, body: { reason: 'expired' } } });
  void checkSession(gone);
  await settled();
  expect(gone.went).toEqual([`/login?reason=expired&next=${encodeURIComponent('/#/')}`]);
});

test('the sign-in URL leaves out what says nothing and takes only a plain reason word', () => {
  expect(signInUrl(undefined, '/')).toBe('/login');
  expect(signInUrl('none', '/')).toBe('/login');
  expect(signInUrl('token-refused', '/')).toBe('/login?reason=token-refused');
  expect(signInUrl('<script>', '/#/')).toBe(`/login?next=${encodeURIComponent('/#/')}`);
});
