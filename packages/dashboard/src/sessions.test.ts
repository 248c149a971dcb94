import { cookieValue, sessionCookie, SessionStore } from './sessions.js';

test('a one-time code signs in once, and not after it expired', () => {
  let now = 1_000;
  const store = new SessionStore({ codeMs: 60_000, now: () => now });
  const code = store.oneTimeCode('tok');
  expect(store.redeem(code)).toBe('tok');
  expect(store.redeem(code)).toBeUndefined();
  const late = store.oneTimeCode('tok');
  now += 60_001;
  expect(store.redeem(late)).toBeUndefined();
  expect(store.redeem('made-up')).toBeUndefined();
});

test('a session is found by its id until it is idle too long or deleted', () => {
  let now = 0;
  const store = new SessionStore({ idleMs: 1000, now: () => now });
  const s = store.create('tok');
  now = 900;
  expect(store.get(s.id)?.token).toBe('tok');
  now = 1800;
  expect(store.get(s.id)?.token).toBe('tok');
  now = 2801;
  expect(store.get(s.id)).toBeUndefined();
  const t = store.create('tok2');
  store.end(t.id, 'signed-out');
  expect(store.get(t.id)).toBeUndefined();
  expect(store.get(undefined)).toBeUndefined();
});

test('a request without a session is told why: no cookie, idle too long, signed out, token refused, or a session of an earlier run (a restart)', () => {
  let now = 0;
  const store = new SessionStore({ idleMs: 1000, now: () => now });
  expect(store.whyNot(undefined)).toBe('none');
  const idle = store.create('a');
  const out = store.create('b');
  const refused = store.create('c');
  expect(idle.id.startsWith(`${store.run}.`)).toBe(true);
  store.end(out.id, 'signed-out');
  store.end(refused.id, 'token-refused');
  now = 1001;
  expect(store.get(idle.id)).toBeUndefined();
  expect([store.whyNot(idle.id), store.whyNot(out.id), store.whyNot(refused.id)]).toEqual(['expired', 'signed-out', 'token-refused']);
  // Ending twice keeps the first reason.
  store.end(out.id, 'token-refused');
  expect(store.whyNot(out.id)).toBe('signed-out');
  // Another run's session (the dashboard restarted: sessions live in memory), or no session at all of this run.
  const earlier = new SessionStore().create('d');
  expect(store.whyNot(earlier.id)).toBe('restarted');
  expect(store.whyNot(`${store.run}.forgotten`)).toBe('expired');
});

test('the cookie is HttpOnly and SameSite=Strict everywhere, Secure over TLS, and read back from a Cookie header', () => {
  expect(sessionCookie('abc', false)).toBe('sedna_dashboard=abc; Path=/; HttpOnly; SameSite=Strict');
  expect(sessionCookie('abc', true)).toBe('sedna_dashboard=abc; Path=/; HttpOnly; SameSite=Strict; Secure');
  expect(sessionCookie('', true)).toContain('Max-Age=0');
  expect(cookieValue('a=1; sedna_dashboard=xyz; b=2', 'sedna_dashboard')).toBe('xyz');
  expect(cookieValue(undefined, 'sedna_dashboard')).toBeUndefined();
});
