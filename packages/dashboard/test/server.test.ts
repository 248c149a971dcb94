// The dashboard's server against the embedded API server (a real one, with TLS and its own token):
// nothing but the sign-in routes answers without a session, a token the API server refuses does not
// sign in, a good one does (HttpOnly, SameSite=Strict cookie), a post from another site is refused, and
// the GM's routes are the only ones /api/gm reaches. A 401 says why (no session, a restart, signed out,
// the token refused by the API server or the GM), pages go to the sign-in page with that reason and the
// page to come back to, and signing in brings the user back there.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { podLogPath, startApiServer } from '@sedna-ts/embedded';
import pino from 'pino';
import { startDashboard, type RunningDashboard } from '../src/index.js';
import { GM_MAX_BODY, MAX_LOGIN_BODY, MAX_STREAMS_PER_SESSION, MAX_STREAMS_PER_USER } from '../src/server.js';

let dir: string;
let api: Awaited<ReturnType<typeof startApiServer>>;
let dashboard: RunningDashboard;
let gm: Server;
const gmPaths: string[] = [];
const gmBodies: number[] = [];
const gmGaveUp: string[] = [];
const logged: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sedna-dashboard-'));
  api = await startApiServer({ dataDir: join(dir, 'api'), logger: pino({ level: 'silent' }) });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(api.kubeconfig());
  // A stand-in GM that records what reaches it.
  gm = createServer((req, res) => {
    gmPaths.push(`${req.method} ${req.url} ${req.headers.authorization}`);
    if (req.url?.includes('/revoked/')) {
      // As the GM answers when the TokenReview says no.
      res.writeHead(401, { 'Content-Type': 'application/json' });
      return void res.end('{"error":"the API server does not accept the token"}');
    }
    if (req.url?.endsWith('/image')) {
      res.writeHead(200, { 'Content-Type': 'image/png', 'Cache-Control': 'private, max-age=86400, immutable' });
      return void res.end('png');
    }
    if (req.url?.includes('/hang/')) {
      // Never answers: the dashboard must let go of it when the browser does.
      res.once('close', () => gmGaveUp.push(req.url as string));
      return;
    }
    let size = 0;
    req.on('data', (chunk: Buffer) => (size += chunk.length));
    req.on('end', () => {
      gmBodies.push(size);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"examples":[]}');
    });
  });
  await new Promise<void>((resolve) => gm.listen(0, '127.0.0.1', resolve));
  const publicDir = join(dir, 'public');
  mkdirSync(join(publicDir, 'assets'), { recursive: true });
  writeFileSync(join(publicDir, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(publicDir, 'assets', 'app.js'), 'console.log(1)');
  dashboard = await startDashboard({ kubeConfig, gmUrl: `http://127.0.0.1:${(gm.address() as AddressInfo).port}`, publicDir, tokenCheckMs: 100, logger: pino({ level: 'info' }, { write: (line: string) => void logged.push(line) }) });
});

