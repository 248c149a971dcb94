/**
 * deploy/monitoring, offline: the ServiceMonitors against the ServiceMonitor schema kept beside them
 * (deploy/monitoring/schemas), their endpoints against the Services and workloads of deploy/, and the
 * Grafana dashboard against the metrics the code declares (every series it queries exists, with the
 * type its query needs, the labels it matches and groups by, and the label values the code writes; a
 * job's series filtered by $namespace and $job).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import type { V1DaemonSet, V1Deployment, V1Service } from '@kubernetes/client-node';
import { Ajv } from 'ajv';
import { METRIC_JOB_LABEL, METRIC_LABEL_VALUES } from '@sedna-ts/api-types/contract';
import { parseAllDocuments } from 'yaml';
import { type KubeObject, loadKustomization } from '../src/manifests.js';
import { DEPLOY_DIR, REPO_ROOT } from '../src/repo.js';

const MONITORING = path.join(DEPLOY_DIR, 'monitoring');
const { objects } = loadKustomization(DEPLOY_DIR);
const monitors = loadKustomization(MONITORING).objects.map((o) => o.object);
const schema = JSON.parse(readFileSync(path.join(MONITORING, 'schemas', 'servicemonitor.schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
const problems = (object: unknown): string[] => (validate(object) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`));

interface ServiceMonitor extends KubeObject {
  spec: { selector: { matchLabels: Record<string, string> }; namespaceSelector: { matchNames: string[] }; endpoints: { port: string; path: string }[] };
}

describe('the ServiceMonitors', () => {
  test('there is one for the GM and one for the LCs', () => {
    expect(monitors.map((m) => `${m.kind} ${m.metadata.name}`)).toEqual(['ServiceMonitor sedna-gm', 'ServiceMonitor sedna-lc']);
  });

  test.each(monitors.map((m) => [m.metadata.name, m] as const))('%s is valid against the ServiceMonitor schema', (_name, monitor) => {
    expect(problems(monitor)).toEqual([]);
  });

  test('the schema refuses a bad duration, a wrong scheme, an unknown field and a missing selector (so the test above can fail)', () => {
    const broken = structuredClone(monitors[0]) as unknown as { spec: Record<string, unknown> & { endpoints: Record<string, unknown>[] } };
    (broken.spec.endpoints[0] as Record<string, unknown>).interval = '30 seconds';
    (broken.spec.endpoints[0] as Record<string, unknown>).scheme = 'ftp';
    (broken.spec.endpoints[0] as Record<string, unknown>).intervall = '30s';
    delete broken.spec.selector;
    expect(problems(broken)).toEqual(
      expect.arrayContaining([
        '/spec/endpoints/0/interval must match pattern "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"',
        '/spec/endpoints/0/scheme must be equal to one of the allowed values',
        '/spec/endpoints/0 must NOT have additional properties (intervall)',
        "/spec must have required property 'selector'",
      ]),
    );
  });

  test.each(monitors.map((m) => [m.metadata.name, m as ServiceMonitor] as const))('%s selects a Service of deploy/ whose named port leads to a container port serving /metrics', (_name, monitor) => {
    const services = objects
      .map((o) => o.object as unknown as V1Service & KubeObject)
      .filter((o) => o.kind === 'Service' && monitor.spec.namespaceSelector.matchNames.includes(o.metadata.namespace ?? ''))
      .filter((s) => Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v));
    expect(services).toHaveLength(1);
    const service = services[0] as V1Service;
    for (const endpoint of monitor.spec.endpoints) {
      expect(endpoint.path).toBe('/metrics');
      const port = service.spec?.ports?.find((p) => p.name === endpoint.port);
      expect(port).toBeDefined();
      const workload = objects.find((o) => (o.object.kind === 'Deployment' || o.object.kind === 'DaemonSet') && Object.entries(service.spec?.selector ?? {}).every(([k, v]) => o.object.metadata.labels?.[k] === v))?.object as unknown as V1Deployment | V1DaemonSet;
      const containerPort = workload.spec?.template.spec?.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === port?.targetPort);
      expect(containerPort).toBeDefined();
    }
  });

  test("the LC's metrics listener is on every address, at the container port the Service targets", () => {
    const lc = objects.find((o) => o.object.kind === 'DaemonSet')?.object as unknown as V1DaemonSet;
    const container = lc.spec?.template.spec?.containers[0];
    const address = container?.env?.find((e) => e.name === 'SEDNA_LC_METRICS_ADDRESS')?.value;
    expect(address).toBe(`0.0.0.0:${container?.ports?.find((p) => p.name === 'metrics')?.containerPort}`);
  });
});

/** A metric the code declares: its prom-client type and its label names (undefined when they are not written out). */
interface Declared {
  type: string;
  labels: string[] | undefined;
}

