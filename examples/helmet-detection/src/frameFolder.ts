/**
 * The frame loop of the example's inference workers: the frames a camera writes into a folder, taken
 * in name order as they arrive, each read once (a frame taken away meanwhile is skipped), then removed,
 * or remembered when `keepFrames` (a folder shared with something else that reads it).
 *
 * Up to `concurrency` frames are in flight at once, so the stages of one frame overlap those of the
 * next: sharp decodes and preprocesses frame n+1 on libuv's threads while onnxruntime runs frame n on
 * its own thread, and the main thread decodes boxes, runs NMS and asks the hard-example filter in
 * between. Frames start in name order and may finish out of it; what a frame does through `inTurn`
 * (saving a hard example, say) runs in name order, after the earlier frames' turns, so the frames
 * saved, and the labeller's "oldest first", are the same as one frame at a time.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** How `consumeFrames` reads the folder and what it does with each frame. */
export interface FrameFolderOptions {
  dir: string;
  /** Which file names are frames. */
  accept: (name: string) => boolean;
  /** Wait between two looks at an empty folder. */
  pollMs: number;
  keepFrames: boolean;
  /** Frames in flight at once (default 1: one after the other). */
  concurrency?: number;
  /** Frames to take at most (default 0: no limit); the loop ends once they are done. */
  limit?: number;
  /** Checked before each frame is taken: true ends the loop (the frames in flight finish). */
  stopped: () => boolean;
  /**
   * Each frame's bytes, before the frame is removed. `inTurn(fn)` runs `fn` once every frame taken
   * before this one has had its turn (or ended without one), so side effects keep the frames' order.
   */
  onFrame: (bytes: Buffer, name: string, inTurn: <T>(fn: () => Promise<T>) => Promise<T>) => Promise<void>;
  /** After a frame is done and removed (logs, stats). */
  afterFrame?: () => Promise<void>;
  /** The folder had no new frame and none is in flight (stats), before the wait. */
  onIdle?: () => Promise<void>;
}

/**
 * Runs the loop (see the module comment) until `stopped()`, then waits for the frames in flight. The
 * first error of a frame stops taking new ones and is thrown once the others have finished.
 */
export async function consumeFrames(o: FrameFolderOptions): Promise<void> {
  const concurrency = Math.max(1, Math.floor(o.concurrency ?? 1));
  if (!Number.isFinite(concurrency)) throw new RangeError(`consumeFrames: concurrency ${String(o.concurrency)} is not a number of frames`);
  // Frames taken: in flight, or done and kept. A removed frame leaves the set once it is gone.
  const taken = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let started = 0;
  const limit = o.limit ?? 0;
  const ended = (): boolean => o.stopped() || failure !== undefined || (limit > 0 && started >= limit);

  // The turn of the last frame taken: each frame's turn comes after it (see `inTurn`).
  let lastTurn: Promise<void> = Promise.resolve();

  const handle = async (name: string, before: Promise<void>, turnTaken: () => void): Promise<void> => {
    const path = join(o.dir, name);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      taken.delete(name);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // taken away meanwhile
      throw error;
    }
    const inTurn = async <T>(fn: () => Promise<T>): Promise<T> => {
      await before;
      try {
        return await fn();
      } finally {
        turnTaken();
      }
    };
    await o.onFrame(bytes, name, inTurn);
    if (!o.keepFrames) {
      await rm(path, { force: true });
      taken.delete(name);
    }
    await o.afterFrame?.();
  };
  const start = (name: string): void => {
    started++;
    taken.add(name);
    const before = lastTurn;
    let turnTaken!: () => void;
    const turn = new Promise<void>((resolve) => (turnTaken = resolve));
    // A frame that ends without taking its turn (no hard example, an error) passes it on when it ends.
    lastTurn = before.then(() => turn);
    const running: Promise<void> = handle(name, before, turnTaken)
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => {
        turnTaken();
        inFlight.delete(running);
      });
    inFlight.add(running);
  };

  try {
    while (!ended()) {
      let names: string[];
      try {
        names = (await readdir(o.dir)).filter((n) => o.accept(n) && !taken.has(n)).sort();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        names = [];
      }
      if (names.length === 0) {
        if (inFlight.size > 0) {
          await Promise.race(inFlight);
          continue;
        }
        await o.onIdle?.();
        await new Promise((resolve) => setTimeout(resolve, o.pollMs));
        continue;
      }
      for (const name of names) {
        while (inFlight.size >= concurrency) await Promise.race(inFlight);
        if (ended()) break;
        start(name);
      }
    }
  } finally {
    await Promise.all(inFlight);
  }
  if (failure) throw failure.error;
}
