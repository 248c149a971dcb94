import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { CONFIG_ENV, loadConfigFile, resolveConfig } from './config.js';

const kubeConfig = new KubeConfig();
kubeConfig.loadFromOptions({
  clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: true }],
  users: [{ name: 'u', token: 't' }],
  contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
  currentContext: 'x',
});
const secret = '0123456789abcdef';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sedna-gm-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('defaults: all namespaces, port 9000, 60 s grace, 4 attempts from 10 s to 300 s, 200 conditions', () => {
  const c = resolveConfig({ kubeConfig, secret }, {});
  expect(c).toMatchObject({
    namespace: '',
    websocket: { address: '0.0.0.0', port: 9000 },
    reportGraceSeconds: 60,
    startDeadlineSeconds: 600,
    deployConfirmSeconds: 600,
    retry: { maxAttempts: 4, initialBackoffSeconds: 10, maxBackoffSeconds: 300 },
    backoff: { initialMs: 1000, maxMs: 300_000 },
    watchBackoff: { initialMs: 1000, maxMs: 30_000 },
    maxConditions: 200,
    podRetentionRounds: 10,
    concurrency: 16,
    storageInitializer: { image: 'sedna-ts/storage-initializer:0.1', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } },
    workerDefaultRequests: { cpu: '100m', memory: '256Mi' },
  });
  // Its own view of the KubeConfig it was given (with a connection pool of its own).
  expect(Object.getPrototypeOf(c.kubeConfig)).toBe(kubeConfig);
});

test('the environment fills what the object leaves out', () => {
  const c = resolveConfig(
    { kubeConfig },
    {
      SEDNA_GM_SECRET: secret,
      SEDNA_GM_PORT: '0',
      SEDNA_GM_NAMESPACE: 'edge',
      SEDNA_GM_REPORT_GRACE_SECONDS: '5',
      SEDNA_GM_RETRY_INITIAL_BACKOFF_SECONDS: '0.5',
      SEDNA_GM_STORAGE_INITIALIZER_IMAGE: 'registry.local/si:2',
    },
  );
  expect(c).toMatchObject({
    secret,
    namespace: 'edge',
    websocket: { port: 0 },
    reportGraceSeconds: 5,
    retry: { maxAttempts: 4, initialBackoffSeconds: 0.5, maxBackoffSeconds: 300 },
    storageInitializer: { image: 'registry.local/si:2' },
  });
  expect(() => resolveConfig({ kubeConfig }, { SEDNA_GM_SECRET: secret, SEDNA_GM_RETRY_INITIAL_BACKOFF_SECONDS: 'soon' })).toThrow(
    'GlobalManager config: retry.initialBackoffSeconds: "soon" is not a number',
  );
});

test('leader election: on by default, lease sedna-gm in POD_NAMESPACE, a unique identity, 15/10/2 s', () => {
  const c = resolveConfig({ kubeConfig, secret }, { POD_NAMESPACE: 'sedna', POD_NAME: 'gm-7f9c' });
  expect(c.leaderElection).toMatchObject({ enabled: true, namespace: 'sedna', name: 'sedna-gm', leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 });
  expect(c.leaderElection.identity).toMatch(/^gm-7f9c_[0-9a-f]{8}$/);
  expect(resolveConfig({ kubeConfig, secret }, { POD_NAME: 'gm-7f9c' }).leaderElection.identity).not.toBe(c.leaderElection.identity);
  expect(resolveConfig({ kubeConfig, secret, namespace: 'edge' }, {}).leaderElection.namespace).toBe('edge');
  const env = resolveConfig({ kubeConfig, secret }, { SEDNA_GM_LEADER_ELECT: 'false', SEDNA_GM_LEASE_NAMESPACE: 'kube-system', SEDNA_GM_LEASE_NAME: 'gm', SEDNA_GM_IDENTITY: 'one' });
  expect(env.leaderElection).toMatchObject({ enabled: false, namespace: 'kube-system', name: 'gm', identity: 'one' });
  // A short lease scales the other two down with it.
  expect(resolveConfig({ kubeConfig, secret, leaderElection: { leaseDurationSeconds: 3 } }, {}).leaderElection).toMatchObject({ renewDeadlineSeconds: 2, retryPeriodSeconds: 0.4 });
});

