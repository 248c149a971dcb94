/**
 * The LC-side store of the objects the GM sends (datasets, models, jobs): in memory, and one JSON file
 * per object under the data dir, written atomically, so the LC resumes its work after a restart before
 * the GM is reachable. A missing or unreadable record is tolerated: it is set aside and logged, and the
 * GM re-sends every object on the next connect (the original LC crash-looped on such a record, #140).
 */
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@sedna-ts/internal';
import { readJsonFile, isNotFound } from './files.js';
import { type LcLogger } from '../logger.js';

/** Minimal shape of a stored object. */
export interface StoredObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; uid?: string; annotations?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** `<kind>/<namespace>/<name>`, kind lower case: the key the GM uses in its hello resource list. */
export function objectKey(kind: string, namespace: string, name: string): string {
  return `${kind.toLowerCase()}/${namespace}/${name}`;
}

/** Names that are safe as one path segment (DNS-1123 and the like). */
const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/** See the module comment. */
export class ObjectStore {
  private readonly objects = new Map<string, StoredObject>();

  private constructor(
    private readonly dir: string,
    private readonly logger: LcLogger,
  ) {}

  /** Load every stored object under `dir`, setting unreadable records aside. */
  static async open(dir: string, logger: LcLogger): Promise<ObjectStore> {
    const store = new ObjectStore(dir, logger);
    await mkdir(dir, { recursive: true });
    for (const kind of await store.entries(dir)) {
      for (const namespace of await store.entries(join(dir, kind))) {
        for (const file of await store.entries(join(dir, kind, namespace))) {
          if (!file.endsWith('.json')) continue;
          const path = join(dir, kind, namespace, file);
          const name = file.slice(0, -'.json'.length);
          const read = await readJsonFile<StoredObject>(path);
          if (read.status === 'ok' && read.value && typeof read.value === 'object' && read.value.metadata?.name === name) {
            store.objects.set(objectKey(kind, namespace, name), read.value);
            continue;
          }
          const reason = read.status === 'corrupt' ? read.error.message : 'not an object of that name';
          logger.warn({ path, reason }, 'stored object unreadable; set aside, the GM sends it again on connect');
          await rename(path, `${path}.corrupt`).catch(() => rm(path, { force: true }));
        }
      }
    }
    return store;
  }

  private async entries(dir: string): Promise<string[]> {
    try {
      return (await readdir(dir)).filter((e) => SAFE_SEGMENT.test(e));
    } catch (error) {
      if (isNotFound(error)) return [];
      // A file where a folder was expected, or unreadable: nothing to load there.
      this.logger.warn({ dir, error: (error as Error).message }, 'object store folder unreadable');
      return [];
    }
  }

  private pathOf(kind: string, namespace: string, name: string): string {
    for (const segment of [kind, namespace, name]) {
      if (!SAFE_SEGMENT.test(segment)) throw new Error(`object store: ${JSON.stringify(segment)} is not a valid name`);
    }
    return join(this.dir, kind.toLowerCase(), namespace, `${name}.json`);
  }

  /** The object, if held. */
  get<T = StoredObject>(kind: string, namespace: string, name: string): T | undefined {
    return this.objects.get(objectKey(kind, namespace, name)) as T | undefined;
  }

  /** Every object of a kind. */
  list<T = StoredObject>(kind: string): T[] {
    const prefix = `${kind.toLowerCase()}/`;
    return [...this.objects.entries()].filter(([key]) => key.startsWith(prefix)).map(([, value]) => value as T);
  }

  /** Every key held. */
  keys(): string[] {
    return [...this.objects.keys()];
  }

  /**
   * Store (insert or replace) an object: held at once, then written to disk (temp file and rename, so
   * the file on disk is the old object or the new one, whole). A failed write (a full disk) rejects
   * naming the file; the object is held all the same, since the GM's copy is the truth and is sent again
   * at every connection.
   */
  async put(kind: string, object: StoredObject): Promise<void> {
    const namespace = object.metadata.namespace ?? 'default';
    const name = object.metadata.name ?? '';
    this.objects.set(objectKey(kind, namespace, name), object);
    const file = this.pathOf(kind, namespace, name);
    try {
      await writeFileAtomic(file, JSON.stringify(object));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw Object.assign(new Error(`${file}: ${(error as Error).message}`, { cause: error }), code ? { code } : {});
    }
  }

  /** Forget an object (true when it was held). */
  async delete(kind: string, namespace: string, name: string): Promise<boolean> {
    const key = objectKey(kind, namespace, name);
    const had = this.objects.delete(key);
    await rm(this.pathOf(kind, namespace, name), { force: true });
    return had;
  }
}
