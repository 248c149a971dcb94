/**
 * deploy/monitoring, offline: the ServiceMonitors against the ServiceMonitor schema kept beside them
 * (deploy/monitoring/schemas), their endpoints against the Services and workloads of deploy/, and the
 * Grafana dashboard against the metrics the code declares (every series it queries exists, with the
 * type its query needs).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import type { V1DaemonSet, V1Deployment, V1Service } from '@kubernetes/client-node';
import { Ajv } from 'ajv';
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

/** The metrics the code declares: name -> prom-client type, read from the metrics modules of the packages. */
function declaredMetrics(): Map<string, string> {
  const out = new Map<string, string>();
  const packages = path.join(REPO_ROOT, 'packages');
  for (const pkg of readdirSync(packages)) {
    const src = path.join(packages, pkg, 'src');
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => /(^|\/)\w*[mM]etrics\.ts$/.test(f) && !f.endsWith('.test.ts'));
    for (const file of files) {
      const text = readFileSync(path.join(src, file), 'utf8');
      for (const m of text.matchAll(/new (Counter|Gauge|Histogram|Summary)\(\{\s*name: '([a-z_:]+)'/g)) out.set(m[2] as string, (m[1] as string).toLowerCase());
    }
  }
  return out;
}

describe('the Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(path.join(MONITORING, 'grafana-dashboard.json'), 'utf8')) as {
    uid: string;
    panels: { type: string; title: string; datasource?: { type: string; uid: string }; targets?: { expr: string; datasource: { type: string } }[] }[];
  };
  const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr, type: t.datasource.type })));
  const declared = declaredMetrics();

  test('the metrics modules were found (so the checks below can fail)', () => {
    expect(declared.get('sedna_gm_rounds_total')).toBe('counter');
    expect(declared.get('sedna_worker_inference_duration_seconds')).toBe('histogram');
    expect(declared.get('apiserver_request_total')).toBe('counter');
  });

  test('has the panels the issue asks for', () => {
    const titles = dashboard.panels.map((p) => p.title).join('\n');
    for (const t of ['Rounds ended', 'Stage duration', 'Trigger latency', 'Hard examples found', 'Inferences per second', 'Model version serving', 'Warnings and errors', 'Records of a job']) expect(titles).toContain(t);
    expect(dashboard.panels.filter((p) => p.type === 'logs').every((p) => p.datasource?.type === 'loki')).toBe(true);
  });

  test.each(queries.filter((q) => q.type === 'prometheus').map((q) => [q.panel, q.expr] as const))('%s queries only metrics the code declares: %s', (_panel, expr) => {
    const names = [...expr.matchAll(/\b((?:sedna|apiserver)_[a-z_]+)\b/g)].map((m) => m[1] as string);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      const type = declared.get(name) ?? declared.get(base);
      expect([name, type === undefined ? 'not declared' : 'declared']).toEqual([name, 'declared']);
      if (name.endsWith('_bucket')) expect([name, type]).toEqual([name, 'histogram']);
      // rate() and increase() of a gauge are wrong; of a counter, right.
      if (new RegExp(`(rate|increase)\\(${name}\\b`).test(expr) && !name.endsWith('_bucket')) expect([name, type]).toEqual([name, 'counter']);
    }
  });

  test('the logs panels read the one log record shape (pino JSON: level, name, msg, job, round)', () => {
    for (const q of queries.filter((x) => x.type === 'loki')) {
      expect(q.expr).toContain('| json');
      for (const field of [...q.expr.matchAll(/\{\{\.(\w+)\}\}/g)].map((m) => m[1])) expect(['level', 'time', 'name', 'msg', 'job', 'round']).toContain(field);
    }
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
