/**
 * How the objects the GM sends down are taken: checked (a Dataset or Model with api-types, a job with its
 * kind's checks) and matched against the frame's header, stored, then handed to the datasets and the jobs
 * that use them. A delete removes the object and, for a job, its manager's state.
 */
import { formatIssue, validateDocument, type Dataset } from '@sedna-ts/api-types';
import type { LcContext } from '../context.js';
import type { DatasetRegistry } from '../datasets/datasets.js';
import type { LcJob } from '../jobs/jobKind.js';
import type { JobRegistry } from '../jobs/jobRegistry.js';
import type { StoredObject } from '../storage/objectStore.js';

/** Applies one object operation from the GM. */
export type ObjectApplier = (operation: 'insert' | 'delete', resourceKind: string, namespace: string, name: string, object: unknown) => Promise<void>;

const KIND_NAMES: Readonly<Record<string, string>> = { dataset: 'Dataset', model: 'Model' };

/** The applier of objects for this LC's datasets and jobs (see the module comment). */
export function createObjectApplier(ctx: LcContext, datasets: DatasetRegistry, jobs: JobRegistry): ObjectApplier {
  const { store, logger } = ctx;
  const problemsOf = (resourceKind: string, object: unknown): string[] => {
    const kind = jobs.kindOf(resourceKind);
    if (kind) return kind.validate(object as LcJob);
    const checked = validateDocument(object);
    return checked.valid ? [] : checked.issues.map(formatIssue);
  };
  // Objects applied whose file could not be written (a full disk), by key: written again before the next one.
  const unsaved = new Map<string, { kind: string; object: StoredObject }>();
  const saveUnsaved = async (): Promise<void> => {
    for (const [key, { kind, object }] of [...unsaved]) {
      try {
        await store.put(kind, object);
        unsaved.delete(key);
        logger.info({ object: key }, 'object from the GM saved to disk after an earlier failure');
      } catch {
        return;
      }
    }
  };
  return async (operation, resourceKind, namespace, name, object) => {
    const kind = jobs.kindOf(resourceKind);
    if (!kind && !(resourceKind in KIND_NAMES)) {
      logger.debug({ kind: resourceKind, object: `${namespace}/${name}` }, 'object of a kind this LC does not handle; ignored');
      return;
    }
    if (operation === 'delete') {
      unsaved.delete(`${resourceKind}/${namespace || 'default'}/${name}`);
      await store.delete(resourceKind, namespace, name);
      if (resourceKind === 'dataset') await datasets.remove(namespace, name);
      if (kind) await jobs.remove(kind, namespace, name);
      logger.info({ kind: resourceKind, object: `${namespace}/${name}` }, 'object deleted');
      return;
    }
    const candidate = object as StoredObject | undefined;
    const problems = problemsOf(resourceKind, object);
    if (problems.length > 0) {
      logger.error({ kind: resourceKind, object: `${namespace}/${name}`, issues: problems }, `${kind?.kind ?? KIND_NAMES[resourceKind]} ${namespace}/${name} from the GM is not valid; kept the previous version`);
      return;
    }
    if (candidate?.kind?.toLowerCase() !== resourceKind || candidate.metadata.name !== name || (candidate.metadata.namespace ?? 'default') !== (namespace || 'default')) {
      logger.error({ kind: resourceKind, object: `${namespace}/${name}`, objectKind: candidate?.kind, objectName: candidate?.metadata.name }, 'object from the GM does not match its frame header; ignored');
      return;
    }
    if (!candidate.metadata.namespace) candidate.metadata.namespace = namespace || 'default';
    await saveUnsaved();
    await store.put(resourceKind, candidate).then(
      () => unsaved.delete(`${resourceKind}/${candidate.metadata.namespace}/${name}`),
      (error: unknown) => {
        // Taken all the same: the GM's copy is the truth (sent again at every connection), the file only
        // what a restart starts from. Saved again with the next object that comes down.
        unsaved.set(`${resourceKind}/${candidate.metadata.namespace}/${name}`, { kind: resourceKind, object: candidate });
        logger.error({ kind: resourceKind, object: `${namespace}/${name}`, error: (error as Error).message }, 'object from the GM not saved to disk; applied, and saved again with the next object from the GM');
      },
    );
    if (resourceKind === 'dataset') {
      await datasets.upsert(candidate as unknown as Dataset);
      await Promise.all(jobs.ofDataset(candidate.metadata.namespace, name).map((m) => m.datasetChanged()));
    } else if (resourceKind === 'model') {
      await Promise.all(jobs.inNamespace(candidate.metadata.namespace).map((m) => m.check()));
    } else if (kind) {
      await jobs.upsert(kind, candidate as unknown as LcJob);
    }
  };
}
