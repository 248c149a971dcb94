/**
 * Every environment variable the GM and the LC read (their exported config lists) is set by the
 * manifests, or has a default that fits a cluster, said here with the reason; nothing the manifests
 * set is ignored by the code; and the configuration the code makes of the manifests' environment is
 * the one the cluster needs (the Lease in the GM's namespace, the LC ServiceAccount the GM accepts).
 */
import { describe, expect, test } from '@jest/globals';
import { KubeConfig, type V1Container, type V1DaemonSet, type V1Deployment } from '@kubernetes/client-node';
import { CONFIG_ENV as GM_ENV, resolveConfig as resolveGmConfig } from '@sedna-ts/controller';
import { CONFIG_ENV as KB_ENV, configFromEnv as kbConfigFromEnv } from '@sedna-ts/knowledge-base';
import { CONFIG_ENV as LC_ENV, configFromEnv as lcConfigFromEnv, resolveConfig as resolveLcConfig } from '@sedna-ts/local-controller';
import { loadKustomization } from '../src/manifests.js';
import { DEPLOY_DIR } from '../src/repo.js';

const { objects } = loadKustomization(DEPLOY_DIR);
const workload = <T>(kind: string): T => objects.find((o) => o.object.kind === kind)?.object as unknown as T;
const gmPod = workload<V1Deployment>('Deployment').spec?.template;
const kbPod = (objects.find((o) => o.object.kind === 'Deployment' && o.object.metadata.name === 'sedna-kb')?.object as unknown as V1Deployment).spec?.template;
const kbContainer = kbPod?.spec?.containers[0] as V1Container;
const lcPod = workload<V1DaemonSet>('DaemonSet').spec?.template;
const gmContainer = gmPod?.spec?.containers[0] as V1Container;
const lcContainer = lcPod?.spec?.containers[0] as V1Container;

/** The environment a container gets on a node, with the downward API and Secret references filled in. */
function environment(container: V1Container, pod: { namespace: string; name: string; nodeName: string }, secrets: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) out[e.name] = e.value;
    const field = e.valueFrom?.fieldRef?.fieldPath;
    if (field === 'metadata.name') out[e.name] = pod.name;
    else if (field === 'metadata.namespace') out[e.name] = pod.namespace;
    else if (field === 'spec.nodeName') out[e.name] = pod.nodeName;
    else if (field) throw new Error(`${e.name}: fieldRef ${field} is not filled in by this test`);
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) out[e.name] = secrets[`${ref.name}/${ref.key}`] ?? '';
  }
  return out;
}

/**
 * The two checks of every component's environment: each variable it reads is set by `workload` or has
 * a default (said with the reason) that fits a cluster, and `workload` sets nothing it does not read.
 */
function envCoverage(workload: string, names: readonly string[], container: V1Container, defaults: Record<string, string>): void {
  const set = (container.env ?? []).map((e) => e.name);

  test.each([...names])(`%s is set by the ${workload} or has a default that fits a cluster`, (name) => {
    expect([name, set.includes(name) !== (name in defaults)]).toEqual([name, true]);
  });

  test(`the ${workload} sets nothing the code does not read, and the defaults listed are all variables it reads`, () => {
    for (const name of set) expect(names).toContain(name);
    for (const name of Object.keys(defaults)) expect(names).toContain(name);
  });
}

/** LC variables the DaemonSet leaves to their defaults, and why each default fits a cluster. */
const LC_DEFAULTS: Record<string, string> = {
  SEDNA_NODE_TOKEN: 'the LC proves its node with SEDNA_LC_TOKEN_FILE instead; the GM sends the node token in its hello',
  SEDNA_LC_ADVERTISE_URL: 'http://127.0.0.1:9100: worker pods run on the host network, as the LC',
  SEDNA_LC_ROUND_RETENTION: '10 rounds of round files, as on one machine',
  SEDNA_LC_TIME_ZONE: "the container's (UTC), as the original's LC; set it for trigger timers in local time",
  SEDNA_LC_HARD_EXAMPLES_MAX_COUNT: '10000 hard examples per job',
  SEDNA_LC_HARD_EXAMPLES_MAX_BYTES: '1 GiB of hard examples per job',
  SEDNA_LC_POLL_SECONDS: '60 s fallback poll: fs.watch works on hostPath folders',
  SEDNA_LC_READ_TIMEOUT_SECONDS: '30 s for a dataset read to answer before the Dataset is marked ReadTimeout and its reads move to a reader of its own: generous for a network mount',
  ROOTFS_MOUNT_DIR: "none: the host's / is not mounted; /var/lib/sedna is, at its host path, so the objects' host paths are the LC's",
  S3_ENDPOINT_URL: 'only for Datasets whose index is in S3: from the optional Secret sedna-lc-s3 (envFrom); unset: AWS',
  ACCESS_KEY_ID: 'as S3_ENDPOINT_URL; unset: anonymous',
  SECRET_ACCESS_KEY: 'as S3_ENDPOINT_URL; unset: anonymous',
  LOG_LEVEL: 'deprecated: the DaemonSet sets SEDNA_LOG_LEVEL, which wins',
};


