/**
 * Ending a process at once on a second SIGTERM or SIGINT, even while a thread of libuv's pool is stuck
 * in a file call that never returns (a FIFO open, a hung network mount): `process.exit()` waits for the
 * pool's threads as the process ends, so with one stuck it never ends. The signal is raised again with
 * its default action instead, so the process ends as killed by it (exit status 128 + its number, as a
 * shell shows it), and with SIGKILL should that signal be ignored.
 */

/** End this process now, as killed by `signal` (see the module comment). Never returns. */
export function exitBySignal(signal: NodeJS.Signals): never {
  // With no listener left, Node gives the signal its default action back.
  process.removeAllListeners(signal);
  try {
    process.kill(process.pid, signal);
  } catch {
    // Raising it failed: SIGKILL below.
  }
  process.kill(process.pid, 'SIGKILL');
  throw new Error(`${signal} did not end the process`);
}
