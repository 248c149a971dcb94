import { mkdir, rm, stat } from 'node:fs/promises';
import { type ModelInfo } from '@sedna-ts/api-types';
import { type HardExampleFilter, type HardExampleFilterClass } from '@sedna-ts/hard-example-mining';
import { ClassFactory, ClassType } from './classFactory.js';
import { Context, SednaContext, type AlgorithmParameters, type AlgorithmSpec } from './context.js';
import { type DataSource, type Estimator, type EstimatorOptions, type EstimatorSource, type Metrics } from './estimator.js';
import { WorkerSdkError, toWorkerSdkError } from './errors.js';
import { writeHardExample, type SavedHardExample } from './hardExamples.js';
import { ConfigWatcher, readHotUpdateConfig, stageAnnouncedModel, type AnnouncedModel } from './hotUpdate.js';
import { JobBase, resolvePostProcess, type JobBaseOptions, type PostProcess } from './jobBase.js';
import { describeModel, describeSavedFiles } from './modelFiles.js';
import { InferenceMetrics } from './inferenceMetrics.js';
import { type MetricsServer, parseListenAddress, startMetricsServer } from '@sedna-ts/internal/metrics';

/** Options of `IncrementalLearning`. */
export interface IncrementalLearningOptions<X = unknown> extends Omit<JobBaseOptions, 'jobKind'> {
  /**
   * The input a new model is warmed up on before a hot swap: a value, or a function returning one.
   * Default: the input of the last successful `inference` call. With neither (no call yet), the new
   * model is loaded but not warmed up, and the deploy report says `warm_up: "skipped"`.
   */
  warmUpInput?: X | (() => X | Promise<X>);
  /** Hot update on or off (default: MODEL_HOT_UPDATE). */
  hotUpdate?: boolean;
  /** Watch the config's folder with fs.watch (default true); the poll runs in any case. */
  watch?: boolean;
  /**
   * `host:port` to serve `GET /metrics` on (default: SEDNA_WORKER_METRICS_ADDRESS; none when unset).
   * The listener starts with the first `inference` call (or `serveMetrics()`) and stops on `close()`.
   */
  metricsAddress?: string;
}

/** Options of `train`: the reserved keys below, everything else goes to `Estimator.train`. */
export type TrainOptions<X = unknown, P = unknown> = EstimatorOptions & {
  validData?: DataSource;
  /** Applied to the trained estimator; its result is what `train` returns. */
  postProcess?: PostProcess<Estimator<X, P>, unknown>;
};

/** Options of `evaluate`: `postProcess` is applied to each model's metrics; the rest goes to `Estimator.evaluate`. */
export type EvaluateOptions = EstimatorOptions & { postProcess?: PostProcess<Metrics, Metrics> };

/** Options of `inference`: `postProcess` turns the raw prediction into what HEM judges; the rest goes to `Estimator.predict`. */
export type InferenceOptions<P = unknown, R = P> = EstimatorOptions & { postProcess?: PostProcess<P, R> };

/** A hot update, as `onModelUpdate` listeners see it. */
export interface ModelUpdateEvent {
  status: 'completed' | 'failed';
  /** `model_version` (else `model_update_time`) of the announced model. */
  version: string;
  /** `model_path` as announced. */
  modelPath: string;
  /** Why it failed. */
  error?: WorkerSdkError;
}

/** Counters of an inference worker. */
export interface InferenceStats {
  inferences: number;
  failedInferences: number;
  hardExamples: number;
  savedHardExamples: number;
  modelUpdates: number;
  failedModelUpdates: number;
  modelVersion: string | undefined;
}

interface ModelSlot<X, P> {
  estimator: Estimator<X, P>;
  version: string;
  inFlight: number;
  retired: boolean;
  drained: (() => void) | undefined;
  /** Private copy of a hot-updated model, removed once the slot is disposed. */
  stagedFolder: string | undefined;
}

function isFilter(value: unknown): value is HardExampleFilter {
  return value !== null && typeof value === 'object' && typeof (value as HardExampleFilter).filter === 'function';
}