test.each([
  [{ leaseDurationSeconds: 1.5 }, 'GlobalManager config: leaderElection.leaseDurationSeconds: 1.5 is not an integer'],
  [{ leaseDurationSeconds: 10, renewDeadlineSeconds: 10 }, 'GlobalManager config: leaderElection.renewDeadlineSeconds: 10 is not less than leaderElection.leaseDurationSeconds (10)'],
  [{ renewDeadlineSeconds: 2, retryPeriodSeconds: 2 }, 'GlobalManager config: leaderElection.retryPeriodSeconds: 2 is not less than leaderElection.renewDeadlineSeconds / 1.2'],
  [{ enabled: 'maybe' }, 'GlobalManager config: leaderElection.enabled: "maybe" is not a boolean (true or false)'],
  [{ identity: '' }, 'GlobalManager config: leaderElection.identity: "" is not a non-empty string'],
  [{ lease: 3 }, 'GlobalManager config: leaderElection.lease: 3 is not a field of leaderElection'],
])('leaderElection %j is refused naming the field', (leaderElection, message) => {
  expect(() => resolveConfig({ kubeConfig, secret, leaderElection } as never, {})).toThrow(message);
});

test('ServiceAccount auth: on, audience sedna-gm, the LC ServiceAccount sedna-lc of the GM namespace', () => {
  expect(resolveConfig({ kubeConfig, secret }, { POD_NAMESPACE: 'sedna' }).serviceAccountAuth).toEqual({ enabled: true, audience: 'sedna-gm', serviceAccounts: ['sedna/sedna-lc'], maxInFlight: 32 });
  const env = resolveConfig({ kubeConfig, secret }, { SEDNA_GM_SA_AUTH: '0', SEDNA_GM_TOKEN_AUDIENCE: 'gm', SEDNA_GM_LC_SERVICE_ACCOUNTS: 'edge/lc, kubeedge/sedna-lc' });
  expect(env.serviceAccountAuth).toMatchObject({ enabled: false, audience: 'gm', serviceAccounts: ['edge/lc', 'kubeedge/sedna-lc'] });
  expect(() => resolveConfig({ kubeConfig, secret, serviceAccountAuth: { serviceAccounts: ['sedna-lc'] } }, {})).toThrow(
    'GlobalManager config: serviceAccountAuth.serviceAccounts[0]: "sedna-lc" is not namespace/name of a ServiceAccount',
  );
  expect(() => resolveConfig({ kubeConfig, secret, serviceAccountAuth: { serviceAccounts: [] } }, {})).toThrow('serviceAccountAuth.serviceAccounts: [] is not a non-empty list');
});

test('storageInitializer resources and workerDefaultRequests replace the defaults as given', () => {
  const c = resolveConfig({ kubeConfig, secret, storageInitializer: { resources: { limits: { cpu: '500m' } } }, workerDefaultRequests: { cpu: '0.25' } }, {});
  expect(c.storageInitializer.resources).toEqual({ requests: {}, limits: { cpu: '500m' } });
  expect(c.workerDefaultRequests).toEqual({ cpu: '0.25' });
});