/** GM variables the Deployment leaves to their defaults, and why each default fits a cluster. */
const GM_DEFAULTS: Record<string, string> = {
  SEDNA_GM_NAMESPACE: 'all namespaces: jobs live anywhere, the ClusterRole covers them',
  SEDNA_GM_REPORT_GRACE_SECONDS: '60 s for a report to follow its pod',
  SEDNA_GM_RETRY_INITIAL_BACKOFF_SECONDS: '10 s before the first retry of a failed stage',
  SEDNA_GM_LEADER_ELECT: 'on: two replicas',
  SEDNA_GM_LEASE_NAMESPACE: 'POD_NAMESPACE (sedna), where the Role grants the Lease',
  SEDNA_GM_LEASE_NAME: 'sedna-gm',
  LOG_LEVEL: 'deprecated: the Deployment sets SEDNA_LOG_LEVEL, which wins',
  SEDNA_GM_IDENTITY: '<POD_NAME>_<random>: unique per replica',
  SEDNA_GM_LC_SERVICE_ACCOUNTS: '<POD_NAMESPACE>/sedna-lc: the DaemonSet runs as sedna-lc in the same namespace',
};

describe('the Local Controller', () => {
  const names = LC_ENV.map((v) => v.name);
  envCoverage('DaemonSet', names, lcContainer, LC_DEFAULTS);

  test('the S3 variables the optional Secret may bring are ones the LC reads', () => {
    expect(lcContainer.envFrom?.map((e) => e.secretRef?.name)).toEqual(['sedna-lc-s3']);
    for (const name of ['S3_ENDPOINT_URL', 'ACCESS_KEY_ID', 'SECRET_ACCESS_KEY']) expect(names).toContain(name);
  });


  test('the LC makes a valid configuration of that environment: token file, data dir inside the one data root, its port', () => {
    const config = resolveLcConfig(lcConfigFromEnv(environment(lcContainer, { namespace: 'sedna', name: 'sedna-lc-x1', nodeName: 'edge-1' })));
    expect(config).toMatchObject({
      nodeName: 'edge-1',
      gmUrl: 'ws://sedna-gm.sedna.svc:9000/',
      nodeToken: undefined,
      tokenFile: '/var/run/secrets/sedna/token',
      dataDir: '/var/lib/sedna/lc',
      hostRoot: '',
      dataRoots: ['/var/lib/sedna'],
      bindHost: '127.0.0.1',
      port: 9100,
      hotUpdateRoot: '/var/lib/sedna/model-hot-update',
      hardExampleRoot: '/var/lib/sedna/hard-examples',
    });
  });
});

describe('the Global Manager', () => {
  envCoverage('Deployment', GM_ENV.map((v) => v.name), gmContainer, GM_DEFAULTS);

  test('the GM makes a valid configuration of the Deployment environment: its Lease in its namespace, the LC ServiceAccount of deploy/', () => {
    const env = environment(gmContainer, { namespace: 'sedna', name: 'sedna-gm-abc-1', nodeName: 'node-1' }, { 'sedna-gm/secret': '0123456789abcdef0123456789abcdef' });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({ clusters: [{ name: 'c', server: 'https://10.96.0.1:443' }], users: [{ name: 'u' }], contexts: [{ name: 'c', cluster: 'c', user: 'u' }], currentContext: 'c' });
    const config = resolveGmConfig({ kubeConfig }, env);
    const lcAccount = objects.find((o) => o.object.kind === 'ServiceAccount' && o.object.metadata.name === lcPod?.spec?.serviceAccountName)?.object;
    expect(config.websocket).toEqual({ address: '0.0.0.0', port: 9000 });
    expect(config.leaderElection).toMatchObject({ enabled: true, namespace: 'sedna', name: 'sedna-gm' });
    expect(config.leaderElection.identity).toMatch(/^sedna-gm-abc-1_/);
    expect(config.serviceAccountAuth).toMatchObject({ enabled: true, audience: 'sedna-gm', serviceAccounts: [`${lcAccount?.metadata.namespace}/${lcAccount?.metadata.name}`] });
    expect(config.storageInitializer.image).toBe('sedna-ts/storage-initializer:0.1');
    // The Role of deploy/ grants the Lease in the namespace the GM takes it in.
    const role = objects.find((o) => o.object.kind === 'Role')?.object;
    expect(role?.metadata.namespace).toBe(config.leaderElection.namespace);
  });
});

/** KB variables the Deployment leaves to their defaults, and why each default fits a cluster. */
const KB_DEFAULTS: Record<string, string> = {
  KnowledgeBaseServer: "the original's name for the listen address: SEDNA_KB_LISTEN wins",
  KnowledgeBasePath: "the original's name for the data folder: SEDNA_KB_DATA_DIR wins",
  LOG_LEVEL: 'deprecated: the Deployment sets SEDNA_LOG_LEVEL, which wins',
};

describe('the knowledge base', () => {
  envCoverage('Deployment', KB_ENV.map((v) => v.name), kbContainer, KB_DEFAULTS);

  test('the KB makes a valid configuration of that environment: every address on its container port, its data on the volume, the GM secret', () => {
    const secret = '0123456789abcdef0123456789abcdef';
    const config = kbConfigFromEnv(environment(kbContainer, { namespace: 'sedna', name: 'sedna-kb-x', nodeName: 'node-1' }, { 'sedna-gm/secret': secret }));
    const mount = kbContainer.volumeMounts?.find((m) => m.name === 'data')?.mountPath as string;
    expect(config).toEqual({ host: '0.0.0.0', port: kbContainer.ports?.[0]?.containerPort, dataDir: `${mount}/data`, secret });
  });
});
