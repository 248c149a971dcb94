/**
 * The frame loop of the example's inference workers: the frames a camera writes into a folder, taken
 * in name order as they arrive, each read once (a frame taken away meanwhile is skipped), then removed,
 * or remembered when `keepFrames` (a folder shared with something else that reads it).
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
  /** Checked before each frame: true ends the loop. */
  stopped: () => boolean;
  /** Each frame's bytes, before the frame is removed. */
  onFrame: (bytes: Buffer, name: string) => Promise<void>;
  /** After a frame is done and removed (logs, stats). */
  afterFrame?: () => Promise<void>;
  /** The folder had no new frame (stats), before the wait. */
  onIdle?: () => Promise<void>;
}

/** Runs the loop (see the module comment) until `stopped()`. */
export async function consumeFrames(o: FrameFolderOptions): Promise<void> {
  const processed = new Set<string>();
  while (!o.stopped()) {
    let names: string[];
    try {
      names = (await readdir(o.dir)).filter((n) => o.accept(n) && !processed.has(n)).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      names = [];
    }
    if (names.length === 0) {
      await o.onIdle?.();
      await new Promise((resolve) => setTimeout(resolve, o.pollMs));
      continue;
    }
    for (const name of names) {
      if (o.stopped()) break;
      const path = join(o.dir, name);
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // taken away meanwhile
        throw error;
      }
      await o.onFrame(bytes, name);
      if (o.keepFrames) processed.add(name);
      else await rm(path, { force: true });
      await o.afterFrame?.();
    }
  }
}
