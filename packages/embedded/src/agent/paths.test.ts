import fc from 'fast-check';
import { type V1Pod } from '@kubernetes/client-node';
import { NodeAgentError } from './errors.js';
import { containerMappings, createPathRewriter, planVolumes } from './paths.js';

describe('createPathRewriter', () => {
  const rewrite = createPathRewriter([
    { mountPath: '/home/data', hostPath: '/srv/data' },
    { mountPath: '/home/data/models', hostPath: '/mnt/models' },
    { mountPath: '/downloads', hostPath: '/var/pods/x/volumes/dl' },
  ]);

  test.each([
    ['/home/data', '/srv/data'],
    ['/home/data/x/train.txt', '/srv/data/x/train.txt'],
    ['/home/data/models/m.onnx', '/mnt/models/m.onnx'],
    ['/home/data2/x', '/home/data2/x'],
    ['/home/datax', '/home/datax'],
    ['/opt/home/data/x', '/opt/home/data/x'],
    ['relative/home/data', 'relative/home/data'],
    ['/home/data/a.pb;/home/data/models/b.pb', '/srv/data/a.pb;/mnt/models/b.pb'],
    ['--data=/home/data/x', '--data=/srv/data/x'],
    ['@/downloads/index.txt', '@/var/pods/x/volumes/dl/index.txt'],
    ['/home/data/a:/downloads', '/srv/data/a:/var/pods/x/volumes/dl'],
    ['{"path":"/home/data/x"}', '{"path":"/srv/data/x"}'],
    ['cd /home/data && python train.py', 'cd /srv/data && python train.py'],
    ['s3://bucket/home/data', 's3://bucket/home/data'],
    ['', ''],
  ])('rewrites %j to %j (longest mount first, only at path boundaries)', (input, expected) => {
    expect(rewrite(input)).toBe(expected);
  });

  test('a mount at / is never rewritten and no mounts means identity', () => {
    expect(createPathRewriter([{ mountPath: '/', hostPath: '/x' }])('/etc/passwd')).toBe('/etc/passwd');
    expect(createPathRewriter([])('/home/data')).toBe('/home/data');
  });

  test('any path below a mount maps below its host path, and text without the mount is unchanged', () => {
    const segment = fc.stringMatching(/^[a-z0-9._-]{1,8}$/);
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 4 }), fc.string().filter((s) => !s.includes('/home/data') && !s.includes('/downloads')), (rest, noise) => {
        const tail = rest.map((s) => `/${s}`).join('');
        expect(rewrite(`/downloads${tail}`)).toBe(`/var/pods/x/volumes/dl${tail}`);
        expect(rewrite(noise)).toBe(noise);
      }),
    );
  });
});

function pod(spec: Partial<NonNullable<V1Pod['spec']>>): V1Pod {
  return { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [], ...spec } };
}

describe('planVolumes', () => {
  test('hostPath is its own path; emptyDir, configMap and secret get a folder under the pod folder', () => {
    const planned = planVolumes(
      pod({
        volumes: [
          { name: 'data', hostPath: { path: '/srv/data/', type: 'Directory' } },
          { name: 'scratch', emptyDir: {} },
          { name: 'cfg', configMap: { name: 'settings', items: [{ key: 'a', path: 'a.json' }] } },
          { name: 'creds', secret: { secretName: 's3', optional: true } },
        ],
      }),
      '/var/lib/sedna/pods/ns/p',
      'Pod ns/p',
    );
    expect(planned.get('data')).toEqual({ name: 'data', kind: 'hostPath', hostPath: '/srv/data', hostPathType: 'Directory' });
    expect(planned.get('scratch')).toEqual({ name: 'scratch', kind: 'emptyDir', hostPath: '/var/lib/sedna/pods/ns/p/volumes/scratch' });
    expect(planned.get('cfg')).toMatchObject({ kind: 'configMap', sourceName: 'settings', optional: false, items: [{ key: 'a', path: 'a.json' }] });
    expect(planned.get('creds')).toMatchObject({ kind: 'secret', sourceName: 's3', optional: true, hostPath: '/var/lib/sedna/pods/ns/p/volumes/creds' });
  });

  test('an unsupported volume type is refused with its field path', () => {
    expect(() => planVolumes(pod({ volumes: [{ name: 'x', emptyDir: {} }, { name: 'claim', persistentVolumeClaim: { claimName: 'c' } }] }), '/d', 'Pod ns/p')).toThrow(
      new NodeAgentError(
        'ContainerConfig',
        'Pod ns/p: spec.volumes[1]: volume "claim" of type persistentVolumeClaim is not supported by the node agent (hostPath, emptyDir, configMap and secret are)',
      ),
    );
  });

  test('a relative hostPath is refused', () => {
    expect(() => planVolumes(pod({ volumes: [{ name: 'x', hostPath: { path: 'data' } }] }), '/d', 'Pod ns/p')).toThrow(
      'Pod ns/p: spec.volumes[0].hostPath.path: "data" is not an absolute path',
    );
  });
});

describe('containerMappings', () => {
  const volumes = planVolumes(pod({ volumes: [{ name: 'data', hostPath: { path: '/srv/data' } }] }), '/d', 'Pod ns/p');

  test('subPath and subPathExpr (expanded with the container env) extend the host path', () => {
    const mappings = containerMappings(
      {
        volumeMounts: [
          { name: 'data', mountPath: '/home/data/' },
          { name: 'data', mountPath: '/models', subPath: 'models/v1' },
          { name: 'data', mountPath: '/out', subPathExpr: 'out/$(POD)' },
        ],
      },
      'Pod ns/p: spec.containers[0]',
      volumes,
      { POD: 'p' },
    );
    expect(mappings).toEqual([
      { mountPath: '/home/data', hostPath: '/srv/data' },
      { mountPath: '/models', hostPath: '/srv/data/models/v1' },
      { mountPath: '/out', hostPath: '/srv/data/out/p' },
    ]);
  });

  test('a mount of an undeclared volume names the field', () => {
    expect(() => containerMappings({ volumeMounts: [{ name: 'nope', mountPath: '/x' }] }, 'Pod ns/p: spec.containers[1]', volumes, {})).toThrow(
      'Pod ns/p: spec.containers[1].volumeMounts[0].name: "nope" is not a volume of the pod',
    );
  });

  test('a subPath leaving the volume is refused', () => {
    expect(() => containerMappings({ volumeMounts: [{ name: 'data', mountPath: '/x', subPath: '../etc' }] }, 'c', volumes, {})).toThrow(/must be a relative path/);
  });
});
