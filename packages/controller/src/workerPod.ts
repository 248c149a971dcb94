/**
 * Builds a worker pod from its stage template (docs/design/incremental-learning.md section 4): the
 * name the state machine picked (with `generateName` kept), the original's labels plus round and
 * attempt, a controller ownerReference to the job, `restartPolicy: Never` for train and eval, the
 * worker env appended to every container, host paths mounted under /home/data, and for the inference
 * worker the hard-example folder and, with hot update, the hot-update folder of the job on its node.
 */
import path from 'node:path';
import type { V1Container, V1EnvVar, V1Pod, V1PodSpec, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { Dataset } from '@sedna-ts/api-types';
import { DATA_PATH_PREFIX, HostPathMounts } from './hostPathMounts.js';
import type { JobPolicy, LearningJob } from './jobPolicy.js';
import { ATTEMPT_LABEL, ROUND_LABEL, workerLabelKeys } from './labels.js';
import { cloneJson } from './json.js';
import { workerGenerateName, type WorkerPodRequest } from './stateMachine.js';
import { workerToken } from './tokens.js';

/** Where the hot-update folder of the job is mounted in the inference worker. */
export const HOT_UPDATE_MOUNT_PATH = '/model-hot-update';
/** MODEL_HOT_UPDATE_CONFIG: the file the LC writes and the inference worker polls. */
export const HOT_UPDATE_CONFIG_PATH = '/model-hot-update/model_config.json';
/** HE_SAVED_URL: where the inference worker saves hard examples (the LC's folder for the job). */
export const HARD_EXAMPLES_MOUNT_PATH = '/sedna/hard-examples';
/** The original's host root of hot-update folders, used when an LC does not say its own. */
export const DEFAULT_HOT_UPDATE_ROOT = '/var/lib/sedna/model-hot-update';
/** Volume names of the two LC folders (the hot-update one is the original's). */
export const HOT_UPDATE_VOLUME = 'sedna-model-hot-update-volume';
export const HARD_EXAMPLES_VOLUME = 'sedna-hard-examples-volume';

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
}

/** What a worker pod needs besides the job and the request. */
export interface WorkerPodContext {
  dataset: Dataset;
  /** The LC of the pod's node. */
  lc: LcInfo;
  /** The token of the pod's node (the worker token is derived from it). */
  nodeToken: string;
}

/** The per-job folder under an LC root: `<root>/<namespace>/<kind>/<name>`, lower case as the original. */
export function jobFolder(root: string, namespace: string, resourceKind: string, name: string): string {
  return path.posix.join(root, namespace.toLowerCase(), resourceKind.toLowerCase(), name.toLowerCase());
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

/**
 * The pod of a worker of `job` as `request` asks, from the stage's template.
 *
 * @example
 * ```ts
 * const pod = buildWorkerPod(job, request, incrementalLearningPolicy, { dataset, lc, nodeToken });
 * await core.createNamespacedPod({ namespace: pod.metadata!.namespace!, body: pod });
 * ```
 */
export function buildWorkerPod<J extends LearningJob>(job: J, request: WorkerPodRequest, policy: JobPolicy<J>, context: WorkerPodContext): V1Pod {
  const template = policy.template(job, request.workerType);
  if (!template) throw new Error(`${policy.kind} ${job.metadata.namespace}/${job.metadata.name}: no pod template for the ${request.workerType} worker`);
  const namespace = job.metadata.namespace ?? 'default';
  const jobName = job.metadata.name ?? '';
  const spec = cloneJson(template.spec ?? { containers: [] }) as unknown as V1PodSpec;
  const keys = workerLabelKeys(policy.resourceKind);
  const mounts = new HostPathMounts((spec.volumes ?? []).map((v) => v.name));
  const stageEnv = policy.workerEnv(job, request, { dataset: context.dataset, mounts });

  const env: Record<string, string> = {
    NAMESPACE: namespace,
    JOB_NAME: jobName,
    WORKER_NAME: request.name,
    LC_SERVER: context.lc.lcServer,
    SEDNA_WORKER_TOKEN: workerToken(context.nodeToken, request.name),
    ...stageEnv,
  };
  const volumes: V1Volume[] = mounts.volumes();
  const containerMounts: V1VolumeMount[] = mounts.mounts();
  if (mounts.any) env.DATA_PATH_PREFIX = DATA_PATH_PREFIX;

  if (request.workerType === 'inference') {
    if (context.lc.hardExampleRoot) {
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

  const envVars: V1EnvVar[] = Object.entries(env).map(([name, value]) => ({ name, value }));
  spec.containers = (spec.containers ?? []).map((c) => withEnv(c, envVars, containerMounts));
  spec.volumes = [...(spec.volumes ?? []), ...volumes];
  spec.nodeName = request.nodeName;
  spec.restartPolicy = request.workerType === 'inference' ? (spec.restartPolicy ?? 'Always') : 'Never';

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
      ownerReferences: [
        {
          apiVersion: job.apiVersion ?? 'sedna.io/v1alpha1',
          kind: policy.kind,
          name: jobName,
          uid: job.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec,
  };
}
