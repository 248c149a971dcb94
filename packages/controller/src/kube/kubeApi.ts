/**
 * The calls the Global Manager makes to the Kubernetes API, through @kubernetes/client-node only:
 * reads and status writes of sedna.io objects (through the status subresource, with the object's
 * resourceVersion, so a stale decision is refused with 409), metadata merge patches, pods, the
 * Secrets credentialNames name, and events (written on jobs, read of pods).
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type CoreV1Event,
  type KubernetesObject,
  type V1Pod,
  type V1Secret,
} from '@kubernetes/client-node';
import { SEDNA_GROUP, SEDNA_VERSION } from '@sedna-ts/api-types';
import { httpStatusOf } from '../errors.js';

/** Whether an API error is 409 Conflict (a stale resourceVersion, or AlreadyExists on create). */
export function isConflict(error: unknown): boolean {
  return httpStatusOf(error) === 409;
}

/** Whether an API error is 404 Not Found. */
export function isNotFound(error: unknown): boolean {
  return httpStatusOf(error) === 404;
}

/** A sedna.io object as the API returns it. */
export interface SednaApiObject extends KubernetesObject {
  metadata: NonNullable<KubernetesObject['metadata']>;
  status?: unknown;
}

/** The API calls of the Global Manager. */
export class KubeApi {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;

  constructor(readonly kubeConfig: KubeConfig) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /** Lists a sedna.io kind, in one namespace or all. */
  async listSedna<T>(plural: string, namespace: string): Promise<{ items: T[]; metadata?: { resourceVersion?: string } }> {
    const ref = { group: SEDNA_GROUP, version: SEDNA_VERSION, plural };
    return namespace ? this.custom.listNamespacedCustomObject({ ...ref, namespace }) : this.custom.listClusterCustomObject(ref);
  }

  /** Reads a sedna.io object; undefined when it does not exist. */
  async getSedna<T>(plural: string, namespace: string, name: string): Promise<T | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({ group: SEDNA_GROUP, version: SEDNA_VERSION, plural, namespace, name })) as T;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Replaces the status of a sedna.io object through its status subresource. The object's
   * resourceVersion makes a write based on a stale read fail with 409.
   */
  async replaceStatus<T extends SednaApiObject>(plural: string, object: T, status: unknown): Promise<T> {
    return (await this.custom.replaceNamespacedCustomObjectStatus({
      group: SEDNA_GROUP,
      version: SEDNA_VERSION,
      plural,
      namespace: object.metadata.namespace ?? 'default',
      name: object.metadata.name ?? '',
      body: { ...object, status },
    })) as T;
  }

  /**
   * Merge-patches the metadata of a sedna.io object (finalizers, annotations; `null` removes a key),
   * guarded by `resourceVersion` when given.
   */
  async patchMetadata<T>(plural: string, namespace: string, name: string, metadata: Record<string, unknown>, resourceVersion?: string): Promise<T> {
    const body = { metadata: resourceVersion ? { ...metadata, resourceVersion } : metadata };
    return (await this.custom.patchNamespacedCustomObject(
      { group: SEDNA_GROUP, version: SEDNA_VERSION, plural, namespace, name, body },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as T;
  }

  /** Lists pods by label selector, in one namespace or all. */
  async listPods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    const list = namespace ? await this.core.listNamespacedPod({ namespace, labelSelector }) : await this.core.listPodForAllNamespaces({ labelSelector });
    return list.items;
  }

  /**
   * The Warning events about a pod (by name, and uid when given), oldest first, each as
   * `<reason>: <message>` without repeats, the last three (each cut to 300 characters): what a kubelet
   * says of a pod that does not start (FailedMount, FailedScheduling...), which its status does not.
   */
  async podWarnings(namespace: string, name: string, uid?: string): Promise<string[]> {
    const fieldSelector = [`involvedObject.kind=Pod`, `involvedObject.name=${name}`, 'type=Warning', ...(uid ? [`involvedObject.uid=${uid}`] : [])].join(',');
    const list = await this.core.listNamespacedEvent({ namespace, fieldSelector });
    const time = (e: CoreV1Event): number => new Date(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? 0).getTime();
    const lines = list.items.sort((a, b) => time(a) - time(b)).map((e) => `${e.reason ?? 'Warning'}: ${(e.message ?? '').trim()}`.slice(0, 600));
    const distinct = [...new Set(lines.reverse())].reverse();
    return distinct.slice(-3);
  }

  /** Creates a pod. */
  async createPod(pod: V1Pod): Promise<V1Pod> {
    return this.core.createNamespacedPod({ namespace: pod.metadata?.namespace ?? 'default', body: pod });
  }

  /** Reads a Secret (a credentialName's); undefined when it does not exist. */
  async getSecret(namespace: string, name: string): Promise<V1Secret | undefined> {
    try {
      return await this.core.readNamespacedSecret({ namespace, name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Creates a Secret (a worker's token). */
  async createSecret(secret: V1Secret): Promise<V1Secret> {
    return this.core.createNamespacedSecret({ namespace: secret.metadata?.namespace ?? 'default', body: secret });
  }

  /** Deletes the Secret with uid `uid` (a precondition: never another object of the same name); one already gone is fine. */
  async deleteSecret(namespace: string, name: string, uid: string): Promise<void> {
    try {
      await this.core.deleteNamespacedSecret({ namespace, name, body: { preconditions: { uid } } });
    } catch (error) {
      if (!isNotFound(error) && !isConflict(error)) throw error;
    }
  }

  /**
   * Records an Event about `object` (core/v1), as `kubectl describe` shows them. Best effort: the caller
   * logs a failure; an event is never worth failing a reconcile for.
   */
  async createEvent(object: { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; uid?: string } }, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const namespace = object.metadata?.namespace ?? 'default';
    const now = new Date();
    await this.core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { generateName: `${object.metadata?.name ?? 'sedna'}.`, namespace },
        involvedObject: { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata?.name, namespace, uid: object.metadata?.uid },
        type,
        reason,
        message,
        source: { component: 'sedna-gm' },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        reportingComponent: 'sedna-gm',
      },
    });
  }

  /** Deletes a pod; a pod already gone is fine. */
  async deletePod(namespace: string, name: string): Promise<void> {
    try {
      await this.core.deleteNamespacedPod({ namespace, name });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}
