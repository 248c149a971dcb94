/**
 * Every Kubernetes object of deploy/ against the Kubernetes schemas, offline, and the shape a cluster
 * needs: the GM Deployment and Service, the LC DaemonSet, their ServiceAccounts and images.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { KubeConfig, type V1ConfigMap, type V1DaemonSet, type V1Deployment, type V1PersistentVolumeClaim, type V1Service, type V1ServiceAccount } from '@kubernetes/client-node';
import { loadConfigFile, resolveConfig } from '@sedna-ts/controller';
import { KB_DEFAULT_PORT } from '@sedna-ts/api-types/contract';
import { type KubeObject, kubectlKustomize, loadKustomization, validateObject } from '../src/manifests.js';
import { DEPLOY_DIR } from '../src/repo.js';

const { resources, objects } = loadKustomization(DEPLOY_DIR);
const find = <T>(kind: string, name: string): T => {
  const found = objects.find((o) => o.object.kind === kind && o.object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/`);
  return found.object as unknown as T;
};
const deployment = find<V1Deployment>('Deployment', 'sedna-gm');
const service = find<V1Service>('Service', 'sedna-gm');
const daemonSet = find<V1DaemonSet>('DaemonSet', 'sedna-lc');
const kbDeployment = find<V1Deployment>('Deployment', 'sedna-kb');
const kbService = find<V1Service>('Service', 'kb');
const gmConfig = find<V1ConfigMap>('ConfigMap', 'sedna-gm-config');

function kubectlAvailable(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('the objects of deploy/', () => {
  test('the kustomization lists every manifest of deploy/ (none forgotten)', () => {
    const yamlFiles = (dir: string): string[] =>
      readdirSync(path.join(DEPLOY_DIR, dir)).flatMap((f) => {
        const rel = dir ? `${dir}/${f}` : f;
        if (statSync(path.join(DEPLOY_DIR, rel)).isDirectory()) return ['node_modules', 'test', 'src', 'scripts', 'docker', 'monitoring'].includes(rel) ? [] : yamlFiles(rel);
        return f.endsWith('.yaml') && rel !== 'kustomization.yaml' ? [rel] : [];
      });
    // deploy/monitoring is a kustomization of its own (it needs the Prometheus operator's CRDs).
    expect([...resources].sort()).toEqual(yamlFiles('').sort());
  });

  test.each(objects.map((o) => [`${o.object.kind} ${o.object.metadata.name} (${o.file})`, o.object] as const))('%s is valid against the Kubernetes schema', async (_name, object) => {
    expect(await validateObject(object)).toEqual([]);
  });

  test('the validation does catch a wrong type, a wrong enum value and an unknown field (so the test above can fail)', async () => {
    const broken = structuredClone(deployment) as unknown as { spec: Record<string, unknown> & { template: { spec: { containers: Record<string, unknown>[] } } } };
    broken.spec.replicas = '2';
    broken.spec.replica = 2;
    (broken.spec.template.spec.containers[0] as Record<string, unknown>).imagePullPolicy = 'Sometimes';
    const problems = await validateObject(broken as unknown as KubeObject);
    expect(problems).toEqual(
      expect.arrayContaining(['spec/replicas must be integer', 'spec/template/spec/containers/0/imagePullPolicy must be equal to one of the allowed values', 'spec.replica: unknown field of Deployment']),
    );
  });

  test('every namespaced object is in the sedna namespace, which deploy/ creates', () => {
    expect(objects.some((o) => o.object.kind === 'Namespace' && o.object.metadata.name === 'sedna')).toBe(true);
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);
    for (const { object } of objects) {
      if (clusterScoped.has(object.kind)) expect(object.metadata.namespace).toBeUndefined();
      else expect([object.kind, object.metadata.name, object.metadata.namespace]).toEqual([object.kind, object.metadata.name, 'sedna']);
    }
  });

  (kubectlAvailable() ? test : test.skip)('kubectl kustomize renders the same objects (kubectl apply -k deploy/ reads them this way)', async () => {
    const rendered = await kubectlKustomize(DEPLOY_DIR);
    const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    expect(rendered.map(key).sort()).toEqual(objects.map((o) => key(o.object)).sort());
    for (const o of rendered) expect(o).toEqual(objects.find((x) => key(x.object) === key(o))?.object);
  });
});

describe('the Global Manager', () => {
  const pod = deployment.spec?.template.spec;
  const gm = pod?.containers[0];

  test('two replicas (leader election), its ServiceAccount, the GM secret from the Secret sedna-gm', () => {
    expect(deployment.spec?.replicas).toBe(2);
    expect(pod?.serviceAccountName).toBe('sedna-gm');
    expect(objects.some((o) => o.object.kind === 'ServiceAccount' && o.object.metadata.name === 'sedna-gm')).toBe(true);
    expect(gm?.env?.find((e) => e.name === 'SEDNA_GM_SECRET')?.valueFrom?.secretKeyRef).toEqual({ name: 'sedna-gm', key: 'secret' });
  });

  test('liveness and readiness on the health endpoint of its port 9000, which the Service exposes', () => {
    const port = gm?.ports?.find((p) => p.name === 'ws');
    expect(port?.containerPort).toBe(9000);
    expect(gm?.env?.find((e) => e.name === 'SEDNA_GM_PORT')?.value).toBe('9000');
    for (const probe of [gm?.livenessProbe, gm?.readinessProbe]) expect(probe?.httpGet).toEqual({ path: '/healthz', port: 'ws' });
    expect(service.spec?.ports).toEqual([{ name: 'ws', port: 9000, targetPort: 'ws', protocol: 'TCP' }]);
    expect(service.spec?.selector).toEqual(deployment.spec?.selector.matchLabels);
    for (const [k, v] of Object.entries(service.spec?.selector ?? {})) expect(deployment.spec?.template.metadata?.labels?.[k]).toBe(v);
  });

  test('requests on its container, and the pod name and namespace for the Lease', () => {
    expect(gm?.resources?.requests).toEqual({ cpu: '100m', memory: '96Mi' });
    expect(gm?.resources?.limits?.memory).toBeDefined();
    expect(gm?.env?.find((e) => e.name === 'POD_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    expect(gm?.env?.find((e) => e.name === 'POD_NAMESPACE')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.namespace');
  });
});

describe('the Local Controller', () => {
  const pod = daemonSet.spec?.template.spec;
  const lc = pod?.containers[0];
  const env = (name: string) => lc?.env?.find((e) => e.name === name);
  const mountOf = (volume: string) => lc?.volumeMounts?.find((m) => m.name === volume);

  test('on the host network with cluster DNS, as the original', () => {
    expect(pod?.hostNetwork).toBe(true);
    expect(pod?.dnsPolicy).toBe('ClusterFirstWithHostNet');
  });

  test("only the host's /var/lib/sedna, at its host path: the one data root, holding its data dir and the hot-update and hard-example folders", () => {
    const volume = (name: string) => pod?.volumes?.find((v) => v.name === name);
    expect(volume('sedna-data')?.hostPath).toEqual({ path: '/var/lib/sedna', type: 'DirectoryOrCreate' });
    // The same path inside and out: the objects' paths and those it tells the GM are host paths.
    expect(mountOf('sedna-data')?.mountPath).toBe(volume('sedna-data')?.hostPath?.path);
    expect(pod?.volumes?.filter((v) => v.hostPath).map((v) => v.hostPath?.path)).toEqual(['/var/lib/sedna']);
    expect(env('ROOTFS_MOUNT_DIR')).toBeUndefined();
    expect(env('SEDNA_LC_DATA_ROOTS')?.value).toBe('/var/lib/sedna');
    for (const name of ['SEDNA_LC_DATA_DIR', 'SEDNA_LC_HOT_UPDATE_ROOT', 'SEDNA_LC_HARD_EXAMPLE_ROOT']) expect(env(name)?.value).toMatch(/^\/var\/lib\/sedna\//);
    expect([env('SEDNA_LC_HOT_UPDATE_ROOT')?.value, env('SEDNA_LC_HARD_EXAMPLE_ROOT')?.value]).toEqual(['/var/lib/sedna/model-hot-update', '/var/lib/sedna/hard-examples']);
  });

  test('a projected ServiceAccount token with audience sedna-gm at the file SEDNA_LC_TOKEN_FILE names, and no API token', () => {
    const projected = pod?.volumes?.find((v) => v.name === 'gm-token')?.projected?.sources?.[0]?.serviceAccountToken;
    expect(projected?.audience).toBe('sedna-gm');
    expect(path.posix.join(mountOf('gm-token')?.mountPath ?? '', projected?.path ?? '')).toBe(env('SEDNA_LC_TOKEN_FILE')?.value);
    expect(pod?.serviceAccountName).toBe('sedna-lc');
    expect(pod?.automountServiceAccountToken).toBe(false);
    const gmEnv = deployment.spec?.template.spec?.containers[0]?.env ?? [];
    expect(gmEnv.find((e) => e.name === 'SEDNA_GM_TOKEN_AUDIENCE')?.value).toBe(projected?.audience);
  });

  test('NODENAME from spec.nodeName and GM_ADDRESS at the GM Service', () => {
    expect(env('NODENAME')?.valueFrom?.fieldRef?.fieldPath).toBe('spec.nodeName');
    expect(env('GM_ADDRESS')?.value).toBe(`${service.metadata?.name}.${service.metadata?.namespace}.svc:${service.spec?.ports?.[0]?.port}`);
  });

  test('only on the nodes labelled sedna.io/edge=true, tainted or not', () => {
    expect(pod?.nodeSelector).toEqual({ 'sedna.io/edge': 'true' });
    expect(pod?.tolerations).toEqual([{ operator: 'Exists' }]);
  });

  test('the S3 settings of Datasets kept in S3 from an optional Secret: the LC starts without it', () => {
    expect(lc?.envFrom).toEqual([{ secretRef: { name: 'sedna-lc-s3', optional: true } }]);
  });

  test("the original's resources: requests 32Mi and 100m, limit 128Mi", () => {
    expect(lc?.resources).toEqual({ requests: { cpu: '100m', memory: '32Mi' }, limits: { memory: '128Mi' } });
  });

  test('probes on its worker API port over the loopback it binds', () => {
    expect(env('BIND_ADDRESS')?.value).toBe('127.0.0.1');
    expect(lc?.livenessProbe?.httpGet).toEqual({ host: '127.0.0.1', path: '/healthz', port: Number(env('BIND_PORT')?.value) });
    expect(lc?.readinessProbe?.httpGet).toEqual({ host: '127.0.0.1', path: '/readyz', port: Number(env('BIND_PORT')?.value) });
  });
});

describe('the knowledge base', () => {
  const pod = kbDeployment.spec?.template.spec;
  const kb = pod?.containers[0];
  const env = (name: string) => kb?.env?.find((e) => e.name === name);

  test('one replica, Recreate (one process holds its data folder), its data on the PersistentVolumeClaim of deploy/', () => {
    expect(kbDeployment.spec?.replicas).toBe(1);
    expect(kbDeployment.spec?.strategy).toEqual({ type: 'Recreate' });
    const claim = pod?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName;
    const pvc = find<V1PersistentVolumeClaim>('PersistentVolumeClaim', claim as string);
    expect(pvc.spec?.accessModes).toEqual(['ReadWriteOnce']);
    const mount = kb?.volumeMounts?.find((m) => m.name === 'data')?.mountPath as string;
    // A folder of the volume, which the KB makes its own (the volume's root is root's).
    expect(env('SEDNA_KB_DATA_DIR')?.value).toMatch(new RegExp(`^${mount}/[^/]+$`));
    expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
  });

  test('kept off the edge nodes: not on those the LC DaemonSet selects, nor on KubeEdge edge nodes', () => {
    const terms = pod?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    expect(terms).toHaveLength(1);
    const [key, value] = Object.entries(daemonSet.spec?.template.spec?.nodeSelector ?? {})[0] as [string, string];
    expect(terms[0]?.matchExpressions).toEqual(
      expect.arrayContaining([
        { key, operator: 'NotIn', values: [value] },
        { key: 'node-role.kubernetes.io/edge', operator: 'DoesNotExist' },
      ]),
    );
  });

  test('Service kb in namespace sedna on port 9020 (the original\'s http://kb.sedna:9020), probes on /healthz and /readyz', () => {
    expect([kbService.metadata?.name, kbService.metadata?.namespace]).toEqual(['kb', 'sedna']);
    expect(kbService.spec?.ports).toEqual([{ name: 'http', port: KB_DEFAULT_PORT, targetPort: 'http', protocol: 'TCP' }]);
    expect(kb?.ports?.find((p) => p.name === 'http')?.containerPort).toBe(KB_DEFAULT_PORT);
    expect(env('SEDNA_KB_LISTEN')?.value).toBe(`0.0.0.0:${KB_DEFAULT_PORT}`);
    expect(kbService.spec?.selector).toEqual(kbDeployment.spec?.selector.matchLabels);
    for (const [k, v] of Object.entries(kbService.spec?.selector ?? {})) expect(kbDeployment.spec?.template.metadata?.labels?.[k]).toBe(v);
    expect(kb?.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(kb?.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
  });

  test('its ServiceAccount mounts no API token (the KB never calls the API), and it reads the GM secret from the Secret the GM reads', () => {
    expect(pod?.serviceAccountName).toBe('sedna-kb');
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(find<V1ServiceAccount>('ServiceAccount', 'sedna-kb').automountServiceAccountToken).toBe(false);
    const gmRef = deployment.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === 'SEDNA_GM_SECRET')?.valueFrom?.secretKeyRef;
    expect(env('SEDNA_GM_SECRET')?.valueFrom?.secretKeyRef).toEqual(gmRef);
  });

  test("the GM's config file (the ConfigMap it mounts and --config names) makes the KB Service its knowledgeBaseServer, for lifelong workers' KB_SERVER", () => {
    const gm = deployment.spec?.template.spec?.containers[0];
    const mount = gm?.volumeMounts?.find((m) => m.name === 'config');
    expect(deployment.spec?.template.spec?.volumes?.find((v) => v.name === 'config')?.configMap?.name).toBe(gmConfig.metadata?.name);
    const [key, text] = Object.entries(gmConfig.data ?? {})[0] as [string, string];
    expect(gm?.args).toEqual(['--config', `${mount?.mountPath}/${key}`]);
    const dir = mkdtempSync(path.join(tmpdir(), 'sedna-gm-config-'));
    try {
      writeFileSync(path.join(dir, key), text);
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromOptions({ clusters: [{ name: 'c', server: 'https://10.96.0.1:443' }], users: [{ name: 'u' }], contexts: [{ name: 'c', cluster: 'c', user: 'u' }], currentContext: 'c' });
      const config = resolveConfig({ kubeConfig, secret: '0123456789abcdef0123456789abcdef', ...loadConfigFile(path.join(dir, key)) }, {});
      expect(config.kindSettings.lifelonglearningjob?.knowledgeBaseServer).toBe(`http://${kbService.metadata?.name}.${kbService.metadata?.namespace}:${kbService.spec?.ports?.[0]?.port}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
