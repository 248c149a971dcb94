// Waiting on what the system writes to files or serves, by polling: `check` returns the value once it
// is there, `undefined` while it is not. The deadline is a safety net, not a timing assertion.

/** Resolves with the first value `check` returns other than `undefined` (polled every `everyMs`). */
export async function eventually<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 120_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`waiting for ${what}: not there after ${timeoutMs / 1000}s${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
