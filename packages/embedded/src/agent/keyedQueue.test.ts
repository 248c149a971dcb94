import { KeyedQueue } from './keyedQueue.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('one handler call per key at a time; adds during a call coalesce into one more call', async () => {
  const gates: ReturnType<typeof deferred>[] = [];
  const calls: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const queue = new KeyedQueue(
    async (key) => {
      calls.push(key);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const gate = deferred();
      gates.push(gate);
      await gate.promise;
      inFlight--;
    },
    { onError: () => undefined },
  );
  queue.add('a');
  queue.add('a');
  queue.add('a');
  queue.add('b');
  expect(calls).toEqual(['a', 'b']);
  gates[0]?.resolve();
  await new Promise((r) => setImmediate(r));
  expect(calls).toEqual(['a', 'b', 'a']);
  gates[1]?.resolve();
  gates[2]?.resolve();
  await queue.idle();
  expect(calls).toEqual(['a', 'b', 'a']);
  expect(maxInFlight).toBe(2);
});

test('a failing key is retried with backoff until it succeeds', async () => {
  let attempts = 0;
  const errors: number[] = [];
  const done = deferred();
  const queue = new KeyedQueue(
    async () => {
      attempts++;
      if (attempts < 3) throw new Error('not yet');
      done.resolve();
    },
    { onError: (_key, _error, attempt) => errors.push(attempt), baseDelayMs: 1, maxDelayMs: 2 },
  );
  queue.add('k');
  await done.promise;
  expect(errors).toEqual([1, 2]);
  queue.stop();
});
