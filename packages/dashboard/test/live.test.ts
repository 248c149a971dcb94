// The pages' live stream: when it stops for good and the session is gone (a restart of the dashboard
// forgets sessions: the stream's retry gets 401), the state says signed out, so the page offers to
// sign in again instead of saying "offline" forever.
import { follow, type LiveSource, type LiveState } from '../web/src/live.js';

class FakeSource implements LiveSource {
  readyState = 0;
  onopen: (() => unknown) | null = null;
  onerror: (() => unknown) | null = null;
  readonly listeners = new Map<string, (event: { data: string }) => void>();
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: (event: { data: string }) => void): void {
    this.listeners.set(type, listener);
  }
  close(): void {
    this.readyState = 2;
  }
}

function run(sessionStatus: number): { source: FakeSource; states: LiveState[]; asked: string[] } {
  const states: LiveState[] = [];
  const asked: string[] = [];
  let source: FakeSource | undefined;
  follow(
    'incrementallearningjobs/default/dash',
    (s) => states.push({ ...s }),
    (url) => (source = new FakeSource(url)),
    async (url) => (asked.push(url), sessionStatus),
  );
  return { source: source as FakeSource, states, asked };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

test('a stream refused for good with the session gone: signed out', async () => {
  const { source, states, asked } = run(401);
  expect(source.url).toBe('/api/watch?job=incrementallearningjobs%2Fdefault%2Fdash');
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
