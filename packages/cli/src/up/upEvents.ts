/**
 * The short lines `sedna up` prints as things happen: each condition a job of any learning-job kind
 * records, each phase a worker pod reaches, each new sample count of a dataset. Read from the API
 * (watches from the listed resourceVersion, reconnecting as `get -w` does), so they show what any
 * client would see.
 */
import { LEARNING_JOB_KINDS, SEDNA_API_VERSION, type KindInfo } from '@sedna-ts/api-types';
import { ATTEMPT_LABEL, ROUND_LABEL, workerLabelKeys } from '@sedna-ts/api-types/contract';
import type { KubeClient } from '../client.js';
import type { JobCondition } from '@sedna-ts/api-types';
import { parseConditionData } from '@sedna-ts/api-types/contract';
import { follow } from '../watch.js';

/** `HH:MM:SS`, local time, for the short lines on stdout. */
export function clock(date = new Date()): string {
  return date.toTimeString().slice(0, 8);
}

interface Feed {
  path: string;
  query?: Record<string, string>;
  /** The line for an object that changed, given what was last seen of it; undefined: nothing to say. */
  line(object: KubeObject, type: string): string | undefined;
}

/** The parts of an object this printer reads (`sedna up` imports none of the verbs' own files). */
interface KubeObject {
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; labels?: Record<string, string>; deletionTimestamp?: string };
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The status fields of a learning job the printer reads. */
interface LearningJobStatus {
  round?: number;
  conditions?: JobCondition[];
}

function ref(o: KubeObject): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/** Lines for the conditions a job appended since `seen` (its count of conditions). */
export function newConditionLines(job: KubeObject, seen: number): string[] {
  const status = (job.status ?? {}) as LearningJobStatus;
  const conditions = status.conditions ?? [];
  // The GM keeps the last N conditions: after a trim the count can go down; show only the last then.
  const start = seen > conditions.length ? conditions.length - 1 : seen;
  return conditions.slice(Math.max(0, start)).map((c) => {
    const data = parseConditionData(c.data);
    const round = c.round ?? data.round ?? status.round ?? 0;
    const extra = [c.reason, c.message].filter(Boolean).join(': ');
    const decision = data.decision ? ` [${data.decision.decision}: ${data.decision.reason}]` : '';
    return `job ${ref(job)}: round ${round} ${c.stage} ${c.type}${extra ? ` (${extra})` : ''}${decision}`;
  });
}

interface PodStatus {
  phase?: string;
  containerStatuses?: Array<{ state?: { terminated?: { exitCode?: number; reason?: string } } }>;
}

/** The phase of a pod in words: `Failed (exit 137, Error)`. */
export function podPhase(pod: KubeObject): string {
  const status = (pod.status ?? {}) as PodStatus;
  const phase = status.phase ?? 'Pending';
  const terminated = status.containerStatuses?.map((c) => c.state?.terminated).find((t) => t && t.exitCode !== 0);
  return terminated && phase === 'Failed' ? `${phase} (exit ${terminated.exitCode ?? '?'}${terminated.reason ? `, ${terminated.reason}` : ''})` : phase;
}

/**
 * Follows jobs, worker pods and datasets on `client` and writes a line per notable change with
 * `write`, until `signal` aborts. The state found at the start is printed once per job.
 */
export async function followNotableEvents(client: KubeClient, write: (line: string) => void, signal: AbortSignal): Promise<void> {
  const conditionsSeen = new Map<string, number>();
  const phaseSeen = new Map<string, string>();
  const samplesSeen = new Map<string, unknown>();
  // A job feed and a worker pod feed per learning-job kind (a label selector cannot say "any of").
  const jobFeed = (kind: KindInfo): Feed => ({
    path: `/apis/${SEDNA_API_VERSION}/${kind.plural}`,
    line(job, type) {
      const uid = job.metadata?.uid ?? '';
      if (type === 'DELETED') {
        conditionsSeen.delete(uid);
        return `job ${ref(job)}: deleted`;
      }
      const count = ((job.status as LearningJobStatus | undefined)?.conditions ?? []).length;
      const seen = conditionsSeen.get(uid);
      conditionsSeen.set(uid, count);
      if (seen === undefined) {
        // First sight: only the current state.
        const lines = newConditionLines(job, Math.max(0, count - 1));
        return lines.length > 0 ? lines.join('\n') : `job ${ref(job)}: created`;
      }
      const lines = newConditionLines(job, seen);
      return lines.length > 0 ? lines.join('\n') : undefined;
    },
  });
  const podFeed = (kind: KindInfo): Feed => {
    const labelKeys = workerLabelKeys(kind.singular);
    return {
      path: '/api/v1/pods',
      query: { labelSelector: labelKeys.name },
      line(pod, type) {
        const uid = pod.metadata?.uid ?? '';
        const labels = pod.metadata?.labels ?? {};
        const what = `${labels[labelKeys.workerType] ?? 'worker'}, round ${labels[ROUND_LABEL] ?? '?'}, attempt ${labels[ATTEMPT_LABEL] ?? '?'}`;
        if (type === 'DELETED') {
          phaseSeen.delete(uid);
          return `pod ${ref(pod)} (${what}): deleted`;
        }
        const phase = podPhase(pod);
        if (phaseSeen.get(uid) === phase) return undefined;
        phaseSeen.set(uid, phase);
        return `pod ${ref(pod)} (${what}): ${phase}`;
      },
    };
  };
  const feeds: Feed[] = [
    ...LEARNING_JOB_KINDS.map(jobFeed),
    ...LEARNING_JOB_KINDS.map(podFeed),
    {
      path: `/apis/${SEDNA_API_VERSION}/datasets`,
      line(dataset, type) {
        const uid = dataset.metadata?.uid ?? '';
        if (type === 'DELETED') return `dataset ${ref(dataset)}: deleted`;
        const samples = (dataset.status as { numberOfSamples?: number } | undefined)?.numberOfSamples;
        if (samples === undefined || samplesSeen.get(uid) === samples) return undefined;
        samplesSeen.set(uid, samples);
        return `dataset ${ref(dataset)}: ${samples} samples`;
      },
    },
  ];
  const emit = (text: string | undefined) => {
    if (!text) return;
    const time = clock();
    for (const line of text.split('\n')) write(`${time} ${line}\n`);
  };
  await Promise.all(
    feeds.map(async (feed) => {
      const list = async () => {
        const answer = await client.get<{ metadata?: { resourceVersion?: string }; items?: KubeObject[] }>(feed.path, { query: feed.query });
        for (const item of answer.items ?? []) emit(feed.line(item, 'ADDED'));
        return answer.metadata?.resourceVersion ?? '';
      };
      let resourceVersion: string;
      try {
        resourceVersion = await list();
      } catch {
        // The server is going away (shutdown) or the kind is not served: nothing to follow.
        return;
      }
      await follow(client, {
        path: feed.path,
        query: feed.query,
        resourceVersion,
        signal,
        onEvent: (event) => emit(feed.line(event.object as KubeObject, event.type)),
        relist: list,
      }).catch(() => undefined);
    }),
  );
}
