/**
 * Pods this Global Manager created or deleted that its informer has not shown yet, per job (as
 * Kubernetes controllers keep "expectations"). The state machine sees an expected pod as present (so
 * it is never created twice while the informer lags) and an expected deletion as going away. An
 * expectation the informer never confirms expires after `ttlMs`.
 */
import type { ObservedPod } from './observedPod.js';

interface Expected {
  pod: ObservedPod;
  at: number;
}

/** The expectations of every job, keyed by job key. */
export class PodExpectations {
  private readonly creations = new Map<string, Map<string, Expected>>();
  private readonly deletions = new Map<string, Map<string, number>>();

  constructor(private readonly ttlMs = 5 * 60_000) {}

  /** We created `pod` for job `jobKey`. */
  expectCreation(jobKey: string, pod: ObservedPod, now = Date.now()): void {
    let pods = this.creations.get(jobKey);
    if (!pods) this.creations.set(jobKey, (pods = new Map()));
    pods.set(pod.name, { pod: { ...pod, expected: true }, at: now });
  }

  /** We deleted pod `name` of job `jobKey`. */
  expectDeletion(jobKey: string, name: string, now = Date.now()): void {
    let pods = this.deletions.get(jobKey);
    if (!pods) this.deletions.set(jobKey, (pods = new Map()));
    pods.set(name, now);
  }

  /** The informer shows pod `name` of job `jobKey` (present, or deleting when `deleting`). */
  observed(jobKey: string, name: string, deleting: boolean): void {
    this.creations.get(jobKey)?.delete(name);
    if (deleting) this.deletions.get(jobKey)?.delete(name);
  }

  /** The informer shows pod `name` of job `jobKey` is gone. */
  gone(jobKey: string, name: string): void {
    this.creations.get(jobKey)?.delete(name);
    this.deletions.get(jobKey)?.delete(name);
  }

  /**
   * The observed pods of a job with the expectations applied: expected creations the informer does not
   * show yet are added, expected deletions are marked deleting. Expired expectations are dropped.
   */
  apply(jobKey: string, observed: readonly ObservedPod[], now = Date.now()): ObservedPod[] {
    const out = observed.map((p) => ({ ...p }));
    const deletions = this.deletions.get(jobKey);
    if (deletions) {
      for (const [name, at] of deletions) {
        if (now - at > this.ttlMs) deletions.delete(name);
      }
      for (const pod of out) if (deletions.has(pod.name)) pod.deleting = true;
    }
    const creations = this.creations.get(jobKey);
    if (creations) {
      for (const [name, { pod, at }] of creations) {
        if (now - at > this.ttlMs || out.some((p) => p.name === name)) creations.delete(name);
        else out.push({ ...pod, deleting: deletions?.has(name) ?? false });
      }
    }
    return out;
  }

  /** Forgets a job (it was deleted). */
  forget(jobKey: string): void {
    this.creations.delete(jobKey);
    this.deletions.delete(jobKey);
  }
}
