// Test helpers: a real HTTP server standing in for the LC, temp folders, a pure-JS estimator.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type WorkerReport } from '@sedna-ts/api-types';
import { type DataSource, type Estimator, type EstimatorOptions, type Metrics, type SavedModelFile } from '../src/estimator.js';
import { type Logger } from '../src/logger.js';

export interface ReceivedReport {
  path: string;
  headers: IncomingHttpHeaders;
  body: WorkerReport;
}

/** A real HTTP server on 127.0.0.1 standing in for the LC's worker API. */
export class FakeLc {
  readonly received: ReceivedReport[] = [];
  /** Status to answer with, decided per request (default 200). */
  respond: (req: { path: string; body: WorkerReport; count: number; headers: IncomingHttpHeaders }) => number = () => 200;
  private server: Server | undefined;
  private count = 0;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listen (on `port` when given, to come back on the same address after `stop`). */
  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WorkerReport;
        const status = this.respond({ path: req.url ?? '', body, count: ++this.count, headers: req.headers });
        if (status >= 200 && status < 300) this.received.push({ path: req.url ?? '', headers: req.headers, body });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status, message: status === 200 ? 'OK' : 'no' }));
      });
    });
    await new Promise<void>((done) => this.server!.listen(port, '127.0.0.1', done));
    this.port = (this.server!.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }
}

export async function tempDir(prefix = 'sedna-sdk-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  // A report spooled by a worker the test did not wait for can land while the tree is removed (ENOTEMPTY):
  // rm tries again.
  await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
}

/** Wait until `check` holds, polling; fails the test after `timeoutMs` (a safety net, not a timing assertion). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 10));
  }
}

/** A logger that keeps records, for assertions and quiet tests. */
export function memoryLogger(): Logger & { records: Array<{ level: string; msg: string; obj: Record<string, unknown> }> } {
  const records: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => void records.push({ level, msg, obj });
  return { records, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Model file of `LinearEstimator`: y = w * x + b, plus a version tag. */
export interface LinearModel {
  version: string;
  w: number;
  b: number;
}

export async function writeLinearModel(path: string, model: LinearModel): Promise<void> {
  await writeFile(path, JSON.stringify(model));
}

/**
 * A pure-JS estimator: a 1-D linear regression stored as JSON. `predict` yields to the event loop before
 * answering, so calls overlap; it throws once the instance is disposed, so a call that ran on a
 * disposed model would be counted as failed.
 */
export class LinearEstimator implements Estimator<number, { version: string; y: number }> {
  static instances: LinearEstimator[] = [];
  model: LinearModel | undefined;
  disposed = false;
  inFlight = 0;
  maxInFlightAtDispose = 0;

  constructor() {
    LinearEstimator.instances.push(this);
  }

  train(trainData: DataSource, _valid?: DataSource, options: EstimatorOptions = {}): Metrics {
    const xs = trainData.x.map(Number);
    const ys = trainData.y.map(Number);
    const n = xs.length;
    const mx = xs.reduce((s, v) => s + v, 0) / n;
    const my = ys.reduce((s, v) => s + v, 0) / n;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < n; i++) {
      sxy += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
      sxx += ((xs[i] as number) - mx) ** 2;
    }
    const w = sxx === 0 ? 0 : sxy / sxx;
    this.model = { version: String(options.version ?? 'trained'), w, b: my - w * mx };
    return { loss: this.mse(xs, ys), samples: n };
  }

  private mse(xs: number[], ys: number[]): number {
    const m = this.model!;
    return xs.reduce((s, x, i) => s + (m.w * x + m.b - (ys[i] as number)) ** 2, 0) / xs.length;
  }

  async evaluate(data: DataSource, options: EstimatorOptions & { modelPath: string }): Promise<Metrics> {
    await this.load(options.modelPath);
    const xs = data.x.map(Number);
    const ys = data.y.map(Number);
    return { mse: this.mse(xs, ys), precision: [1 / (1 + this.mse(xs, ys)), 0.5] };
  }

  async predict(x: number): Promise<{ version: string; y: number }> {
    if (this.disposed) throw new Error('predict on a disposed estimator');
    if (!this.model) throw new Error('no model loaded');
    this.inFlight++;
    try {
      await new Promise((done) => setImmediate(done));
      if (this.disposed) throw new Error('estimator disposed during predict');
      if (typeof x !== 'number') throw new Error(`input must be a number, got ${typeof x}`);
      return { version: this.model.version, y: this.model.w * x + this.model.b };
    } finally {
      this.inFlight--;
    }
  }

  async load(modelUrl: string): Promise<void> {
    const parsed = JSON.parse(await readFile(modelUrl, 'utf8')) as LinearModel;
    if (typeof parsed.w !== 'number' || typeof parsed.b !== 'number') throw new Error(`${modelUrl}: not a linear model`);
    this.model = parsed;
  }

  async save(modelDir: string): Promise<SavedModelFile[]> {
    const path = join(modelDir, 'model.json');
    await writeLinearModel(path, this.model!);
    await writeFile(join(modelDir, 'model.txt'), `y = ${this.model!.w} * x + ${this.model!.b}\n`);
    return [
      { path, format: 'json' },
      { path: 'model.txt', format: 'txt' },
    ];
  }

  dispose(): void {
    this.maxInFlightAtDispose = Math.max(this.maxInFlightAtDispose, this.inFlight);
    this.disposed = true;
  }
}
