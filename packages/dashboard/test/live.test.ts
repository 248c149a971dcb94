// The pages' live stream: when it stops for good (its retry got 401: the session expired, was signed
// out, or the dashboard restarted) or a watch says 401, it asks whether the session is there (which goes
// to the sign-in page on 401), so the page does not say "offline" forever.
import { follow, type LiveState } from '../web/src/live.js';
import { FakeSource } from './fakeSource.js';


function run(sessionStatus: number): { source: FakeSource; states: LiveState[]; asked: string[] } {
  const states: LiveState[] = [];
  const asked: string[] = [];
  let source: FakeSource | undefined;
  follow(
    'incrementallearningjobs/default/dash',
    (s) => states.push({ ...s }),
    (url) => (source = new FakeSource(url)),
    async () => (asked.push('/api/session'), sessionStatus),
  );
  return { source: source as FakeSource, states, asked };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

test('a stream refused for good with the session gone: signed out', async () => {
  const { source, states, asked } = run(401);
  expect(source.url).toBe('incrementallearningjobs/default/dash');
  source.readyState = 1;
  source.onopen?.();
  source.listeners.get('job')?.({ data: JSON.stringify({ type: 'ADDED', object: { kind: 'IncrementalLearningJob', metadata: { name: 'dash', namespace: 'default' } } }) });
  expect(states.at(-1)).toMatchObject({ connected: true });
  // A dropped stream the browser retries: not yet a reason to ask.
  source.readyState = 0;
  source.onerror?.();
  await settled();
  expect(asked).toEqual([]);
  expect(states.at(-1)?.signedOut).toBeUndefined();
  // Its retry refused (401): the browser stops; the session is gone.
  source.readyState = 2;
  source.onerror?.();
  await settled();
  expect(asked).toEqual(['/api/session']);
  expect(states.at(-1)).toMatchObject({ connected: false, signedOut: true });
});

test('a stream stopped for another reason while the session is there: an error asking to reload, not signed out', async () => {
  const { source, states } = run(200);
  source.readyState = 2;
  source.onerror?.();
  await settled();
  expect(states.at(-1)).toMatchObject({ connected: false, error: 'the live updates stopped (the session answers 200): reload the page' });
  expect(states.at(-1)?.signedOut).toBeUndefined();
});

test('a watch refused with 401 (the token expired or was revoked) asks the session at once', async () => {
  const { source, states, asked } = run(401);
  source.readyState = 1;
  source.onopen?.();
  source.listeners.get('status')?.({ data: JSON.stringify({ stream: 'job', error: 'Unauthorized', status: 401 }) });
  await settled();
  expect(asked).toEqual(['/api/session']);
  expect(states.at(-1)).toMatchObject({ signedOut: true });
  // A 403 is shown, not a reason to leave the page.
  const other = run(200);
  other.source.listeners.get('status')?.({ data: JSON.stringify({ stream: 'pod', error: 'pods is forbidden', status: 403 }) });
  await settled();
  expect(other.asked).toEqual([]);
  expect(other.states.at(-1)).toMatchObject({ error: 'not allowed: pods is forbidden' });
});
