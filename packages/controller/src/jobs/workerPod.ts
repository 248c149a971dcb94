/**
 * Builds a worker pod from its stage template (docs/design/incremental-learning.md section 4): the
 * name the state machine picked (with `generateName` kept), the original's labels plus round and
 * attempt, a controller ownerReference to the job, `restartPolicy: Never` for train and eval, the
 * worker env appended to every container, host paths mounted under /home/data, remote inputs fetched
 * by the storage-initializer init container with the credentials of their Secrets, hostNetwork where
 * the original sets it, resource requests on every container, and for the inference worker the
 * hard-example folder (unless its template sets its own `HE_SAVED_URL`) and, with hot update, the
 * hot-update folder of the job on its node.
 */
import type { V1Container, V1EnvVar, V1OwnerReference, V1Pod, V1PodSpec, V1ResourceRequirements, V1Secret, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { Dataset, Model } from '@sedna-ts/api-types';
import {
  DEFAULT_HOT_UPDATE_ROOT,
  HARD_EXAMPLES_MOUNT_PATH,
  HOT_UPDATE_CONFIG_PATH,
  HOT_UPDATE_MOUNT_PATH,
  REPORT_SPOOL_MOUNT_PATH,
  WORKER_TOKEN_LABEL,
  WORKER_TOKEN_SECRET_KEY,
  jobFolder,
  userHardExampleFolder,
  type WorkerEnvValues,
} from '@sedna-ts/api-types/contract';
import { mintWorkerToken } from '@sedna-ts/api-types/tokens';
import { DATA_PATH_PREFIX } from './hostPathMounts.js';
import type { JobPolicy, LearningJob } from './jobPolicy.js';
import { ATTEMPT_LABEL, ROUND_LABEL, workerLabelKeys } from './labels.js';
import { cloneJson } from '../kube/json.js';
import { workerGenerateName, type WorkerPodRequest } from './stateMachine.js';
import { DEFAULT_STORAGE_INITIALIZER_IMAGE, DEFAULT_STORAGE_INITIALIZER_RESOURCES, WorkerStorage, type StorageInitializerSettings } from './workerStorage.js';

// Paths and names the LC and the SDK read too: the contract's.
export { HOT_UPDATE_MOUNT_PATH, HOT_UPDATE_CONFIG_PATH, HARD_EXAMPLES_MOUNT_PATH, DEFAULT_HOT_UPDATE_ROOT, WORKER_TOKEN_SECRET_KEY, WORKER_TOKEN_LABEL, jobFolder };
/** Volume names of the two LC folders (the hot-update one is the original's). */
export const HOT_UPDATE_VOLUME = 'sedna-model-hot-update-volume';
export const HARD_EXAMPLES_VOLUME = 'sedna-hard-examples-volume';
export const REPORT_SPOOL_VOLUME = 'sedna-report-spool';

/** What a Local Controller says about itself in its hello. */
export interface LcInfo {
  nodeName: string;
  /** The LC's worker-API URL, injected as LC_SERVER. */
  lcServer: string;
  /** Host folder under which the LC publishes hot updates, per job. */
  hotUpdateRoot?: string;
  /** Host folder under which the LC keeps hard examples, per job. */
  hardExampleRoot?: string;
  /** The LC's version. */
  version?: string;
  /**
   * Set when the node runs workers as local processes (the node agent of `sedna up`): the images it has
   * a command for. A container naming another image, without a command or a workingDir, cannot run there.
   */
  localImages?: string[];
  /** When the GM took this LC's hello (RFC 3339): deadlines that wait for its reports count from there. */
  connectedAt?: string;
}

/** Requests a worker container gets for a resource it sets neither a request nor a limit for. */
export const DEFAULT_WORKER_REQUESTS: Readonly<Record<string, string>> = { cpu: '100m', memory: '256Mi' };

/** How the GM builds the containers it adds or completes (GM config). */
export interface WorkerPodSettings {
  /** The storage-initializer init container: image and resources. */
  storageInitializer: StorageInitializerSettings;
  /** Requests of a worker container for each resource it sets neither a request nor a limit for. */
  workerDefaultRequests: Readonly<Record<string, string>>;
}

/** The settings without a GM config: `sedna-ts/storage-initializer:0.1` at cpu 1 / memory 1Gi, workers 100m / 256Mi. */
export const DEFAULT_WORKER_POD_SETTINGS: WorkerPodSettings = {
  storageInitializer: { image: DEFAULT_STORAGE_INITIALIZER_IMAGE, resources: DEFAULT_STORAGE_INITIALIZER_RESOURCES },
  workerDefaultRequests: DEFAULT_WORKER_REQUESTS,
};

/** What a worker pod needs besides the job and the request. */
export interface WorkerPodContext {
  dataset: Dataset;
  /** The Models the job references, by name (their credentialNames apply to their URLs). */
  models?: ReadonlyMap<string, Model>;
  /** The Secrets the job's, its Dataset's and its Models' credentialNames name, by name (absent: not found). */
  secrets?: ReadonlyMap<string, V1Secret>;
  /** The LC of the pod's node. */
  lc: LcInfo;
  /** Init container and default requests; DEFAULT_WORKER_POD_SETTINGS when absent. */
  settings?: WorkerPodSettings;
}

function withEnv(container: V1Container, env: readonly V1EnvVar[], mounts: readonly V1VolumeMount[]): V1Container {
  // Ours win over a user value of the same name (Kubernetes would take the last one anyway).
  const ours = new Set(env.map((e) => e.name));
  const mountPaths = new Set((container.volumeMounts ?? []).map((m) => m.mountPath));
  return {
    ...container,
    env: [...(container.env ?? []).filter((e) => !ours.has(e.name)), ...env],
    volumeMounts: [...(container.volumeMounts ?? []), ...mounts.filter((m) => !mountPaths.has(m.mountPath))],
  };
}

/** The container's resources with `defaults` as requests of the resources it sets neither a request nor a limit for. */
function withDefaultRequests(container: V1Container, defaults: Readonly<Record<string, string>>): V1Container {
  const resources: V1ResourceRequirements = container.resources ?? {};
  const missing = Object.entries(defaults).filter(([name]) => resources.requests?.[name] === undefined && resources.limits?.[name] === undefined);
  if (missing.length === 0) return container;
  return { ...container, resources: { ...resources, requests: { ...(resources.requests ?? {}), ...Object.fromEntries(missing) } } };
}

/**
 * The pod of a worker of `job` as `request` asks, from the stage's template.
 *
 * @throws ControllerError `NOT_FOUND` when a Secret a URL needs is not in `context.secrets`,
 *   `INVALID_CREDENTIAL` when it has one S3 key without the other.
 * @example
 * ```ts
 * const pod = buildWorkerPod(job, request, incrementalLearningPolicy, { dataset, models, secrets, lc });
 * await core.createNamespacedSecret({ namespace: 'default', body: buildWorkerTokenSecret(job, request, incrementalLearningPolicy, nodeToken) });
 * await core.createNamespacedPod({ namespace: pod.metadata!.namespace!, body: pod });
 * ```
 */
export function buildWorkerPod<J extends LearningJob>(job: J, request: WorkerPodRequest, policy: JobPolicy<J>, context: WorkerPodContext): V1Pod {
  const template = policy.template(job, request.workerType);
  if (!template) throw new Error(`${policy.kind} ${job.metadata.namespace}/${job.metadata.name}: no pod template for the ${request.workerType} worker`);
  const namespace = job.metadata.namespace ?? 'default';
  const jobName = job.metadata.name ?? '';
  const settings = context.settings ?? DEFAULT_WORKER_POD_SETTINGS;
  const secrets = context.secrets ?? new Map<string, V1Secret>();
  const spec = cloneJson(template.spec ?? { containers: [] }) as unknown as V1PodSpec;
  const keys = workerLabelKeys(policy.resourceKind);
  const storage = new WorkerStorage((spec.volumes ?? []).map((v) => v.name));
  const stageEnv = policy.workerEnv(job, request, { dataset: context.dataset, models: context.models ?? new Map(), storage });

  const env: WorkerEnvValues = {
    NAMESPACE: namespace,
    JOB_NAME: jobName,
    WORKER_NAME: request.name,
    LC_SERVER: context.lc.lcServer,
    ...stageEnv,
  };
  const volumes: V1Volume[] = storage.volumes();
  const containerMounts: V1VolumeMount[] = storage.workerMounts();
  if (storage.anyHostPath) env.DATA_PATH_PREFIX = DATA_PATH_PREFIX;

  if (request.workerType === 'inference') {
    volumes.push({ name: REPORT_SPOOL_VOLUME, emptyDir: {} });
    containerMounts.push({ name: REPORT_SPOOL_VOLUME, mountPath: REPORT_SPOOL_MOUNT_PATH });
    env.SEDNA_REPORT_SPOOL_DIR = REPORT_SPOOL_MOUNT_PATH;
    // A template that sets its own HE_SAVED_URL (the original's helmet example, with a volume of its own)
    // keeps it: the LC indexes that folder (userHardExampleFolder) instead of its own.
    if (context.lc.hardExampleRoot && !userHardExampleFolder(spec)) {
      volumes.push({ name: HARD_EXAMPLES_VOLUME, hostPath: { path: jobFolder(context.lc.hardExampleRoot, namespace, policy.resourceKind, jobName), type: 'DirectoryOrCreate' } });
      containerMounts.push({ name: HARD_EXAMPLES_VOLUME, mountPath: HARD_EXAMPLES_MOUNT_PATH });
      env.HE_SAVED_URL = HARD_EXAMPLES_MOUNT_PATH;
    }
    if (policy.deployMode(job) === 'hot') {
      const root = context.lc.hotUpdateRoot ?? DEFAULT_HOT_UPDATE_ROOT;
      volumes.push({ name: HOT_UPDATE_VOLUME, hostPath: { path: jobFolder(root, namespace, policy.resourceKind, jobName), type: 'DirectoryOrCreate' } });
      containerMounts.push({ name: HOT_UPDATE_VOLUME, mountPath: HOT_UPDATE_MOUNT_PATH });
      env.MODEL_HOT_UPDATE_CONFIG = HOT_UPDATE_CONFIG_PATH;
    }
  }

  const envVars: V1EnvVar[] = [
    ...Object.entries(env).flatMap(([name, value]) => (value === undefined ? [] : [{ name, value }])),
    // The token is in the pod's own Secret, not in the pod spec: reading pods does not give it away.
    { name: 'SEDNA_WORKER_TOKEN', valueFrom: { secretKeyRef: { name: request.name, key: WORKER_TOKEN_SECRET_KEY } } },
    ...storage.workerEnv(secrets, namespace),
  ];
  // A failed worker's last log lines go into its terminated state's message, and from there into the
  // job's Failed condition (as Kubernetes does for FallbackToLogsOnError), unless the template chose.
  spec.containers = (spec.containers ?? []).map((c) => ({
    terminationMessagePolicy: 'FallbackToLogsOnError' as const,
    ...withDefaultRequests(withEnv(c, envVars, containerMounts), settings.workerDefaultRequests),
  }));
  const initContainers = [
    ...(spec.initContainers ?? []).map((c) => withDefaultRequests(c, settings.workerDefaultRequests)),
    ...storage.initContainers(settings.storageInitializer, secrets, namespace),
  ];
  if (initContainers.length > 0) spec.initContainers = initContainers;
  spec.volumes = [...(spec.volumes ?? []), ...volumes];
  spec.nodeName = request.nodeName;
  spec.restartPolicy = request.workerType === 'inference' ? (spec.restartPolicy ?? 'Always') : 'Never';
  if (policy.hostNetwork(request.workerType)) {
    spec.hostNetwork = true;
    // In the node's network the cluster DNS is reached only with this policy.
    spec.dnsPolicy ??= 'ClusterFirstWithHostNet';
  }

  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: request.name,
      generateName: workerGenerateName(jobName, request.workerType),
      namespace,
      labels: {
        ...(template.metadata?.labels ?? {}),
        [keys.name]: jobName,
        [keys.uid]: job.metadata.uid ?? '',
        [keys.workerType]: request.workerType,
        [ROUND_LABEL]: String(request.round),
        [ATTEMPT_LABEL]: String(request.attempt),
      },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [jobOwnerReference(job, policy, true)],
    },
    spec,
  };
}