/** The labels a registry adds to every series of a component (`setDefaultLabels`), by metric name prefix. */
const DEFAULT_LABELS: ReadonlyArray<[string, string[]]> = [
  ['sedna_lc_', ['node']],
  ['sedna_worker_', ['namespace', METRIC_JOB_LABEL, 'worker']],
];

/** The label names of a `labelNames: [...]` list: strings, and `...NAME` of a `const NAME = [...]` of the same file. */
function labelList(list: string, text: string): string[] | undefined {
  const out: string[] = [];
  for (const raw of list.split(',').map((x) => x.trim()).filter(Boolean)) {
    const literal = /^'([a-z_]+)'$/.exec(raw);
    const spread = /^(?:\.\.\.)?([A-Z_]+)$/.exec(raw);
    if (literal) out.push(literal[1] as string);
    else if (spread) {
      const constant = new RegExp(`const ${spread[1]}\\b[^=]*= \\[([^\\]]*)\\]`).exec(text);
      const values = constant ? labelList(constant[1] as string, text) : undefined;
      if (!values) return undefined;
      out.push(...values);
    } else return undefined;
  }
  return out;
}

/** The metrics the code declares: name -> prom-client type and labels, read from the metrics modules of the packages. */
function declaredMetrics(): Map<string, Declared> {
  const out = new Map<string, Declared>();
  const packages = path.join(REPO_ROOT, 'packages');
  for (const pkg of readdirSync(packages)) {
    const src = path.join(packages, pkg, 'src');
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => /(^|\/)\w*[mM]etrics\.ts$/.test(f) && !f.endsWith('.test.ts'));
    for (const file of files) {
      const text = readFileSync(path.join(src, file), 'utf8');
      const found = [...text.matchAll(/new (Counter|Gauge|Histogram|Summary)\(\{\s*name: '([a-z_:]+)'/g)];
      found.forEach((m, i) => {
        const name = m[2] as string;
        const body = text.slice(m.index, found[i + 1]?.index ?? text.length);
        const list = /labelNames: (\[[^\]]*\]|[A-Z_]+)/.exec(body)?.[1];
        const own = list === undefined ? [] : labelList(list.startsWith('[') ? list.slice(1, -1) : list, text);
        const defaults = DEFAULT_LABELS.find(([prefix]) => name.startsWith(prefix))?.[1] ?? [];
        out.set(name, { type: (m[1] as string).toLowerCase(), labels: own && [...defaults, ...own, ...(m[1] === 'Histogram' ? ['le'] : [])] });
      });
    }
  }
  return out;
}

/**
 * What is wrong with a PromQL query of the dashboard: a metric the code does not declare or with the
 * wrong type for its function, a label it does not have, a label value the code never writes
 * (`METRIC_LABEL_VALUES`: `stage="Train"` where the code writes `train`), or a query of a job's series
 * that does not filter by both `$namespace` and `$job`.
 */