test.each([
  [{}, 'GlobalManager config: secret: must be a string of at least 16 characters (set it or SEDNA_GM_SECRET)'],
  [{ secret, websocket: { port: 70000 } }, 'GlobalManager config: websocket.port: 70000 is more than 65535'],
  [{ secret, websocket: { prot: 1 } }, 'GlobalManager config: websocket.prot: 1 is not a field of websocket'],
  [{ secret, reportGraceSeconds: 'soon' }, 'GlobalManager config: reportGraceSeconds: "soon" is not a number'],
  [{ secret, startDeadlineSeconds: -1 }, 'GlobalManager config: startDeadlineSeconds: -1 is less than 0'],
  [{ secret, deployConfirmSeconds: 700_000 }, 'GlobalManager config: deployConfirmSeconds: 700000 is more than 604800'],
  [{ secret, retry: { maxAttempts: 0 } }, 'GlobalManager config: retry.maxAttempts: 0 is less than 1'],
  [{ secret, maxConditons: 5 }, 'GlobalManager config: maxConditons: 5 is not a GlobalManager config field'],
  [{ secret, kubeConfig: '/nonexistent/kubeconfig' }, 'GlobalManager config: kubeConfig: "/nonexistent/kubeconfig" cannot be loaded'],
  [{ secret, storageInitializer: { image: ' ' } }, 'GlobalManager config: storageInitializer.image: " " is not a non-empty string'],
  [{ secret, storageInitializer: { resources: { limits: { cpu: 'one' } } } }, 'GlobalManager config: storageInitializer.resources.limits.cpu: "one" is not a resource quantity (e.g. 100m, 1, 256Mi)'],
  [{ secret, storageInitializer: { resources: { request: {} } } }, 'GlobalManager config: storageInitializer.resources.request: {} is not a field of storageInitializer.resources (requests, limits)'],
  [{ secret, workerDefaultRequests: { memory: '256MB' } }, 'GlobalManager config: workerDefaultRequests.memory: "256MB" is not a resource quantity (e.g. 100m, 1, 256Mi)'],
])('%j is refused with a message naming the field and value', (config, message) => {
  expect(() => resolveConfig({ kubeConfig, ...config } as never, {})).toThrow(message);
});

test('a config file: our fields, the original GM fields ignored, kubeConfig as a path', () => {
  const file = path.join(dir, 'gm.yaml');
  writeFileSync(file, 'kubeConfig: /etc/kube/config\nnamespace: default\nwebsocket:\n  address: 0.0.0.0\n  port: 9000\nlocalController:\n  server: http://localhost:9100\nminResyncPeriodSeconds: 30\nretry:\n  maxAttempts: 2\n');
  expect(loadConfigFile(file)).toEqual({ kubeConfig: '/etc/kube/config', namespace: 'default', websocket: { address: '0.0.0.0', port: 9000 }, retry: { maxAttempts: 2 } });
});

test("kinds: the built-in list by default, a kind's settings handed on, the original's knowledgeBaseServer to lifelong learning", () => {
  const base = resolveConfig({ kubeConfig, secret }, {});
  expect(base.kinds.map((k) => k.kind)).toEqual(['IncrementalLearningJob', 'LifelongLearningJob']);
  expect(base.kindSettings).toEqual({});
  const extra = { kind: 'TestJob', resourceKind: 'testjob', plural: 'testjobs', policy: () => ({}) as never };
  const withExtra = resolveConfig({ kubeConfig, secret, kinds: [...base.kinds, extra], kindSettings: { testjob: { speed: 2 } }, knowledgeBaseServer: 'http://kb:9020' }, {});
  expect(withExtra.kinds.map((k) => k.resourceKind)).toEqual(['incrementallearningjob', 'lifelonglearningjob', 'testjob']);
  expect(withExtra.kindSettings).toEqual({ testjob: { speed: 2 }, lifelonglearningjob: { knowledgeBaseServer: 'http://kb:9020' } });
  expect(() => resolveConfig({ kubeConfig, secret, kinds: [extra, extra] }, {})).toThrow('GlobalManager config: kinds[1]: "TestJob" is listed twice');
  expect(() => resolveConfig({ kubeConfig, secret, kinds: [{ kind: 'X' } as never] }, {})).toThrow('kinds[0]: "X" is not a JobKind');
  expect(() => resolveConfig({ kubeConfig, secret, kindSettings: { testjob: 3 as never } }, {})).toThrow('kindSettings.testjob: 3 is not a mapping of settings');
  const file = path.join(dir, 'kb.yaml');
  writeFileSync(file, 'knowledgeBaseServer: http://kb:9020\n');
  expect(resolveConfig({ kubeConfig, secret, ...loadConfigFile(file) }, {}).kindSettings).toEqual({ lifelonglearningjob: { knowledgeBaseServer: 'http://kb:9020' } });
  writeFileSync(file, 'kinds: []\n');
  expect(() => loadConfigFile(file)).toThrow('kinds: [] cannot be set in a file');
});