afterAll(async () => {
  await dashboard.close();
  await new Promise<void>((resolve) => gm.close(() => resolve()));
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

const form = (token: string) => ({ method: 'POST', redirect: 'manual' as const, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });

test('without a session: pages and assets redirect to the sign-in page, the API answers 401', async () => {
  for (const [path, location] of [
    ['/', '/login'],
    ['/assets/app.js', '/login?next=%2Fassets%2Fapp.js'],
    ['/anything?x=1', '/login?next=%2Fanything%3Fx%3D1'],
  ]) {
    const res = await fetch(`${dashboard.url}${path}`, { redirect: 'manual' });
    expect([path, res.status, res.headers.get('location')]).toEqual([path, 303, location]);
    expect([path, res.headers.get('x-frame-options'), res.headers.get('content-security-policy')]).toEqual([path, 'DENY', expect.stringContaining("frame-ancestors 'none'")]);
  }
  for (const path of ['/api/watch', '/api/session', '/api/pods/default/p/log', '/api/gm/jobs/incrementallearningjobs/default/j/hard-examples']) {
    const res = await fetch(`${dashboard.url}${path}`);
    expect([path, res.status, await res.json()]).toEqual([path, 401, { error: 'Sign in first: every request of the dashboard carries your Kubernetes bearer token.', reason: 'none' }]);
  }
  const script = await fetch(`${dashboard.url}/login.js`);
  expect([script.status, script.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
  const login = await fetch(`${dashboard.url}/login`);
  expect(login.status).toBe(200);
  expect(await login.text()).toContain('<form method="post" action="/login">');
  expect(gmPaths).toEqual([]);
});

test('a token the API server refuses does not sign in; a good one does, and its session reads the pages and the GM routes with that token', async () => {
  const refused = await fetch(`${dashboard.url}/login`, form('not-a-token'));
  expect(refused.status).toBe(401);
  expect(await refused.text()).toContain('The API server does not accept this token.');
  const ok = await fetch(`${dashboard.url}/login`, form(api.token));
  expect(ok.status).toBe(303);
  const cookie = ok.headers.get('set-cookie') as string;
  expect(cookie).toMatch(/^sedna_dashboard=[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Strict$/);
  const session = cookie.split(';')[0] as string;
  const page = await fetch(`${dashboard.url}/jobs`, { headers: { Cookie: session } });
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<title>app</title>');
  expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
  expect((await fetch(`${dashboard.url}/api/session`, { headers: { Cookie: session } })).status).toBe(200);
  const examples = await fetch(`${dashboard.url}/api/gm/jobs/incrementallearningjobs/default/j/hard-examples?list=queue`, { headers: { Cookie: session } });
  expect(examples.status).toBe(200);
  expect(gmPaths).toEqual([`GET /dashboard/v1/jobs/incrementallearningjobs/default/j/hard-examples?list=queue Bearer ${api.token}`]);
  // Nothing outside the GM's dashboard routes is reached through /api/gm.
  for (const path of ['/api/gm/%2e%2e/%2e%2e/%2e%2e/metrics', '/api/gm/jobs/%2e%2e/%2e%2e/%2e%2e/%2e%2e/healthz']) await fetch(`${dashboard.url}${path}`, { headers: { Cookie: session } });
  expect(gmPaths).toHaveLength(1);
  // A post from another site is refused.
  const cross = await fetch(`${dashboard.url}/api/gm/jobs/incrementallearningjobs/default/j/hard-examples/x/skip`, { method: 'POST', headers: { Cookie: session, Origin: 'https://evil.example' } });
  expect(cross.status).toBe(403);
  // Signed out: the session is gone, and the sign-in page says so.
  const out = await fetch(`${dashboard.url}/logout`, { method: 'POST', redirect: 'manual', headers: { Cookie: session } });
  expect(out.headers.get('location')).toBe('/login?reason=signed-out');
  // The browser keeps the ended session's id (for an hour): its other tabs are told why they are out.
  const kept = out.headers.get('set-cookie') as string;
  expect(kept).toMatch(/; Max-Age=3600$/);
  expect(kept.split(';')[0]).toBe(session);
  const after = await fetch(`${dashboard.url}/api/watch`, { headers: { Cookie: kept.split(';')[0] as string } });
  expect([after.status, ((await after.json()) as { reason: string }).reason]).toEqual([401, 'signed-out']);
});

const signedIn = async (token = api.token): Promise<string> => ((await fetch(`${dashboard.url}/login`, form(token))).headers.get('set-cookie') as string).split(';')[0] as string;
const reasonOf = async (cookie: string): Promise<[number, string | undefined]> => {
  const res = await fetch(`${dashboard.url}/api/session`, { headers: { Cookie: cookie } });
  return [res.status, ((await res.json()) as { reason?: string }).reason];
};

/** Reads an SSE stream until it ends; resolves to what it carried. */
async function readToEnd(res: Response): Promise<string> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += new TextDecoder().decode(chunk.value);
  return text;
}

test('a session of an earlier run reads as a restart: the API says so, pages go to the sign-in page with the reason and the page; signing in comes back to it', async () => {
  const earlier = 'sedna_dashboard=AAAAAAAAAAAA.made-before-the-restart';
  expect(await reasonOf(earlier)).toEqual([401, 'restarted']);
  const page = await fetch(`${dashboard.url}/?visit=1`, { redirect: 'manual', headers: { Cookie: earlier } });
  expect([page.status, page.headers.get('location')]).toEqual([303, '/login?reason=restarted&next=%2F%3Fvisit%3D1']);
  const login = await (await fetch(`${dashboard.url}/login?reason=restarted&next=${encodeURIComponent('/?visit=1#/jobs/a')}`)).text();
  expect(login).toContain('The dashboard restarted and forgot its sessions (it keeps them in memory only): sign in again. You will be back on the page you were on.');
  expect(login).toContain('<input type="hidden" name="next" value="/?visit=1#/jobs/a">');
  expect(login).toContain('<script src="/login.js" defer></script>');
  // A made-up reason says nothing; the page is kept.
  expect(await (await fetch(`${dashboard.url}/login?reason=%3Cb%3E`)).text()).not.toContain('role="status"');
  const back = await fetch(`${dashboard.url}/login`, { ...form(api.token), body: new URLSearchParams({ token: api.token, next: '/?visit=1#/jobs/a' }).toString() });
  expect([back.status, back.headers.get('location')]).toEqual([303, '/?visit=1#/jobs/a']);
  // A failed attempt keeps the page too.
  const failed = await fetch(`${dashboard.url}/login`, { ...form('x'), body: new URLSearchParams({ token: 'not-a-token', next: '/#/jobs/b' }).toString() });
  expect(await failed.text()).toContain('<input type="hidden" name="next" value="/#/jobs/b">');
  // Never another site, nor the sign-in routes.
  for (const next of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', '/ok\r\nSet-Cookie: a=b', '/login?reason=expired', '/logout']) {
    const res = await fetch(`${dashboard.url}/login`, { ...form('x'), body: new URLSearchParams({ token: api.token, next }).toString() });
    expect([next, res.headers.get('location')]).toEqual([next, '/']);
  }
});

test("signing out ends the session's live streams; their pages come back to a 401 that says why", async () => {
  const cookie = await signedIn();
  const stream = await fetch(`${dashboard.url}/api/watch`, { headers: { Cookie: cookie } });
  expect(stream.status).toBe(200);
  const ended = readToEnd(stream);
  await fetch(`${dashboard.url}/logout`, { method: 'POST', redirect: 'manual', headers: { Cookie: cookie } });
  await ended;
  expect(await reasonOf(cookie)).toEqual([401, 'signed-out']);
});

test('a token the GM refuses ends the session: the answer and every later one is a 401 saying the token was refused', async () => {
  const cookie = await signedIn();
  const res = await fetch(`${dashboard.url}/api/gm/jobs/incrementallearningjobs/default/revoked/hard-examples`, { headers: { Cookie: cookie } });
  expect([res.status, await res.json()]).toEqual([401, { error: 'The API server no longer accepts your token (it expired or was revoked): sign in with a new one.', reason: 'token-refused' }]);
  expect(await reasonOf(cookie)).toEqual([401, 'token-refused']);
  const page = await fetch(`${dashboard.url}/`, { redirect: 'manual', headers: { Cookie: cookie } });
  expect(page.headers.get('location')).toBe('/login?reason=token-refused');
});

test('a watch the API server refuses with 401 (the ServiceAccount behind the token was deleted) ends the stream and the session', async () => {
  const admin = new KubeConfig();
  admin.loadFromString(api.kubeconfig());
  const core = admin.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'leaver' } } });
  const token = (await core.createNamespacedServiceAccountToken({ name: 'leaver', namespace: 'default', body: { spec: { audiences: [], expirationSeconds: 3600 } } })).status?.token as string;
  const cookie = await signedIn(token);
  expect(await reasonOf(cookie)).toEqual([200, undefined]);
  await core.deleteNamespacedServiceAccount({ name: 'leaver', namespace: 'default' });
  const stream = await fetch(`${dashboard.url}/api/watch`, { headers: { Cookie: cookie } });
  expect(stream.status).toBe(200);
  const text = await readToEnd(stream);
  expect(text).toContain('"status":401');
  expect(await reasonOf(cookie)).toEqual([401, 'token-refused']);
});