function isMetrics(value: unknown): value is Metrics {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Sedna's `IncrementalLearning`: what the train, eval and inference scripts of an
 * IncrementalLearningJob call. `train` trains, saves under MODEL_URL and reports the model files;
 * `evaluate` evaluates each model of MODEL_URLS and reports their metrics; `inference` predicts,
 * post-processes and asks the hard example filter, and (with MODEL_HOT_UPDATE=true) swaps in new models
 * published by the LC without failing a call.
 *
 * @example
 * // train.ts
 * const train = await new TxtDataParse('train').parse(BaseConfig.trainDatasetUrl!);
 * await new IncrementalLearning(MyEstimator).train(train, { epochs: Context.getInt('epochs', 1) });
 *
 * // inference.ts
 * const il = new IncrementalLearning(MyEstimator, IncrementalLearning.getHemAlgorithmFromConfig({ threshold_img: 0.9 }));
 * const [, boxes, isHard] = await il.inference(image, { postProcess: toBoxes });
 * if (isHard) await il.saveHardExample(image, boxes);
 */
export class IncrementalLearning<X = unknown, P = unknown, R = P> extends JobBase<X, P> {
  /** The hard example filter in use, if any. */
  readonly hardExampleMining: HardExampleFilter<R> | undefined;
  /** MODEL_URLS. */
  readonly modelUrls: string | undefined;
  private readonly options: IncrementalLearningOptions<X>;
  private current: ModelSlot<X, P> | undefined;
  private loading: Promise<ModelSlot<X, P>> | undefined;
  private watcher: ConfigWatcher | undefined;
  private appliedKey: string | undefined;
  private failedKey: string | undefined;
  private lastInput: { data: X; options: EstimatorOptions } | undefined;
  private readonly listeners = new Set<(event: ModelUpdateEvent) => void>();
  private readonly counters = { inferences: 0, failedInferences: 0, hardExamples: 0, savedHardExamples: 0, modelUpdates: 0, failedModelUpdates: 0 };
  private hardExampleSeq = 0;
  private closed = false;
  /** Prometheus metrics of inference: calls, latency, hard examples, hot updates, the version serving. */
  get metrics(): InferenceMetrics {
    return (this.inferenceMetrics ??= new InferenceMetrics({ namespace: this.namespace, job: this.jobName, worker: this.workerName }));
  }
  private inferenceMetrics: InferenceMetrics | undefined;
  private metricsServer: Promise<MetricsServer | undefined> | undefined;

  /**
   * The original's `get_hem_algorithm_from_config`: HEM_NAME and HEM_PARAMETERS, `params` winning over
   * the CRD's values; undefined when HEM_NAME is not set.
   */
  static getHemAlgorithmFromConfig(params: AlgorithmParameters = {}, context: SednaContext = Context): AlgorithmSpec | undefined {
    return context.getAlgorithmFromApi('HEM', params);
  }

  /**
   * @param estimator an Estimator instance, class or factory (hot update needs a class or factory).
   * @param hardExampleMining `{method, param}` (as `getHemAlgorithmFromConfig` returns; `method`
   *   defaults to `IBT`), or a filter instance. Default: from HEM_NAME / HEM_PARAMETERS; none if unset.
   */
  constructor(estimator: EstimatorSource<X, P>, hardExampleMining?: Partial<AlgorithmSpec> | HardExampleFilter<R>, options: IncrementalLearningOptions<X> = {}) {
    super(estimator, { ...options, jobKind: 'incrementallearningjob' });
    this.options = options;
    this.modelUrls = this.config.modelUrls;
    let hem: Partial<AlgorithmSpec> | HardExampleFilter<R> | undefined = hardExampleMining;
    if (!hem || (!isFilter(hem) && Object.keys(hem).length === 0)) {
      hem = IncrementalLearning.getHemAlgorithmFromConfig({}, new SednaContext(() => this.config.env));
    }
    if (isFilter(hem)) {
      this.hardExampleMining = hem;
    } else if (hem) {
      const Filter = ClassFactory.getCls<HardExampleFilterClass<R>>(ClassType.HEM, hem.method || 'IBT');
      this.hardExampleMining = new Filter(hem.param ?? {});
    }
    if (options.hotUpdate ?? this.config.modelHotUpdate) this.startHotUpdate();
    // Reports an earlier run of this worker could not deliver go out first, in order.
    this.resumeReports();
  }

  // ---------------------------------------------------------------- train / evaluate

  private async failAndReport(kind: 'train' | 'eval', what: string, error: unknown): Promise<never> {
    const wrapped = toWorkerSdkError(error, 'ESTIMATOR_FAILED', `IncrementalLearning.${what}`);
    try {
      await this.reportTaskInfo({ error: wrapped.message }, 'failed', undefined, kind);
    } catch (reportError) {
      this.logger.error({ error: (reportError as Error).message }, `could not report the ${kind} failure`);
    }
    throw wrapped;
  }

  /**
   * Train, save under MODEL_URL (the round's output folder, created if missing), report kind `train`
   * status `completed` with every saved file (format, url, size, sha256, the training metrics).
   * Returns `postProcess(estimator)` or the estimator. A failure is reported (`failed`) and thrown; a
   * report that cannot be delivered throws `REPORT_UNDELIVERABLE`.
   */
  async train(trainData: DataSource, options: TrainOptions<X, P> = {}): Promise<unknown> {
    const { validData, postProcess, ...rest } = options;
    const modelDir = this.config.modelUrl;
    if (!modelDir) throw new WorkerSdkError('CONFIG_INVALID', 'IncrementalLearning.train: env MODEL_URL is not set (the folder to save the trained model in)');
    const existing = await stat(modelDir).catch(() => undefined);
    if (existing && !existing.isDirectory()) {
      throw new WorkerSdkError('CONFIG_INVALID', `IncrementalLearning.train: env MODEL_URL: ${JSON.stringify(modelDir)} is a file; it must be the round's output folder`);
    }
    await mkdir(modelDir, { recursive: true });
    const estimator = await this.estimator();
    let infos: ModelInfo[];
    try {
      const result = await estimator.train(trainData, validData, rest);
      const files = await estimator.save(modelDir);
      infos = await describeSavedFiles(files, { modelDir, metrics: isMetrics(result) ? result : undefined, dataPathPrefix: this.config.dataPathPrefix });
    } catch (error) {
      return this.failAndReport('train', 'train', error);
    }
    await this.reportTaskInfo(undefined, 'completed', infos, 'train');
    const post = resolvePostProcess(postProcess);
    return post ? post(estimator) : estimator;
  }

  /**
   * Evaluate each model of MODEL_URLS (`;`-joined, in order; else MODEL_URL) on `data` with a fresh
   * estimator each (`Estimator.evaluate(data, {modelPath, ...options})`), post-process the metrics, and
   * report kind `eval` with one entry per model in the same order. Returns those entries.
   */
  async evaluate(data: DataSource, options: EvaluateOptions = {}): Promise<ModelInfo[]> {
    const { postProcess, ...rest } = options;
    const urls = (this.modelUrls ?? '').split(';').map((u) => u.trim()).filter(Boolean);
    if (urls.length === 0 && this.config.modelUrl) urls.push(this.config.modelUrl);
    if (urls.length === 0) throw new WorkerSdkError('CONFIG_INVALID', 'IncrementalLearning.evaluate: env MODEL_URLS and MODEL_URL are not set (the models to evaluate)');
    const post = resolvePostProcess(postProcess);
    const results: ModelInfo[] = [];
    for (const url of urls) {
      const estimator = await this.newEstimator();
      try {
        let metrics = await estimator.evaluate(data, { ...rest, modelPath: url });
        if (post) metrics = await post(metrics);
        results.push(await describeModel(url, { metrics, dataPathPrefix: this.config.dataPathPrefix }));
      } catch (error) {
        return this.failAndReport('eval', `evaluate(${url})`, error);
      } finally {
        if (this.makesEstimators) await estimator.dispose?.();
      }
    }
    await this.reportTaskInfo(undefined, 'completed', results, 'eval');
    return results;
  }

  // ---------------------------------------------------------------- inference

  /** Version of the model serving now (`initial` for MODEL_URL, else the announced `model_version`). */
  get modelVersion(): string | undefined {
    return this.current?.version;
  }

  private async loadSlot(path: string, version: string, stagedFolder?: string): Promise<ModelSlot<X, P>> {
    const estimator = await this.newEstimator();
    try {
      await estimator.load(path);
    } catch (error) {
      await Promise.resolve(estimator.dispose?.()).catch(() => undefined);
      throw new WorkerSdkError('MODEL_INVALID', `model ${version}: ${path}: load failed: ${(error as Error).message}`, { cause: error });
    }
    return { estimator, version, inFlight: 0, retired: false, drained: undefined, stagedFolder };
  }

  private async loadInitial(): Promise<{ slot: ModelSlot<X, P>; announced?: AnnouncedModel }> {
    const configPath = this.config.modelHotUpdateConfig;
    if (this.watcher && configPath) {
      // A restarted worker serves the model last published for hot update, as the original's loader does.
      try {
        const announced = await readHotUpdateConfig(configPath);
        if (announced) {
          const staged = await stageAnnouncedModel(announced);
          try {
            return { slot: await this.loadSlot(staged.path, announced.version, staged.folder), announced };
          } catch (error) {
            await rm(staged.folder, { recursive: true, force: true });
            throw error;
          }
        }
      } catch (error) {
        this.logger.warn({ error: (error as Error).message }, 'hot-update model not usable at start; serving MODEL_URL');
      }
    }
    const modelUrl = this.config.modelUrl;
    if (!modelUrl) throw new WorkerSdkError('CONFIG_INVALID', 'IncrementalLearning.inference: env MODEL_URL is not set (the model to serve)');
    return { slot: await this.loadSlot(modelUrl, 'initial') };
  }

  private async ensureModel(): Promise<ModelSlot<X, P>> {
    if (this.current) return this.current;
    this.loading ??= this.loadInitial().then(
      ({ slot, announced }) => {
        this.loading = undefined;
        // A hot update may have landed while the initial model loaded; keep the newer one.
        if (this.current) {
          void this.retire(slot);
          return this.current;
        }
        this.current = slot;
        this.metrics.serving(slot.version, undefined);
        if (announced) {
          this.appliedKey = announced.key;
          this.counters.modelUpdates++;
          this.metrics.modelUpdates.inc({ result: 'completed' });
          this.emit({ status: 'completed', version: announced.version, modelPath: announced.modelPath });
          // In the background: the first inference call must not wait for the LC.
          void this.reportDeploy(announced, 'completed', 'skipped');
        }
        return slot;
      },
      (error: unknown) => {
        this.loading = undefined;
        throw error;
      },
    );
    return this.loading;
  }

  /**
   * Predict (loading the model on first use), post-process, and ask the hard example filter. Returns
   * `[inferResult, result, isHardExample]` as the original. During a hot swap a call runs to the end on
   * the model it started with. `postProcess` receives the raw prediction itself (no deep copy).
   */
  async inference(data: X, options?: InferenceOptions<P, R>): Promise<[P, R, boolean]> {
    if (this.closed) throw new WorkerSdkError('CONFIG_INVALID', 'IncrementalLearning.inference: called after close()');
    if (!this.metricsServer) void this.serveMetrics().catch((error: unknown) => this.logger.error({ error: (error as Error).message }, 'metrics listener not started'));
    const slot = this.current ?? (await this.ensureModel());
    const { postProcess, ...rest } = options ?? {};
    slot.inFlight++;
    let inferResult: P;
    const started = performance.now();
    try {
      inferResult = await slot.estimator.predict(data, rest);
      this.metrics.latency.observe({ model_version: slot.version }, (performance.now() - started) / 1000);
      this.metrics.inferences.inc({ model_version: slot.version, result: 'ok' });
    } catch (error) {
      this.counters.failedInferences++;
      this.metrics.inferences.inc({ model_version: slot.version, result: 'error' });
      throw toWorkerSdkError(error, 'ESTIMATOR_FAILED', `IncrementalLearning.inference: model ${slot.version}: predict failed`);
    } finally {
      slot.inFlight--;
      if (slot.retired && slot.inFlight === 0) slot.drained?.();
    }
    this.lastInput = { data, options: rest };
    this.counters.inferences++;
    const post = resolvePostProcess(postProcess);
    const result = (post ? await post(inferResult) : inferResult) as R;
    let isHard = false;
    if (this.hardExampleMining) {
      isHard = this.hardExampleMining.filter(result);
      if (isHard) {
        this.counters.hardExamples++;
        this.metrics.hardExamples.inc({ model_version: slot.version });
      }
    }
    return [inferResult, result, isHard];
  }

  /**
   * Save a hard example into HE_SAVED_URL: `<time>-<seq>.png` (an image input: encoded bytes or raw
   * pixels `{data, info: {width, height, channels}}`) or `<time>-<seq>.json` (anything else), then
   * `<time>-<seq>.meta.json` = `{result, modelVersion, time}`, each by temp file + rename, the meta file
   * last. The LC indexes an example once its meta file exists.
   */
  async saveHardExample(input: unknown, result: unknown): Promise<SavedHardExample> {
    const dir = this.config.heSavedUrl;
    if (!dir) throw new WorkerSdkError('CONFIG_INVALID', 'IncrementalLearning.saveHardExample: env HE_SAVED_URL is not set (the folder for hard examples)');
    const now = new Date();
    const id = `${now.getTime()}-${String(this.hardExampleSeq++).padStart(6, '0')}`;
    const saved = await writeHardExample(dir, id, input, { result, modelVersion: this.modelVersion, time: now.toISOString() });
    this.counters.savedHardExamples++;
    this.metrics.savedHardExamples.inc();
    return saved;
  }

  /**
   * Starts the `/metrics` listener at `options.metricsAddress` or SEDNA_WORKER_METRICS_ADDRESS (once;
   * the first `inference` call does it too). Resolves to its URL, or undefined when no address is set.
   *
   * @throws WorkerSdkError `CONFIG_INVALID` when the address is not host:port or cannot be listened on.
   */
  async serveMetrics(): Promise<string | undefined> {
    this.metricsServer ??= (async () => {
      const address = this.options.metricsAddress ?? this.config.metricsAddress;
      if (!address) return undefined;
      let where: { host: string; port: number };
      try {
        where = parseListenAddress(address, 'env SEDNA_WORKER_METRICS_ADDRESS');
      } catch (error) {
        throw new WorkerSdkError('CONFIG_INVALID', `IncrementalLearning: ${(error as Error).message}`);
      }
      const registry = this.metrics.registry;
      const server = await startMetricsServer({ contentType: registry.contentType, metrics: () => registry.metrics() }, where).catch((error: unknown) => {
        throw new WorkerSdkError('CONFIG_INVALID', `IncrementalLearning: env SEDNA_WORKER_METRICS_ADDRESS: ${(error as Error).message}`, { cause: error });
      });
      this.logger.info({ url: `${server.url}/metrics` }, 'serving metrics');
      return server;
    })();
    return (await this.metricsServer)?.url;
  }

  /** Counters since start. */
  stats(): InferenceStats {
    return { ...this.counters, modelVersion: this.modelVersion };
  }

  // ---------------------------------------------------------------- hot update

  /** Listen to hot updates (completed or failed). Returns a function that removes the listener. */
  onModelUpdate(listener: (event: ModelUpdateEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: ModelUpdateEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error({ error: (error as Error).message }, 'onModelUpdate listener threw');
      }
    }
  }

  private startHotUpdate(): void {
    const configPath = this.config.modelHotUpdateConfig;
    if (!configPath) throw new WorkerSdkError('CONFIG_INVALID', 'IncrementalLearning: MODEL_HOT_UPDATE=true but env MODEL_HOT_UPDATE_CONFIG is not set');
    if (!this.makesEstimators) {
      throw new WorkerSdkError(
        'CONFIG_INVALID',
        'IncrementalLearning: MODEL_HOT_UPDATE=true needs an estimator class or factory (a new model goes into a new instance), got an instance',
      );
    }
    this.watcher = new ConfigWatcher(configPath, this.config.modelPollPeriodSeconds, () => this.applyAnnouncedModel(configPath), this.options.watch ?? true);
    this.watcher.start();
  }

  /** Check the hot-update config now (the watcher and the poll call this too). Resolves when done. */
  async checkModelUpdate(): Promise<void> {
    await this.watcher?.trigger();
  }

  private async warmUpInput(): Promise<{ data: X; options: EstimatorOptions } | undefined> {
    const given = this.options.warmUpInput;
    if (given !== undefined) {
      const data = typeof given === 'function' ? await (given as () => X | Promise<X>)() : given;
      return { data, options: this.lastInput?.options ?? {} };
    }
    return this.lastInput;
  }

  private async applyAnnouncedModel(configPath: string): Promise<void> {
    let announced: AnnouncedModel | undefined;
    try {
      announced = await readHotUpdateConfig(configPath);
    } catch (error) {
      // Unreadable config: wait for the LC's next write (it writes by rename, so this is rare).
      this.logger.warn({ error: (error as Error).message }, 'hot update config unreadable');
      return;
    }
    if (!announced || announced.key === this.appliedKey || announced.key === this.failedKey) return;
    // The initial model must be in place first, so the new one replaces it rather than racing it.
    if (!this.current) {
      try {
        await this.ensureModel();
      } catch {
        // No initial model: the announced one will be the first.
      }
      if (announced.key === this.appliedKey) return;
    }
    let slot: ModelSlot<X, P> | undefined;
    let warmUp: 'done' | 'skipped' = 'skipped';
    try {
      const staged = await stageAnnouncedModel(announced);
      try {
        slot = await this.loadSlot(staged.path, announced.version, staged.folder);
      } catch (error) {
        await rm(staged.folder, { recursive: true, force: true });
        throw error;
      }
      const input = await this.warmUpInput();
      if (input) {
        try {
          await slot.estimator.predict(input.data, input.options);
          warmUp = 'done';
        } catch (error) {
          throw new WorkerSdkError('MODEL_INVALID', `model ${announced.version}: warm-up predict failed: ${(error as Error).message}`, { cause: error });
        }
      }
    } catch (error) {
      const wrapped = toWorkerSdkError(error, 'MODEL_INVALID', `model ${announced.version}`);
      if (slot) await this.disposeSlot(slot);
      this.failedKey = announced.key;
      this.counters.failedModelUpdates++;
      this.metrics.modelUpdates.inc({ result: 'failed' });
      this.logger.error({ version: announced.version, error: wrapped.message }, 'hot update failed; keeping the current model');
      this.emit({ status: 'failed', version: announced.version, modelPath: announced.modelPath, error: wrapped });
      await this.reportDeploy(announced, 'failed', warmUp, wrapped.message);
      return;
    }
    if (this.closed) {
      await this.disposeSlot(slot);
      return;
    }
    const old = this.current;
    this.current = slot;
    this.appliedKey = announced.key;
    this.counters.modelUpdates++;
    this.metrics.modelUpdates.inc({ result: 'completed' });
    this.metrics.serving(slot.version, old?.version);
    this.logger.info({ version: announced.version, previous: old?.version, warmUp }, 'hot update: new model serving');
    if (old) void this.retire(old);
    this.emit({ status: 'completed', version: announced.version, modelPath: announced.modelPath });
    await this.reportDeploy(announced, 'completed', warmUp);
  }

  private async reportDeploy(announced: AnnouncedModel, status: 'completed' | 'failed', warmUp: 'done' | 'skipped', reason?: string): Promise<void> {
    const result: ModelInfo = { format: '', url: announced.modelPath };
    try {
      const described = await describeModel(announced.resolvedPath, { dataPathPrefix: this.config.dataPathPrefix });
      result.format = described.format;
      if (described.size !== undefined) result.size = described.size;
      if (described.sha256 !== undefined) result.sha256 = described.sha256;
    } catch {
      // A missing file is what a failed report is about; report the announced path as is.
    }
    const ownerInfo: Record<string, unknown> = { model_version: announced.version, model_update_time: announced.updateTime, warm_up: warmUp };
    if (reason) ownerInfo.reason = reason;
    try {
      await this.reportTaskInfo(ownerInfo, status, [result], 'deploy');
    } catch (error) {
      // Spool mode does not throw for delivery; this is a local disk failure.
      this.logger.error({ error: (error as Error).message }, 'could not record the deploy report');
    }
  }

  /** Take a slot out of service: wait for its calls in flight, then dispose it. */
  private async retire(slot: ModelSlot<X, P>): Promise<void> {
    slot.retired = true;
    if (slot.inFlight > 0) await new Promise<void>((done) => (slot.drained = done));
    await this.disposeSlot(slot);
  }

  private async disposeSlot(slot: ModelSlot<X, P>): Promise<void> {
    try {
      await slot.estimator.dispose?.();
    } catch (error) {
      this.logger.warn({ version: slot.version, error: (error as Error).message }, 'estimator dispose failed');
    }
    if (slot.stagedFolder) await rm(slot.stagedFolder, { recursive: true, force: true });
  }

  /** Stop hot update and report replays; dispose the model once its calls in flight are done. */
  async close(): Promise<void> {
    this.closed = true;
    await this.watcher?.close();
    await (await this.metricsServer?.catch(() => undefined))?.close();
    this.lcClient.close();
    const slot = this.current;
    this.current = undefined;
    if (slot) await this.retire(slot);
  }
}
