/**
 * The downstream queue of one node, as the original's per-node store: keyed `<kind>/<ns>/<name>`, a
 * newer message for a key replaces an unsent older one in its place (coalescing), and the queue exists
 * before the node connects, so messages wait for it.
 */
import type { WireFrame } from '@sedna-ts/api-types';

/** A coalescing FIFO of frames for one node. */
export class NodeQueue {
  private readonly frames = new Map<string, WireFrame>();

  /** Number of frames waiting. */
  get size(): number {
    return this.frames.size;
  }

  /** Queues `frame` under `key`; an unsent frame of the same key is replaced and keeps its place. */
  enqueue(key: string, frame: WireFrame): void {
    this.frames.set(key, frame);
  }

  /** Queues `frame` under `key` unless a newer frame for the key arrived meanwhile (a failed send). */
  requeue(key: string, frame: WireFrame): void {
    if (!this.frames.has(key)) this.frames.set(key, frame);
  }

  /** Takes the oldest frame. */
  take(): { key: string; frame: WireFrame } | undefined {
    const first = this.frames.entries().next();
    if (first.done) return undefined;
    const [key, frame] = first.value;
    this.frames.delete(key);
    return { key, frame };
  }
}