test('a token that expires or is revoked while signed in ends the session: /api/session answers 401 token-refused, and an open stream ends', async () => {
  // Found by a stranger's probe: /api/session answered signedIn: true for a token the API server no
  // longer took, and a stream made before stayed open, so the pages stayed "live" and showed nothing.
  const admin = new KubeConfig();
  admin.loadFromString(api.kubeconfig());
  const core = admin.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'expiring' } } });
  const token = (await core.createNamespacedServiceAccountToken({ name: 'expiring', namespace: 'default', body: { spec: { audiences: [], expirationSeconds: 3600 } } })).status?.token as string;
  const cookie = await signedIn(token);
  const other = await signedIn(token);
  const stream = await fetch(`${dashboard.url}/api/watch`, { headers: { Cookie: cookie } });
  const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  while (!text.includes('event: synced')) text += new TextDecoder().decode((await reader.read()).value);
  await core.deleteNamespacedServiceAccount({ name: 'expiring', namespace: 'default' });
  const session = await fetch(`${dashboard.url}/api/session`, { headers: { Cookie: other } });
  expect([session.status, ((await session.json()) as { reason: string }).reason]).toEqual([401, 'token-refused']);
  // The stream ends (its session's token checked again), and its session with it.
  while (!(await reader.read()).done);
  expect(await reasonOf(cookie)).toEqual([401, 'token-refused']);
});