function queryProblems(expr: string, declared: ReadonlyMap<string, Declared>): string[] {
  const problems: string[] = [];
  // Metric names (the label sedna_job looks like one).
  const names = [...expr.matchAll(/\b((?:sedna|apiserver)_[a-z_]+)\b/g)].map((m) => m[1] as string).filter((n) => n !== METRIC_JOB_LABEL);
  if (names.length === 0) problems.push('no metric');
  const found = (name: string): [string, Declared | undefined] => {
    const base = name.replace(/_(bucket|sum|count)$/, '');
    return declared.has(name) ? [name, declared.get(name)] : [base, declared.get(base)];
  };
  for (const name of names) {
    const [, metric] = found(name);
    if (!metric) problems.push(`${name}: not declared`);
    else {
      if (name.endsWith('_bucket') && metric.type !== 'histogram') problems.push(`${name}: a ${metric.type}, not a histogram`);
      // rate() and increase() of a gauge are wrong; of a counter, right.
      if (new RegExp(`(rate|increase)\\(${name}\\b`).test(expr) && !name.endsWith('_bucket') && metric.type !== 'counter') problems.push(`${name}: rate or increase of a ${metric.type}`);
    }
  }
  for (const selector of expr.matchAll(/\b((?:sedna|apiserver)_[a-z_]+)\{([^}]*)\}/g)) {
    const [base, metric] = found(selector[1] as string);
    const matchers = [...(selector[2] as string).matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)].map((m) => ({ label: m[1] as string, op: m[2] as string, value: m[3] as string }));
    for (const { label, op, value } of matchers) {
      if (metric?.labels && !metric.labels.includes(label)) problems.push(`${base}: no label ${label}`);
      const values = METRIC_LABEL_VALUES[base]?.[label];
      if (!values || value.includes('$')) continue;
      for (const v of op.includes('~') ? value.split('|') : [value]) if (!values.includes(v)) problems.push(`${base}: ${label}="${v}" is not a value the code writes (${values.join(', ')})`);
    }
    if (metric?.labels?.includes(METRIC_JOB_LABEL)) {
      for (const needed of [`${METRIC_JOB_LABEL}=~"$job"`, 'namespace=~"$namespace"']) {
        if (!matchers.some((m) => `${m.label}${m.op}"${m.value}"` === needed)) problems.push(`${base}: a job's series without ${needed}`);
      }
    }
  }
  // Aggregations by a label every metric of the query has.
  for (const by of expr.matchAll(/\bby \(([^)]*)\)/g)) {
    for (const label of (by[1] as string).split(',').map((l) => l.trim())) {
      for (const name of names) {
        const [base, metric] = found(name);
        if (metric?.labels && !metric.labels.includes(label)) problems.push(`${base}: by (${label}), a label it does not have`);
      }
    }
  }
  return [...new Set(problems)];
}