test('a config file that cannot be read, parsed or is not a mapping is refused', () => {
  expect(() => loadConfigFile(path.join(dir, 'missing.yaml'))).toThrow(/missing.yaml: cannot be read/);
  writeFileSync(path.join(dir, 'bad.yaml'), 'a: [1,\n');
  expect(() => loadConfigFile(path.join(dir, 'bad.yaml'))).toThrow(/bad.yaml/);
  writeFileSync(path.join(dir, 'list.yaml'), '- a\n');
  expect(() => loadConfigFile(path.join(dir, 'list.yaml'))).toThrow('is not a mapping of fields');
  writeFileSync(path.join(dir, 'typo.yaml'), 'namespaces: x\n');
  expect(() => loadConfigFile(path.join(dir, 'typo.yaml'))).toThrow('namespaces: "x" is not a GlobalManager config field');
});

test('CONFIG_ENV lists every variable config.ts reads, and each one sets the field it names', () => {
  const source = readFileSync(fileURLToPath(new URL('./config.ts', import.meta.url)), 'utf8');
  const read = new Set([...source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1] as string));
  expect([...read].sort()).toEqual(CONFIG_ENV.map((v) => v.name).sort());
  const base = { SEDNA_GM_SECRET: 'a-secret-of-32-characters-000000' };
  const samples: Record<string, string> = {
    SEDNA_GM_SECRET: 'another-secret-of-32-characters-1',
    SEDNA_GM_ADDRESS: '127.0.0.2',
    SEDNA_GM_PORT: '9443',
    SEDNA_GM_NAMESPACE: 'edge',
    SEDNA_GM_REPORT_GRACE_SECONDS: '7',
    SEDNA_GM_RETRY_INITIAL_BACKOFF_SECONDS: '3',
    SEDNA_GM_STORAGE_INITIALIZER_IMAGE: 'registry.example/initializer:2',
    SEDNA_GM_LEADER_ELECT: 'false',
    SEDNA_GM_LEASE_NAMESPACE: 'leases',
    SEDNA_GM_LEASE_NAME: 'other-gm',
    SEDNA_GM_IDENTITY: 'replica-a',
    POD_NAME: 'sedna-gm-7d9f-x2',
    POD_NAMESPACE: 'sedna-system',
    SEDNA_GM_SA_AUTH: 'false',
    SEDNA_GM_TOKEN_AUDIENCE: 'other-audience',
    SEDNA_GM_LC_SERVICE_ACCOUNTS: 'edge/lc',
    SEDNA_LOG_LEVEL: 'debug',
    LOG_LEVEL: 'debug',
  };
  expect(Object.keys(samples).sort()).toEqual(CONFIG_ENV.map((v) => v.name).sort());
  const at = (config: object, field: string): unknown => {
    const value = field.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], config);
    // The default identity ends with a random part: compare what comes before it.
    return field === 'leaderElection.identity' ? String(value).split('_')[0] : value;
  };
  for (const v of CONFIG_ENV) {
    const before = resolveConfig({ kubeConfig }, base);
    const after = resolveConfig({ kubeConfig }, { ...base, [v.name]: samples[v.name] });
    const changed = v.field === 'logger' ? (after.logger as { level?: string }).level !== (before.logger as { level?: string }).level : JSON.stringify(at(after, v.field)) !== JSON.stringify(at(before, v.field));
    expect([v.name, changed]).toEqual([v.name, true]);
  }
});
