import { WorkQueue, type HandleResult } from './workQueue.js';

/** A promise and its resolver. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves once `predicate` holds, checking on every turn of the event loop. */
async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((r) => setImmediate(r));
}

const fast = { initialMs: 1, maxMs: 8 };

test('keys are handled in the order they were added, each waiting key once', async () => {
  const queue = new WorkQueue({ backoff: fast, concurrency: 1 });
  const seen: string[] = [];
  for (const key of ['a', 'b', 'a', 'c', 'b']) queue.add(key);
  expect(queue.depth).toBe(3);
  queue.start(async (key) => {
    seen.push(key);
  });
  await until(() => seen.length === 3 && queue.depth === 0);
  expect(seen).toEqual(['a', 'b', 'c']);
  await queue.stop();
});

test('a key added while it is handled is handled again afterwards, never twice at once', async () => {
  const queue = new WorkQueue({ backoff: fast, concurrency: 4 });
  const gate = deferred();
  let inFlight = 0;
  let maxInFlight = 0;
  let runs = 0;
  queue.start(async () => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    runs++;
    if (runs === 1) await gate.promise;
    inFlight--;
  });
  queue.add('job');
  await until(() => runs === 1);
  queue.add('job');
  queue.add('job');
  await new Promise((r) => setImmediate(r));
  expect(runs).toBe(1);
  gate.resolve();
  await until(() => runs === 2);
  await queue.stop();
  expect(runs).toBe(2);
  expect(maxInFlight).toBe(1);
});

test('different keys are handled concurrently up to the limit', async () => {
  const queue = new WorkQueue({ backoff: fast, concurrency: 2 });
  const gate = deferred();
  let inFlight = 0;
  let maxInFlight = 0;
  queue.start(async () => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await gate.promise;
    inFlight--;
  });
  for (const key of ['a', 'b', 'c']) queue.add(key);
  await until(() => inFlight === 2);
  expect(queue.depth).toBe(1);
  gate.resolve();
  await until(() => queue.depth === 0 && inFlight === 0);
  expect(maxInFlight).toBe(2);
  await queue.stop();
});

test('a failing key is retried with backoff, reported with its key, and its failures reset on success', async () => {
  const errors: [string, string, number][] = [];
  const queue = new WorkQueue({ backoff: { initialMs: 1, maxMs: 4 }, onError: (key, error, delay) => errors.push([key, (error as Error).message, delay]) });
  let attempts = 0;
  const done = deferred();
  queue.start(async (key) => {
    attempts++;
    if (attempts <= 3) throw new Error(`boom ${attempts}`);
    expect(queue.failures(key)).toBe(3);
    done.resolve();
  });
  queue.add('default/job');
  await done.promise;
  await until(() => queue.failures('default/job') === 0);
  expect(errors).toEqual([
    ['default/job', 'boom 1', 1],
    ['default/job', 'boom 2', 2],
    ['default/job', 'boom 3', 4],
  ]);
  await queue.stop();
});

test('a handler can ask for backoff without an error, or to come back after a delay', async () => {
  const queue = new WorkQueue({ backoff: { initialMs: 1, maxMs: 100 } });
  const results: (HandleResult | undefined)[] = [{ backoff: true }, { backoff: true }, { requeueAfterMs: 2 }, undefined];
  let runs = 0;
  const failuresSeen: number[] = [];
  queue.start(async (key) => {
    failuresSeen.push(queue.failures(key));
    return results[runs++];
  });
  queue.add('k');
  await until(() => runs === 4);
  expect(failuresSeen).toEqual([0, 1, 2, 0]);
  await queue.stop();
});

test('addAfter keeps the earliest pending delay for a key', async () => {
  const queue = new WorkQueue({ backoff: fast });
  const seen: string[] = [];
  queue.start(async (key) => {
    seen.push(key);
  });
  queue.addAfter('late', 60_000);
  queue.addAfter('late', 1);
  queue.addAfter('late', 60_000);
  await until(() => seen.length === 1);
  expect(seen).toEqual(['late']);
  await queue.stop();
});

test('stop waits for handlers in flight and drops waiting keys and delayed adds', async () => {
  const queue = new WorkQueue({ backoff: fast, concurrency: 1 });
  const gate = deferred();
  const seen: string[] = [];
  let finished = false;
  queue.start(async (key) => {
    seen.push(key);
    await gate.promise;
    finished = true;
  });
  queue.add('a');
  queue.add('b');
  queue.addAfter('c', 1);
  await until(() => seen.length === 1);
  const stopping = queue.stop();
  gate.resolve();
  await stopping;
  expect(finished).toBe(true);
  await new Promise((r) => setTimeout(r, 5));
  expect(seen).toEqual(['a']);
  queue.add('d');
  expect(queue.depth).toBe(0);
});

test('depth changes are reported', async () => {
  const depths: number[] = [];
  const queue = new WorkQueue({ backoff: fast, onDepth: (d) => depths.push(d) });
  queue.add('a');
  queue.add('b');
  queue.start(async () => undefined);
  await until(() => queue.depth === 0);
  expect(depths.slice(0, 2)).toEqual([1, 2]);
  expect(depths[depths.length - 1]).toBe(0);
  await queue.stop();
});

test('without a concurrency limit each key starts at once; adds during a handling coalesce into one more', async () => {
  const queue = new WorkQueue({ backoff: fast, concurrency: Infinity });
  const gates: ReturnType<typeof deferred<void>>[] = [];
  const calls: string[] = [];
  queue.start(async (key) => {
    calls.push(key);
    const gate = deferred<void>();
    gates.push(gate);
    await gate.promise;
  });
  for (const key of ['a', 'a', 'a', 'b']) queue.add(key);
  expect(calls).toEqual(['a', 'b']);
  gates[0]?.resolve();
  await until(() => calls.length === 3);
  expect(calls).toEqual(['a', 'b', 'a']);
  gates[1]?.resolve();
  gates[2]?.resolve();
  await queue.idle();
  expect(calls).toEqual(['a', 'b', 'a']);
  await queue.stop();
});

test('onError hears the failures of the key so far; idle waits for the handlers in flight only', async () => {
  const failures: number[] = [];
  const queue = new WorkQueue({ backoff: { initialMs: 1, maxMs: 2, jitter: true }, onError: (_key, _error, _delay, n) => failures.push(n) });
  let attempts = 0;
  const done = deferred();
  queue.start(async () => {
    attempts++;
    if (attempts < 3) throw new Error('not yet');
    done.resolve();
  });
  queue.add('k');
  await queue.idle();
  expect(attempts).toBe(1);
  await done.promise;
  expect(failures).toEqual([1, 2]);
  await queue.stop();
});
