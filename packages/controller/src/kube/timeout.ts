/** Bounded waits. */

/**
 * Resolves or rejects as `promise` does, or rejects with `onTimeout()` after `ms` milliseconds. The
 * promise itself is not cancelled: what it does finishes in the background and is ignored.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
