/** A stand-in for the EventSource of the pages' live stream, in tests. */
import type { LiveSource } from '../web/src/live.js';

export class FakeSource implements LiveSource {
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
