/**
 * Prometheus metrics of the embedded API server (prom-client, in a registry of its own so a test or
 * `sedna up` can run several servers in one process). The names and labels are kube-apiserver's, so
 * the dashboards and alerts written for a real cluster read them as they are:
 * - `apiserver_request_total{verb,group,version,resource,subresource,scope,code}`: requests answered;
 * - `apiserver_request_duration_seconds{verb,group,version,resource,subresource,scope}`: their
 *   latency (watches and log streams excluded: they last as long as the client wants);
 * - `apiserver_longrunning_requests{verb,group,version,resource,subresource,scope}`: watches and log
 *   streams open now;
 * - `apiserver_watch_events_total{group,version,resource}`: events sent to watchers.
 * Served on `GET /metrics` to any authenticated user, as kube-apiserver does for a ServiceAccount that
 * RBAC lets read the non-resource URL `/metrics`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Labels of one request: kube-apiserver's verbs (GET, LIST, WATCH, POST, PUT, PATCH, DELETE, DELETECOLLECTION, CONNECT). */
export interface RequestLabels {
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  /** `cluster`, `namespace`, `resource` (one named object), or `` for non-resource URLs. */
  scope: string;
}

type RequestLabelName = keyof RequestLabels;
const REQUEST_LABELS: RequestLabelName[] = ['verb', 'group', 'version', 'resource', 'subresource', 'scope'];

/** The metrics one API server updates. */
export class ApiServerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<RequestLabelName | 'code'>;
  readonly requestDuration: Histogram<RequestLabelName>;
  readonly longRunning: Gauge<RequestLabelName>;
  readonly watchEvents: Counter<'group' | 'version' | 'resource'>;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({ name: 'apiserver_request_total', help: 'API requests answered, by verb, resource and HTTP code', labelNames: [...REQUEST_LABELS, 'code'], registers });
    this.requestDuration = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Latency of API requests (watches and log streams excluded), by verb and resource',
      labelNames: REQUEST_LABELS,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.longRunning = new Gauge({ name: 'apiserver_longrunning_requests', help: 'Watches and log streams open now, by verb and resource', labelNames: REQUEST_LABELS, registers });
    this.watchEvents = new Counter({ name: 'apiserver_watch_events_total', help: 'Events sent to watchers, by resource', labelNames: ['group', 'version', 'resource'], registers });
  }

  /**
   * Counts one request once its answer ends. A long-running one (watch, followed log) is counted in
   * `apiserver_longrunning_requests` while it lasts and has no latency sample.
   */
  track(res: { statusCode: number; once(event: 'close' | 'finish', listener: () => void): unknown }, labels: RequestLabels, longRunning: boolean, startedMs: number): void {
    let done = false;
    if (longRunning) this.longRunning.inc(labels);
    const end = (): void => {
      if (done) return;
      done = true;
      this.requests.inc({ ...labels, code: String(res.statusCode) });
      if (longRunning) this.longRunning.dec(labels);
      else this.requestDuration.observe(labels, (Date.now() - startedMs) / 1000);
    };
    res.once('finish', end);
    res.once('close', end);
  }

  /** The text exposition format and its content type. */
  async text(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