test('a token with a line break or a control character is refused with the sign-in page (400) and never logged; an oversize sign-in form gets 413', async () => {
  for (const token of [`${api.token}\nX-Injected: 1`, `abc\u0000def`, 'two words']) {
    const res = await fetch(`${dashboard.url}/login`, form(token));
    expect([JSON.stringify(token), res.status]).toEqual([JSON.stringify(token), 400]);
    expect(await res.text()).toContain('A token is one line of visible characters: no spaces, line breaks or control characters.');
  }
  expect(logged.join('')).not.toContain(api.token);
  expect(logged.join('')).not.toContain('abc');
  const big = await fetch(`${dashboard.url}/login`, form('x'.repeat(MAX_LOGIN_BODY + 1)));
  expect(big.status).toBe(413);
  expect(big.headers.get('content-type')).toContain('text/html');
  expect(await big.text()).toContain(`The sign-in form is larger than ${MAX_LOGIN_BODY / 1024} KiB`);
});

test('a body for the GM above its limit gets 413 naming the limit and never reaches it; one within is forwarded whole', async () => {
  const ok = await fetch(`${dashboard.url}/login`, form(api.token));
  const session = (ok.headers.get('set-cookie') as string).split(';')[0] as string;
  const label = `${dashboard.url}/api/gm/jobs/incrementallearningjobs/default/j/hard-examples/x/label`;
  const before = gmPaths.length;
  const tooBig = await fetch(label, { method: 'POST', headers: { Cookie: session, 'Content-Type': 'application/json' }, body: JSON.stringify({ label: 'x'.repeat(GM_MAX_BODY) }) });
  expect(tooBig.status).toBe(413);
  expect(((await tooBig.json()) as { error: string }).error).toBe(`the request body is larger than ${GM_MAX_BODY / 1024} KiB, the limit of the global manager`);
  expect(gmPaths.length).toBe(before);
  const within = JSON.stringify({ label: 'x'.repeat(GM_MAX_BODY - 100) });
  const forwarded = await fetch(label, { method: 'POST', headers: { Cookie: session, 'Content-Type': 'application/json' }, body: within });
  expect(forwarded.status).toBe(200);
  expect(gmBodies.at(-1)).toBe(Buffer.byteLength(within));
});

