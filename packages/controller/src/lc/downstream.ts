/**
 * What each Local Controller holds (docs/design/incremental-learning.md section 5): a Dataset goes to
 * its `spec.nodeName`, a learning job to its dataset's node and the nodes of its stage templates, a
 * Model to the nodes of the jobs that use it. A change of an object is sent (`insert`) to its nodes; a
 * node that no longer should hold it gets a `delete`. On connect, a node gets everything it should hold.
 */
import { encodeFrameContent, type Dataset, type Model, type WireFrame } from '@sedna-ts/api-types';
import type { JobPolicy, LearningJob } from '../jobs/jobPolicy.js';
import type { WorkerType } from '../jobs/observedPod.js';

/** A job with the policy of its kind. */
export interface PolicyJob {
  job: LearningJob;
  policy: JobPolicy;
}

/** Where the downstream sync reads the current objects. */
export interface DownstreamSources {
  datasets(): Dataset[];
  models(): Model[];
  jobs(): PolicyJob[];
  dataset(namespace: string, name: string): Dataset | undefined;
  model(namespace: string, name: string): Model | undefined;
}

/** A job as last placed: the nodes it went to and the Models (`<namespace>/<name>`) it used. */
interface PlacedJob extends PolicyJob {
  nodes: Set<string>;
  models: string[];
  dataset: string;
}

/** Sends a frame to a node's queue. */
export type FrameSink = (node: string, key: string, frame: WireFrame) => void;

interface Placeable {
  metadata: { name?: string; namespace?: string };
}

const WORKER_TYPES: readonly WorkerType[] = ['train', 'eval', 'inference'];

/** The queue key and `resourceKind` of an object: `<kind>/<namespace>/<name>`. */
export function resourceKey(resourceKind: string, object: Placeable): string {
  return `${resourceKind}/${object.metadata.namespace ?? 'default'}/${object.metadata.name ?? ''}`;
}

function frame(resourceKind: string, object: Placeable, operation: 'insert' | 'delete'): WireFrame {
  return {
    header: { namespace: object.metadata.namespace ?? 'default', resourceKind, resourceName: object.metadata.name ?? '', operation },
    content: encodeFrameContent(object),
  };
}

function isDeleting(job: LearningJob): boolean {
  return job.metadata.deletionTimestamp !== undefined && job.metadata.deletionTimestamp !== null;
}

/** Keeps each node's objects in step with the API server. */
export class Downstream {
  /** Nodes each key was last sent to. */
  private readonly placements = new Map<string, Set<string>>();
  /** Models each job referenced when last placed, so a dropped reference is noticed. */
  private readonly jobModels = new Map<string, string[]>();
  /**
   * The jobs placed now (valid, not being deleted), by key, with the nodes and Models they had then;
   * the jobs of each Dataset (`<namespace>/<name>` to job keys); and for each Model the nodes its jobs
   * are on, counted. A job's event updates these instead of going through every job: going through
   * every job (each one's spec and outputDir checked) on every job event was most of the GM's CPU at
   * 1,000 jobs, and a Model that all of them share still took a pass over them (bench/scale).
   */
  private readonly placedJobs = new Map<string, PlacedJob>();
  private readonly datasetUsers = new Map<string, Set<string>>();
  private readonly modelNodeCounts = new Map<string, Map<string, number>>();

  constructor(
    private readonly sources: DownstreamSources,
    private readonly sink: FrameSink,
  ) {}

  /** The nodes of a job: its dataset's node and its stage templates' nodes. */
  jobNodes(job: LearningJob, policy: JobPolicy): Set<string> {
    const nodes = new Set<string>();
    const dataset = this.sources.dataset(job.metadata.namespace ?? 'default', policy.datasetName(job));
    if (dataset?.spec.nodeName) nodes.add(dataset.spec.nodeName);
    for (const type of WORKER_TYPES) {
      const node = policy.template(job, type)?.spec?.nodeName;
      if (node) nodes.add(node);
    }
    return nodes;
  }

