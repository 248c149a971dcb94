import { AttemptsFailed, backoffDelay, commonFailure, type Failure, withRetry } from './retry.js';

const policy = { attempts: 4, delayMs: 100, maxDelayMs: 500 };

test('backoff doubles from the first delay, keeps at least half of it (jitter), and stays under the cap', () => {
  expect([1, 2, 3, 4].map((n) => backoffDelay(policy, n, 0, () => 0))).toEqual([50, 100, 200, 250]);
  expect([1, 2, 3, 4].map((n) => backoffDelay(policy, n, 0, () => 1))).toEqual([100, 200, 400, 500]);
  expect(backoffDelay(policy, 1, 300, () => 0)).toBe(300);
  expect(backoffDelay(policy, 1, 10_000, () => 0)).toBe(500);
});

const transient: Failure = { code: 'UNAVAILABLE', reason: 'busy', transient: true };
const fast = { attempts: 3, delayMs: 0, maxDelayMs: 0 };

test('transient failures are retried until success', async () => {
  const retries: number[] = [];
  let calls = 0;
  const result = await withRetry(
    async () => {
      if (++calls < 3) throw new Error('busy');
      return 'ok';
    },
    { policy: fast, classify: () => transient, onRetry: (_f, n) => retries.push(n) },
  );
  expect({ result, calls, retries }).toEqual({ result: 'ok', calls: 3, retries: [1, 2] });
});

test('a permanent failure stops at once; transient ones stop after the attempts', async () => {
  let calls = 0;
  const permanent = withRetry(
    async () => {
      calls++;
      throw new Error('gone');
    },
    { policy: fast, classify: () => ({ code: 'NOT_FOUND', reason: 'gone', transient: false }) },
  );
  await expect(permanent).rejects.toMatchObject({ attempts: 1, failure: { code: 'NOT_FOUND' } });
  expect(calls).toBe(1);
  const exhausted = await withRetry(async () => Promise.reject(new Error('busy')), { policy: fast, classify: () => transient }).catch((e: unknown) => e);
  expect(exhausted).toBeInstanceOf(AttemptsFailed);
  expect(exhausted).toMatchObject({ attempts: 3, failure: transient });
});

test('network errors are found in causes; local write errors are never retried', () => {
  const fetchFailed = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }) });
  expect(commonFailure(fetchFailed)).toEqual({ code: 'UNAVAILABLE', reason: 'network error (connect ECONNREFUSED 127.0.0.1:9)', transient: true });
  const disk = Object.assign(new Error('cannot write /d/x: ENOSPC'), { name: 'LocalWriteError' });
  expect(commonFailure(disk)).toEqual({ code: 'IO', reason: 'cannot write /d/x: ENOSPC', transient: false });
  expect(commonFailure(new Error('something else'))).toBeUndefined();
});
