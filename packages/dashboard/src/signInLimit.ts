/**
 * Failed sign-ins per client address: after `max` failures within `windowMs`, that address waits until
 * the oldest of them leaves the window (the sign-in page answers 429 with Retry-After). A guessed token
 * goes to the API server's TokenReview on every try; this bounds how fast one address can guess. At
 * most `maxAddresses` addresses are remembered (the oldest forgotten first), so a flood of addresses
 * cannot grow the dashboard's memory.
 */
export interface SignInLimitOptions {
  max?: number;
  windowMs?: number;
  maxAddresses?: number;
  now?: () => number;
}

export class SignInLimit {
  private readonly failures = new Map<string, number[]>();
  private readonly max: number;
  private readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(options: SignInLimitOptions = {}) {
    this.max = options.max ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Seconds `address` must wait before its next sign-in (0: it may try now). */
  wait(address: string): number {
    const recent = this.recent(address);
    if (recent.length < this.max) return 0;
    return Math.max(1, Math.ceil((recent[recent.length - this.max]! + this.windowMs - this.now()) / 1000));
  }

  /** Records a failed sign-in of `address`. */
  failed(address: string): void {
    const recent = this.recent(address);
    recent.push(this.now());
    // Most recent last in the map's order, so the first key is the address unseen the longest.
    this.failures.delete(address);
    this.failures.set(address, recent.slice(-this.max));
    while (this.failures.size > this.maxAddresses) this.failures.delete(this.failures.keys().next().value as string);
  }

  private recent(address: string): number[] {
    const since = this.now() - this.windowMs;
    const kept = (this.failures.get(address) ?? []).filter((t) => t > since);
    if (kept.length === 0) this.failures.delete(address);
    return kept;
  }
}