function jobOwnerReference<J extends LearningJob>(job: J, policy: JobPolicy<J>, controller: boolean): V1OwnerReference {
  return {
    apiVersion: job.apiVersion ?? 'sedna.io/v1alpha1',
    kind: policy.kind,
    name: job.metadata.name ?? '',
    uid: job.metadata.uid ?? '',
    controller,
    blockOwnerDeletion: true,
  };
}

/**
 * The Secret holding the token of the worker pod `request` asks for: named after the pod, in its
 * namespace, labelled with the job and `sedna.io/worker-token`, owned by the job (so it goes with the
 * job; the GM deletes it when the pod goes). The token names the job, the pod, its node and its role.
 */
export function buildWorkerTokenSecret<J extends LearningJob>(job: J, request: WorkerPodRequest, policy: JobPolicy<J>, nodeTokenValue: string): V1Secret {
  const namespace = job.metadata.namespace ?? 'default';
  const jobName = job.metadata.name ?? '';
  const keys = workerLabelKeys(policy.resourceKind);
  const token = mintWorkerToken(nodeTokenValue, { namespace, kind: policy.resourceKind, job: jobName, pod: request.name, node: request.nodeName, role: request.workerType });
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: request.name,
      namespace,
      labels: { [keys.name]: jobName, [keys.uid]: job.metadata.uid ?? '', [WORKER_TOKEN_LABEL]: 'true' },
      ownerReferences: [jobOwnerReference(job, policy, false)],
    },
    type: 'Opaque',
    data: { [WORKER_TOKEN_SECRET_KEY]: Buffer.from(token, 'utf8').toString('base64') },
  };
}

/** Whether `secret` is the worker-token Secret of a pod of the job with uid `jobUid` (so the GM may delete it). */
export function isWorkerTokenSecret(secret: V1Secret, jobUid: string | undefined): boolean {
  return secret.metadata?.labels?.[WORKER_TOKEN_LABEL] === 'true' && (secret.metadata.ownerReferences ?? []).some((o) => jobUid !== undefined && o.uid === jobUid);
}
