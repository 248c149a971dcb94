import { expandVars, imageRepository, lookupImageCommand, resolveCommand, type Interpreters } from './command.js';
import { NodeAgentError } from './errors.js';

const interpreters: Interpreters = { node: ['/usr/bin/node'], tsx: ['/usr/bin/node', '/p/node_modules/tsx/dist/cli.mjs'], python: ['python3'] };
const where = 'Pod default/train: spec.containers[0]';

describe('expandVars', () => {
  const env: Record<string, string> = { A: 'x', EMPTY: '' };
  const lookup = (name: string): string | undefined => env[name];

  test.each([
    ['$(A)/b', 'x/b'],
    ['pre-$(A)-$(A)', 'pre-x-x'],
    ['$(EMPTY)z', 'z'],
    ['$(MISSING)', '$(MISSING)'],
    ['$$(A)', '$(A)'],
    ['cost $5', 'cost $5'],
    ['$(A', '$(A'],
    ['trailing $', 'trailing $'],
    ['$$$(A)', '$x'],
  ])('expands %j to %j like the kubelet', (input, expected) => {
    expect(expandVars(input, lookup)).toBe(expected);
  });
});

describe('imageRepository', () => {
  test.each([
    ['kubeedge/sedna-storage-initializer:v0.3.0', 'kubeedge/sedna-storage-initializer'],
    ['registry:5000/a/b', 'registry:5000/a/b'],
    ['registry:5000/a/b:v1', 'registry:5000/a/b'],
    ['a/b@sha256:abc', 'a/b'],
    ['a/b:v2@sha256:abc', 'a/b'],
    ['plain', 'plain'],
  ])('drops tag and digest of %s', (image, repository) => {
    expect(imageRepository(image)).toBe(repository);
  });

  test('an exact image entry wins over the repository entry', () => {
    const map = { 'a/b': ['generic'], 'a/b:v1': ['exact'] };
    expect(lookupImageCommand(map, 'a/b:v1')).toEqual(['exact']);
    expect(lookupImageCommand(map, 'a/b:v2')).toEqual(['generic']);
    expect(lookupImageCommand(map, 'c/d:v1')).toBeUndefined();
    expect(lookupImageCommand(map, undefined)).toBeUndefined();
  });
});

describe('resolveCommand', () => {
  test('command and args run as given, even when the image is mapped', () => {
    expect(resolveCommand({ command: ['sh', '-c'], args: ['echo hi'], image: 'mapped' }, where, { mapped: ['x'] }, interpreters)).toEqual({
      file: 'sh',
      args: ['-c', 'echo hi'],
    });
  });

  test('without command, a mapped image supplies the command prefix for args', () => {
    const map = { 'kubeedge/sedna-storage-initializer': ['node', '/opt/init.js'] };
    expect(resolveCommand({ command: [], args: ['s3://b/x', '/downloads/x'], image: 'kubeedge/sedna-storage-initializer:v0.3.0' }, where, map, interpreters)).toEqual({
      file: 'node',
      args: ['/opt/init.js', 's3://b/x', '/downloads/x'],
    });
  });

  test.each([
    ['train.js', ['/usr/bin/node']],
    ['train.mjs', ['/usr/bin/node']],
    ['train.cjs', ['/usr/bin/node']],
    ['train.ts', interpreters.tsx],
    ['/code/train.py', ['python3']],
    ['TRAIN.PY', ['python3']],
  ])('without command or mapped image, args[0] %s runs with its interpreter', (script, prefix) => {
    const resolved = resolveCommand({ args: [script, '--epochs', '2'], image: 'unknown:1' }, where, {}, interpreters);
    expect([resolved.file, ...resolved.args]).toEqual([...prefix, script, '--epochs', '2']);
    // The image it does not run is said, for the ImageNotMapped event and the failure message.
    expect(resolved.unmappedImage).toBe('unknown:1');
  });

  test('an unknown extension names the pod, container, image and args[0]', () => {
    let error: unknown;
    try {
      resolveCommand({ args: ['run.sh'], image: 'helmet:v1' }, where, {}, interpreters);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NodeAgentError);
    expect((error as NodeAgentError).code).toBe('UnresolvableCommand');
    expect((error as NodeAgentError).message).toBe(
      'Pod default/train: spec.containers[0]: command is empty, image "helmet:v1" is not in the image map and args[0] "run.sh" has no known extension (.js, .mjs, .cjs, .ts, .mts, .cts, .py)',
    );
  });

  test('no command and no args is unresolvable', () => {
    expect(() => resolveCommand({ image: 'x' }, where, {}, interpreters)).toThrow(/args\[0\] ""/);
  });
});