  /** A Dataset was added or changed: it goes to its node, and the jobs on it follow a node change. */
  datasetChanged(dataset: Dataset): void {
    this.place('dataset', dataset, new Set(dataset.spec.nodeName ? [dataset.spec.nodeName] : []), 'all');
    this.replaceJobsOf(dataset);
  }

  /** A Dataset was deleted. */
  datasetDeleted(dataset: Dataset): void {
    this.remove('dataset', dataset);
    this.replaceJobsOf(dataset);
  }

  /** A Model was added or changed: it goes to the nodes of the jobs that use it. */
  modelChanged(model: Model): void {
    this.place('model', model, this.modelNodes(model), 'all');
  }

  /** A Model was deleted. */
  modelDeleted(model: Model): void {
    this.remove('model', model);
  }

  /** A job was added or changed (a job being deleted is removed from its nodes). */
  jobChanged(job: LearningJob, policy: JobPolicy): void {
    if (isDeleting(job)) return this.jobDeleted(job, policy);
    this.place(policy.resourceKind, job, this.record(job, policy).nodes, 'all');
    this.replaceModelsOf(job, policy);
  }

  /** A job was deleted (or is being deleted): every node that held it gets a delete. */
  jobDeleted(job: LearningJob, policy: JobPolicy): void {
    const key = resourceKey(policy.resourceKind, job);
    this.forget(key);
    const held = this.placements.get(key);
    this.remove(policy.resourceKind, job, held && held.size > 0 ? held : this.jobNodes(job, policy));
    this.replaceModelsOf(job, policy);
  }

  /**
   * A job the LCs must not act on (its spec is invalid): the nodes that hold it get a delete; a job no
   * node holds sends nothing.
   */
  jobWithdrawn(job: LearningJob, policy: JobPolicy): void {
    const key = resourceKey(policy.resourceKind, job);
    this.forget(key);
    const held = this.placements.get(key);
    if (held && held.size > 0) this.remove(policy.resourceKind, job, held);
    // Its Models stay only where another job needs them.
    this.replaceModelsOf({ ...job, metadata: { ...job.metadata, deletionTimestamp: new Date().toISOString() } }, policy);
  }

  /** Everything `node` should hold, as insert frames, and the node is recorded as holding them. */
  resync(node: string): { key: string; frame: WireFrame }[] {
    const out: { key: string; frame: WireFrame }[] = [];
    const add = (resourceKind: string, object: Placeable): void => {
      const key = resourceKey(resourceKind, object);
      out.push({ key, frame: frame(resourceKind, object, 'insert') });
      let held = this.placements.get(key);
      if (!held) this.placements.set(key, (held = new Set()));
      held.add(node);
    };
    // Read from the sources, not the indexes, and the indexes made whole again from them.
    const jobs = this.sources.jobs().filter(({ job }) => !isDeleting(job));
    for (const { job, policy } of jobs) this.record(job, policy);
    const here = jobs.filter(({ job, policy }) => this.jobNodes(job, policy).has(node));
    const modelsHere = new Set(here.flatMap(({ job, policy }) => policy.modelNames(job).map((name) => `${job.metadata.namespace ?? 'default'}/${name}`)));
    for (const dataset of this.sources.datasets()) if (dataset.spec.nodeName === node) add('dataset', dataset);
    for (const model of this.sources.models()) if (modelsHere.has(`${model.metadata.namespace ?? 'default'}/${model.metadata.name ?? ''}`)) add('model', model);
    for (const { job, policy } of here) add(policy.resourceKind, job);
    return out;
  }

  /** Indexes a placed job under its key, its Dataset and its Models' nodes (replacing what it had). */
  private record(job: LearningJob, policy: JobPolicy): PlacedJob {
    const key = resourceKey(policy.resourceKind, job);
    this.forget(key);
    const namespace = job.metadata.namespace ?? 'default';
    const entry: PlacedJob = { job, policy, nodes: this.jobNodes(job, policy), models: [...new Set(policy.modelNames(job))].map((name) => `${namespace}/${name}`), dataset: `${namespace}/${policy.datasetName(job)}` };
    this.placedJobs.set(key, entry);
    addTo(this.datasetUsers, entry.dataset, key);
    for (const model of entry.models) this.countNodes(model, entry.nodes, 1);
    return entry;
  }