test("a user allowed in one namespace only follows a job's page there: its job, pods and events, no refused watch", async () => {
  const admin = new KubeConfig();
  admin.loadFromString(api.kubeconfig());
  await admin.makeApiClient(ApiextensionsV1Api).createCustomResourceDefinition({
    body: {
      metadata: { name: 'incrementallearningjobs.sedna.io' },
      spec: {
        group: 'sedna.io',
        scope: 'Namespaced',
        names: { plural: 'incrementallearningjobs', singular: 'incrementallearningjob', kind: 'IncrementalLearningJob' },
        versions: [{ name: 'v1alpha1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }],
      },
    },
  });
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespace({ body: { metadata: { name: 'team' } } });
  await core.createNamespacedServiceAccount({ namespace: 'team', body: { metadata: { name: 'member' } } });
  await rbac.createNamespacedRole({
    namespace: 'team',
    body: {
      metadata: { name: 'reader' },
      rules: [
        { apiGroups: ['sedna.io'], resources: ['incrementallearningjobs'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['pods', 'events'], verbs: ['get', 'list', 'watch'] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({ namespace: 'team', body: { metadata: { name: 'member-reads' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' }, subjects: [{ kind: 'ServiceAccount', name: 'member', namespace: 'team' }] } });
  const custom = admin.makeApiClient(CustomObjectsApi);
  for (const name of ['mine', 'other']) {
    await custom.createNamespacedCustomObject({ group: 'sedna.io', version: 'v1alpha1', namespace: 'team', plural: 'incrementallearningjobs', body: { apiVersion: 'sedna.io/v1alpha1', kind: 'IncrementalLearningJob', metadata: { name }, spec: {} } });
  }
  const token = (await core.createNamespacedServiceAccountToken({ name: 'member', namespace: 'team', body: { spec: { audiences: [], expirationSeconds: 3600 } } })).status?.token as string;
  const signedIn = await fetch(`${dashboard.url}/login`, form(token));
  expect(signedIn.status).toBe(303);
  const session = (signedIn.headers.get('set-cookie') as string).split(';')[0] as string;

  const controller = new AbortController();
  const res = await fetch(`${dashboard.url}/api/watch?job=incrementallearningjobs/team/mine`, { headers: { Cookie: session }, signal: controller.signal });
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  // Read until the job comes, or a watch is refused (cluster-wide, it was: 403).
  while (!text.includes('event: job') && !text.includes('event: status')) text += new TextDecoder().decode((await reader.read()).value);
  controller.abort();
  expect(text).not.toContain('event: status');
  const jobs = text
    .split('\n\n')
    .filter((e) => e.startsWith('event: job'))
    .map((e) => (JSON.parse(e.slice(e.indexOf('data: ') + 6)) as { object: { metadata: { name: string } } }).object.metadata.name);
  expect(jobs).toEqual(['mine']);

  // A refusal of the API server reads as its Status message, not client-node's dump.
  const log = await fetch(`${dashboard.url}/api/pods/team/p/log`, { headers: { Cookie: session } });
  expect(log.status).toBe(403);
  const { error } = (await log.json()) as { error: string };
  expect(error).toMatch(/^the log of pod team\/p: pods "p" is forbidden: User "system:serviceaccount:team:member" cannot get resource "pods" in API group "" subresource "log" in the namespace "team"$/);
  expect(error).not.toContain('HTTP-Code');

  // At most MAX_STREAMS_PER_SESSION streams per session; one closed makes room.
  const aborts = Array.from({ length: MAX_STREAMS_PER_SESSION }, () => new AbortController());
  const open = await Promise.all(aborts.map((a) => fetch(`${dashboard.url}/api/watch?job=incrementallearningjobs/team/mine`, { headers: { Cookie: session }, signal: a.signal })));
  expect(open.map((r) => r.status)).toEqual(aborts.map(() => 200));
  const refused = await fetch(`${dashboard.url}/api/watch?job=incrementallearningjobs/team/mine`, { headers: { Cookie: session } });
  expect([refused.status, ((await refused.json()) as { error: string }).error]).toEqual([429, `at most ${MAX_STREAMS_PER_SESSION} live streams per session: close other dashboard tabs`]);
  aborts[0]?.abort();
  let again: Response | undefined;
  // The server sees the closed stream once the socket closes: ask until it has.
  while ((again = await fetch(`${dashboard.url}/api/watch?job=incrementallearningjobs/team/mine`, { headers: { Cookie: session }, signal: aborts[1]?.signal })).status === 429) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(again.status).toBe(200);
  for (const a of aborts) a.abort();

  // Signing in again makes a new session, not more streams: at most MAX_STREAMS_PER_USER for the sessions of one token.
  const sessionsOfToken = await Promise.all([1, 2, 3].map(async () => ((await fetch(`${dashboard.url}/login`, form(token))).headers.get('set-cookie') as string).split(';')[0] as string));
  const held = new AbortController();
  const openOf = (cookie: string) => fetch(`${dashboard.url}/api/watch?job=incrementallearningjobs/team/mine`, { headers: { Cookie: cookie }, signal: held.signal });
  let statuses: number[] = [];
  // The streams aborted above close as their sockets do: ask until the user's streams are all these.
  for (;;) {
    const first = await Promise.all(Array.from({ length: MAX_STREAMS_PER_SESSION }, () => openOf(sessionsOfToken[0] as string)));
    const second = await Promise.all(Array.from({ length: MAX_STREAMS_PER_USER - MAX_STREAMS_PER_SESSION }, () => openOf(sessionsOfToken[1] as string)));
    statuses = [...first, ...second].map((r) => r.status);
    if (statuses.every((st) => st === 200)) break;
    for (const r of [...first, ...second]) if (r.status === 200) await r.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const overUser = await fetch(`${dashboard.url}/api/watch`, { headers: { Cookie: sessionsOfToken[2] as string } });
  expect([overUser.status, ((await overUser.json()) as { error: string }).error]).toEqual([429, `at most ${MAX_STREAMS_PER_USER} live streams per user (all sessions of this token): close dashboard tabs or sign out elsewhere`]);
  held.abort();
});

test('a stream follows several scopes, each event naming its scope; a malformed scope is refused naming it', async () => {
  const cookie = await signedIn();
  for (const [query, error] of [
    ['job=incrementallearningjobs/team/mine/extra', 'query job="incrementallearningjobs/team/mine/extra": expected "jobs" or <plural>/<namespace>/<name> of a learning job'],
    ['scope=pods/team/x', 'query scope="pods/team/x": expected "jobs" or <plural>/<namespace>/<name> of a learning job'],
  ]) {
    const res = await fetch(`${dashboard.url}/api/watch?${query}`, { headers: { Cookie: cookie } });
    expect([res.status, ((await res.json()) as { error: string }).error]).toEqual([400, error]);
  }
  const controller = new AbortController();
  const res = await fetch(`${dashboard.url}/api/watch?scope=jobs&scope=incrementallearningjobs/team/mine`, { headers: { Cookie: cookie }, signal: controller.signal });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  while ((text.match(/event: synced/g) ?? []).length < 2) text += new TextDecoder().decode((await reader.read()).value);
  controller.abort();
  const events = text
    .split('\n\n')
    .filter((e) => e.startsWith('event: job') || e.startsWith('event: synced'))
    .map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)) as { scope: string; object?: { metadata: { name: string } } });
  const seen = events.map((e) => `${e.scope} ${e.object?.metadata.name ?? 'synced'}`).sort();
  expect(seen).toEqual(['incrementallearningjobs/team/mine mine', 'incrementallearningjobs/team/mine synced', 'jobs mine', 'jobs other', 'jobs synced']);
});

test('an address that fails to sign in too often waits (429, Retry-After); a bad %-escape is a 400; another site cannot sign a user out', async () => {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(api.kubeconfig());
  const strict = await startDashboard({ kubeConfig, gmUrl: 'http://127.0.0.1:9', publicDir: join(dir, 'public'), signInLimit: { max: 3, windowMs: 60_000 }, logger: pino({ level: 'silent' }) });
  try {
    const tries = [];
    for (let i = 0; i < 4; i++) tries.push((await fetch(`${strict.url}/login`, form(`not-a-token-${i}`))).status);
    expect(tries).toEqual([401, 401, 401, 429]);
    const refused = await fetch(`${strict.url}/login`, form(api.token));
    expect([refused.status, Number(refused.headers.get('retry-after')) > 0, await refused.text()]).toEqual([429, true, expect.stringContaining('Too many sign-ins that failed')]);

    for (const path of ['/%', '/api/gm/jobs/incrementallearningjobs/default/j/hard-examples/%E0%A4/image']) {
      const res = await fetch(`${strict.url}${path}`);
      expect([path, res.status, ((await res.json()) as { error: string }).error]).toEqual([path, 400, expect.stringContaining('not valid percent-encoding')]);
    }

    const cookie = await signedIn();
    const forced = await fetch(`${dashboard.url}/logout`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: 'http://evil.example' } });
    expect(forced.status).toBe(403);
    expect((await fetch(`${dashboard.url}/api/session`, { headers: { cookie } })).status).toBe(200);
  } finally {
    await strict.close();
  }
});

test('a browser that gives up on a GM request (a long COCO export) closes the request to the GM, which then cancels the LC work', async () => {
  const cookie = await signedIn();
  const gone = new AbortController();
  const answer = fetch(`${dashboard.url}/api/gm/jobs/incrementallearningjobs/default/hang/coco`, { headers: { Cookie: cookie }, signal: gone.signal });
  for (let i = 0; i < 200 && !gmPaths.some((p) => p.includes('/hang/')); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(gmGaveUp).toEqual([]);
  gone.abort();
  await expect(answer).rejects.toThrow();
  for (let i = 0; i < 200 && gmGaveUp.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(gmGaveUp).toEqual(['/dashboard/v1/jobs/incrementallearningjobs/default/hang/coco']);
});

test("a hard example's image keeps the GM's immutable caching; every other answer is no-store", async () => {
  const cookie = await signedIn();
  const image = await fetch(`${dashboard.url}/api/gm/jobs/incrementallearningjobs/default/j/hard-examples/e1/image`, { headers: { Cookie: cookie } });
  expect([image.status, image.headers.get('cache-control')]).toEqual([200, 'private, max-age=86400, immutable']);
  const list = await fetch(`${dashboard.url}/api/gm/jobs/incrementallearningjobs/default/j/hard-examples`, { headers: { Cookie: cookie } });
  expect([list.status, list.headers.get('cache-control')]).toEqual([200, 'no-store']);
});

test("a job's page gets the events of the job's pods too (Started, NodeRestart...), also those listed before their pod; not another pod's", async () => {
  const admin = new KubeConfig();
  admin.loadFromString(api.kubeconfig());
  const core = admin.makeApiClient(CoreV1Api);
  const custom = admin.makeApiClient(CustomObjectsApi);
  await admin
    .makeApiClient(ApiextensionsV1Api)
    .createCustomResourceDefinition({
      body: {
        metadata: { name: 'incrementallearningjobs.sedna.io' },
        spec: { group: 'sedna.io', scope: 'Namespaced', names: { plural: 'incrementallearningjobs', singular: 'incrementallearningjob', kind: 'IncrementalLearningJob' }, versions: [{ name: 'v1alpha1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } } }] },
      },
    })
    .catch(() => undefined); // made by an earlier test
  await custom.createNamespacedCustomObject({ group: 'sedna.io', version: 'v1alpha1', namespace: 'default', plural: 'incrementallearningjobs', body: { apiVersion: 'sedna.io/v1alpha1', kind: 'IncrementalLearningJob', metadata: { name: 'evjob' }, spec: {} } });
  const event = (name: string, kind: string, object: string, reason: string) =>
    core.createNamespacedEvent({ namespace: 'default', body: { metadata: { name }, involvedObject: { kind, name: object, namespace: 'default' }, reason, message: `${reason} ${object}`, type: 'Normal' } });
  // Its pod's event before the pod exists (the events list may come before the pods list).
  await event('e-early', 'Pod', 'evjob-train-1', 'Scheduled');
  await event('e-job', 'IncrementalLearningJob', 'evjob', 'RoundStarted');
  await event('e-stranger', 'Pod', 'stranger', 'Unrelated');
  const cookie = await signedIn();
  const controller = new AbortController();
  const res = await fetch(`${dashboard.url}/api/watch?job=incrementallearningjobs/default/evjob`, { headers: { Cookie: cookie }, signal: controller.signal });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  let text = '';
  while (!text.includes('event: synced')) text += new TextDecoder().decode((await reader.read()).value);
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'evjob-train-1', labels: { 'incrementallearningjob.sedna.io/name': 'evjob' } }, spec: { containers: [{ name: 'train', image: 'x' }] } } });
  await event('e-late', 'Pod', 'evjob-train-1', 'Started');
  const reasons = () =>
    text
      .split('\n\n')
      .filter((e) => e.startsWith('event: event'))
      .map((e) => (JSON.parse(e.slice(e.indexOf('data: ') + 6)) as { object: { reason: string } }).object.reason);
  const deadline = Date.now() + 20_000;
  while (!reasons().includes('Started') && Date.now() < deadline) text += new TextDecoder().decode((await reader.read()).value);
  controller.abort();
  expect(new Set(reasons())).toEqual(new Set(['RoundStarted', 'Scheduled', 'Started']));
});

test('a pod log reaches the page with the tokens its worker printed redacted', async () => {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(api.kubeconfig());
  await kubeConfig.makeApiClient(CoreV1Api).createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'talker' }, spec: { containers: [{ name: 'worker', image: 'sedna-ts/worker-node:0.1' }] } } });
  const file = podLogPath(join(dir, 'api', 'pods'), 'default', 'talker', 'worker');
  mkdirSync(dirname(file), { recursive: true });
  const token = `sw1.${'e'.repeat(40)}.${'f'.repeat(40)}`;
  writeFileSync(file, `plain ${token}\nglued xx${token}\n`);
  const res = await fetch(`${dashboard.url}/api/pods/default/talker/log`, { headers: { Cookie: await signedIn() } });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ log: 'plain sw1.<redacted>\nglued xxsw1.<redacted>\n' });
});