describe('the Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(path.join(MONITORING, 'grafana-dashboard.json'), 'utf8')) as {
    uid: string;
    templating: { list: { name: string; definition?: string }[] };
    panels: { type: string; title: string; datasource?: { type: string; uid: string }; targets?: { expr: string; datasource: { type: string } }[] }[];
  };
  const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr, type: t.datasource.type })));
  const declared = declaredMetrics();

  test('the metrics modules were found, with their labels (so the checks below can fail)', () => {
    expect(declared.get('sedna_gm_rounds_total')).toEqual({ type: 'counter', labels: ['namespace', 'sedna_job', 'result'] });
    expect(declared.get('sedna_worker_inference_duration_seconds')).toEqual({ type: 'histogram', labels: ['namespace', 'sedna_job', 'worker', 'model_version', 'le'] });
    expect(declared.get('sedna_lc_trigger_checks_total')).toEqual({ type: 'counter', labels: ['node', 'stage', 'result'] });
    expect(declared.get('apiserver_request_total')).toEqual({ type: 'counter', labels: ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'code'] });
  });

  test('the query checks refuse what the dashboard had wrong: a value the code does not write, the label job, a job query without $namespace', () => {
    expect(queryProblems('sum by (stage, result) (increase(sedna_lc_trigger_checks_total{stage="Train", result=~"fire|Completed"}[5m]))', declared)).toEqual([
      'sedna_lc_trigger_checks_total: stage="Train" is not a value the code writes (train, eval, deploy)',
      'sedna_lc_trigger_checks_total: result="Completed" is not a value the code writes (fire, wait)',
    ]);
    expect(queryProblems('sum by (job) (increase(sedna_gm_rounds_total{job=~"$job"}[5m]))', declared)).toEqual([
      'sedna_gm_rounds_total: no label job',
      'sedna_gm_rounds_total: a job\'s series without sedna_job=~"$job"',
      'sedna_gm_rounds_total: a job\'s series without namespace=~"$namespace"',
      'sedna_gm_rounds_total: by (job), a label it does not have',
    ]);
    expect(queryProblems('rate(sedna_lc_outbox_depth[5m])', declared)).toEqual(['sedna_lc_outbox_depth: rate or increase of a gauge']);
  });

  test('its namespace and job lists come from a series every job has from its creation (sedna_gm_job_info), by sedna_job', () => {
    const variables = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v.definition]));
    expect(variables.namespace).toBe('label_values(sedna_gm_job_info, namespace)');
    expect(variables.job).toBe('label_values(sedna_gm_job_info{namespace=~"$namespace"}, sedna_job)');
    expect(declared.get('sedna_gm_job_info')).toEqual({ type: 'gauge', labels: ['namespace', 'sedna_job', 'kind'] });
  });

  test('has the panels the issue asks for', () => {
    const titles = dashboard.panels.map((p) => p.title).join('\n');
    for (const t of ['Rounds ended', 'Stage duration', 'Trigger latency', 'Hard examples found', 'Inferences per second', 'Model version serving', 'Warnings and errors', 'Records of a job']) expect(titles).toContain(t);
    expect(dashboard.panels.filter((p) => p.type === 'logs').every((p) => p.datasource?.type === 'loki')).toBe(true);
  });

  test.each(queries.filter((q) => q.type === 'prometheus').map((q) => [q.panel, q.expr] as const))('%s queries only metrics, labels and label values the code declares, a job\'s series by $namespace and $job: %s', (_panel, expr) => {
    expect(queryProblems(expr, declared)).toEqual([]);
  });

  test('the logs panels read the one log record shape (pino JSON: level, name, msg, job, round), its job field not taken by a stream label', () => {
    for (const q of queries.filter((x) => x.type === 'loki')) {
      // `| json label="field", ...`: each label from a field of the record; job read as record_job.
      const json = /\| json ((?:\w+="\w+"(?:, )?)+) \|/.exec(q.expr);
      expect(json).not.toBeNull();
      const extracted = Object.fromEntries([...json![1]!.matchAll(/(\w+)="(\w+)"/g)].map((m) => [m[1], m[2]]));
      for (const field of Object.values(extracted)) expect(['level', 'time', 'name', 'msg', 'job', 'round', 'object', 'kind', 'node']).toContain(field);
      expect(extracted.record_job).toBe('job');
      expect(Object.keys(extracted)).not.toContain('job');
      for (const label of [...q.expr.matchAll(/\{\{\.(\w+)\}\}/g)].map((m) => m[1])) expect(Object.keys(extracted)).toContain(label);
    }
  });

  test("the logs panels select the components' namespace and the jobs' namespaces, and a job by its whole name", () => {
    const loki = queries.filter((x) => x.type === 'loki');
    // The GM and the LCs run in the namespace of deploy/ (sedna), the workers in their job's: a stream
    // selector of the jobs' namespaces alone showed no component's record.
    const namespace = objects.find((o) => o.object.kind === 'Deployment')?.object.metadata.namespace;
    for (const q of loki) expect(q.expr.startsWith(`{namespace=~"${namespace}|\${namespace:regex}"}`)).toBe(true);
    // `.*$job` took job b-helmet for helmet, and several jobs (a|b) unparenthesised; the GM's and LC's
    // job field is namespace/name, a worker's the name.
    const records = loki.find((q) => q.panel === 'Records of a job');
    expect(records?.expr).toContain('| record_job=~"(${namespace:regex}/)?${job:regex}" |');
    const pattern = (ns: string, job: string) => new RegExp(`^(?:(${ns}/)?${job})$`);
    expect(['default/helmet', 'helmet'].map((j) => pattern('(default)', '(helmet)').test(j))).toEqual([true, true]);
    expect(['default/b-helmet', 'other/helmet'].map((j) => pattern('(default)', '(helmet)').test(j))).toEqual([false, false]);
  });

  test.each(
    (() => {
      try {
        execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
        return [['kubectl kustomize deploy/monitoring']];
      } catch {
        console.warn('kubectl is not on PATH: skipping the kustomize check of deploy/monitoring');
        return [];
      }
    })(),
  )('%s makes the ServiceMonitors and the dashboard ConfigMap for Grafana\'s sidecar', () => {
    const built = parseAllDocuments(execFileSync('kubectl', ['kustomize', MONITORING], { encoding: 'utf8' })).map((d) => d.toJS() as KubeObject);
    const configMap = built.find((o) => o.kind === 'ConfigMap') as KubeObject & { data: Record<string, string> };
    expect(configMap.metadata).toMatchObject({ name: 'sedna-grafana-dashboard', namespace: 'sedna', labels: { grafana_dashboard: '1' } });
    expect(JSON.parse(configMap.data['sedna-dashboard.json'] as string).uid).toBe(dashboard.uid);
    expect(built.filter((o) => o.kind === 'ServiceMonitor')).toHaveLength(2);
  });
});