  /** Takes a job out of the indexes (deleted, being deleted, or withdrawn). */
  private forget(key: string): void {
    const entry = this.placedJobs.get(key);
    if (!entry) return;
    this.placedJobs.delete(key);
    removeFrom(this.datasetUsers, entry.dataset, key);
    for (const model of entry.models) this.countNodes(model, entry.nodes, -1);
  }

  private countNodes(model: string, nodes: Set<string>, by: 1 | -1): void {
    let counts = this.modelNodeCounts.get(model);
    if (!counts) this.modelNodeCounts.set(model, (counts = new Map()));
    for (const node of nodes) {
      const n = (counts.get(node) ?? 0) + by;
      if (n > 0) counts.set(node, n);
      else counts.delete(node);
    }
    if (counts.size === 0) this.modelNodeCounts.delete(model);
  }

  /** The nodes of the placed jobs that use the Model. */
  private modelNodes(model: Model): Set<string> {
    return new Set(this.modelNodeCounts.get(`${model.metadata.namespace ?? 'default'}/${model.metadata.name ?? ''}`)?.keys());
  }

  /** Models a job references now or did before: placed again, new nodes only. */
  private replaceModelsOf(job: LearningJob, policy: JobPolicy): void {
    const jobKey = resourceKey(policy.resourceKind, job);
    const now = isDeleting(job) ? [] : policy.modelNames(job);
    const names = new Set([...(this.jobModels.get(jobKey) ?? []), ...now]);
    if (now.length > 0) this.jobModels.set(jobKey, now);
    else this.jobModels.delete(jobKey);
    const namespace = job.metadata.namespace ?? 'default';
    for (const name of names) {
      const model = this.sources.model(namespace, name);
      if (model) this.place('model', model, this.modelNodes(model), 'new');
    }
  }

  /** Jobs of a dataset follow its node: placed again, new nodes only. */
  private replaceJobsOf(dataset: Dataset): void {
    const users = [...(this.datasetUsers.get(`${dataset.metadata.namespace ?? 'default'}/${dataset.metadata.name ?? ''}`) ?? [])];
    for (const key of users) {
      const entry = this.placedJobs.get(key);
      if (!entry || isDeleting(entry.job)) continue;
      // Its nodes follow the Dataset's node, and so do its Models'.
      this.place(entry.policy.resourceKind, entry.job, this.record(entry.job, entry.policy).nodes, 'new');
      this.replaceModelsOf(entry.job, entry.policy);
    }
  }

  /** Sends the object to `nodes` (all of them, or only those that did not hold it) and a delete to nodes that no longer should. */
  private place(resourceKind: string, object: Placeable, nodes: Set<string>, to: 'all' | 'new'): void {
    const key = resourceKey(resourceKind, object);
    const held = this.placements.get(key) ?? new Set<string>();
    const insert = frame(resourceKind, object, 'insert');
    for (const node of nodes) if (to === 'all' || !held.has(node)) this.sink(node, key, insert);
    const removed = [...held].filter((n) => !nodes.has(n));
    if (removed.length > 0) {
      const del = frame(resourceKind, object, 'delete');
      for (const node of removed) this.sink(node, key, del);
    }
    if (nodes.size > 0) this.placements.set(key, nodes);
    else this.placements.delete(key);
  }

  private remove(resourceKind: string, object: Placeable, nodes?: Set<string>): void {
    const key = resourceKey(resourceKind, object);
    const targets = nodes ?? this.placements.get(key) ?? new Set<string>();
    const del = frame(resourceKind, object, 'delete');
    for (const node of targets) this.sink(node, key, del);
    this.placements.delete(key);
  }
}

function addTo(index: Map<string, Set<string>>, id: string, key: string): void {
  let keys = index.get(id);
  if (!keys) index.set(id, (keys = new Set()));
  keys.add(key);
}

function removeFrom(index: Map<string, Set<string>>, id: string, key: string): void {
  const keys = index.get(id);
  if (!keys) return;
  keys.delete(key);
  if (keys.size === 0) index.delete(id);
}
