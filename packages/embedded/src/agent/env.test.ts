import { type V1Pod } from '@kubernetes/client-node';
import { buildContainerEnv, configMapText, podReferences, type ResolvedSources, secretText } from './env.js';
import { NodeAgentError } from './errors.js';

const pod: V1Pod = {
  metadata: { name: 'train-1', namespace: 'ml', uid: 'uid-1', labels: { app: 'helmet' }, annotations: { note: 'n' } },
  spec: { nodeName: 'edge-1', serviceAccountName: 'sa', containers: [] },
};
const info = { podIP: '10.0.0.5', hostIP: '10.0.0.5' };
const sources: ResolvedSources = {
  configMaps: new Map([
    ['settings', { LEVEL: 'debug', SHARED: 'from-configmap' }],
    ['gone', null],
  ]),
  secrets: new Map([['s3', { ACCESS_KEY_ID: 'AK', SECRET_ACCESS_KEY: 'SK', SHARED: 'from-secret' }]]),
};
const where = 'Pod ml/train-1: spec.containers[0]';

test('envFrom comes first in order, env entries override it, and $(VAR) sees earlier variables', () => {
  const env = buildContainerEnv(
    pod,
    {
      envFrom: [{ configMapRef: { name: 'settings' } }, { secretRef: { name: 's3' }, prefix: 'S3_' }],
      env: [
        { name: 'LEVEL', value: 'info' },
        { name: 'BASE', value: '/home/data' },
        { name: 'MODEL_URL', value: '$(BASE)/model.pb' },
        { name: 'LATER', value: '$(NOT_YET)' },
        { name: 'NOT_YET', value: 'x' },
      ],
    },
    where,
    sources,
    info,
  );
  expect(env).toEqual({
    LEVEL: 'info',
    SHARED: 'from-configmap',
    S3_ACCESS_KEY_ID: 'AK',
    S3_SECRET_ACCESS_KEY: 'SK',
    S3_SHARED: 'from-secret',
    BASE: '/home/data',
    MODEL_URL: '/home/data/model.pb',
    LATER: '$(NOT_YET)',
    NOT_YET: 'x',
  });
});

test('secretKeyRef, configMapKeyRef and downward-API fieldRef resolve', () => {
  const field = (fieldPath: string) => ({ valueFrom: { fieldRef: { fieldPath } } });
  const env = buildContainerEnv(
    pod,
    {
      env: [
        { name: 'KEY', valueFrom: { secretKeyRef: { name: 's3', key: 'ACCESS_KEY_ID' } } },
        { name: 'LVL', valueFrom: { configMapKeyRef: { name: 'settings', key: 'LEVEL' } } },
        { name: 'POD', ...field('metadata.name') },
        { name: 'NS', ...field('metadata.namespace') },
        { name: 'UID', ...field('metadata.uid') },
        { name: 'NODE', ...field('spec.nodeName') },
        { name: 'SA', ...field('spec.serviceAccountName') },
        { name: 'IP', ...field('status.podIP') },
        { name: 'HOST', ...field('status.hostIP') },
        { name: 'APP', ...field("metadata.labels['app']") },
        { name: 'NOTE', ...field("metadata.annotations['note']") },
        { name: 'NOLABEL', ...field("metadata.labels['none']") },
      ],
    },
    where,
    sources,
    info,
  );
  expect(env).toEqual({
    KEY: 'AK',
    LVL: 'debug',
    POD: 'train-1',
    NS: 'ml',
    UID: 'uid-1',
    NODE: 'edge-1',
    SA: 'sa',
    IP: '10.0.0.5',
    HOST: '10.0.0.5',
    APP: 'helmet',
    NOTE: 'n',
    NOLABEL: '',
  });
});

test('optional sources and keys that are absent are skipped', () => {
  const env = buildContainerEnv(
    pod,
    {
      envFrom: [{ configMapRef: { name: 'gone', optional: true } }],
      env: [
        { name: 'A', valueFrom: { secretKeyRef: { name: 's3', key: 'NOPE', optional: true } } },
        { name: 'B', valueFrom: { configMapKeyRef: { name: 'gone', key: 'x', optional: true } } },
      ],
    },
    where,
    sources,
    info,
  );
  expect(env).toEqual({});
});

test.each([
  [{ env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'missing', key: 'k' } } }] }, 'Pod ml/train-1: spec.containers[0].env[0].valueFrom.secretKeyRef: secret "missing" not found'],
  [{ env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's3', key: 'k' } } }] }, 'Pod ml/train-1: spec.containers[0].env[0].valueFrom.secretKeyRef: key "k" not found in secret "s3"'],
  [{ envFrom: [{ configMapRef: { name: 'gone' } }] }, 'Pod ml/train-1: spec.containers[0].envFrom[0].configMapRef: configMap "gone" not found'],
  [{ env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.hostname' } } }] }, 'Pod ml/train-1: spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: "spec.hostname" is not supported'],
  [
    { env: [{ name: 'A', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } }] },
    'Pod ml/train-1: spec.containers[0].env[0].valueFrom.resourceFieldRef: "limits.cpu" is not supported by the node agent',
  ],
])('a missing or unsupported source is an error naming the field: %#', (container, message) => {
  expect(() => buildContainerEnv(pod, container, where, sources, info)).toThrow(new NodeAgentError('ContainerConfig', message));
});

test('podReferences collects configMaps and secrets of env, envFrom and volumes of every container', () => {
  const refs = podReferences({
    spec: {
      initContainers: [{ name: 'i', envFrom: [{ secretRef: { name: 'init-secret' } }] }],
      containers: [{ name: 'c', env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }] }],
      volumes: [{ name: 'v', secret: { secretName: 'vol-secret' } }, { name: 'w', configMap: { name: 'vol-cm' } }],
    },
  });
  expect([...refs.secrets].sort()).toEqual(['init-secret', 'vol-secret']);
  expect([...refs.configMaps].sort()).toEqual(['cm', 'vol-cm']);
});

test('secret data is base64-decoded and configMap binaryData is decoded under data', () => {
  expect(secretText({ data: { a: Buffer.from('héllo').toString('base64') }, stringData: { b: 'plain' } })).toEqual({ a: 'héllo', b: 'plain' });
  expect(configMapText({ data: { a: '1' }, binaryData: { b: Buffer.from('bin').toString('base64') } })).toEqual({ a: '1', b: 'bin' });
});
