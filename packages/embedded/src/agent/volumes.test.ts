import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../test/agent/support/helpers.js';
import { type ResolvedSources } from './env.js';
import { type PlannedVolume } from './paths.js';
import { prepareVolumes } from './volumes.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('volumes');
});
afterEach(() => tmp.cleanup());

const none: ResolvedSources = { configMaps: new Map(), secrets: new Map() };
const hostPath = (p: string, hostPathType: string): PlannedVolume => ({ name: 'v', kind: 'hostPath', hostPath: path.join(tmp.dir, p), hostPathType });

test('DirectoryOrCreate and FileOrCreate create what is missing; emptyDir gets its folder', () => {
  prepareVolumes(
    [
      hostPath('made/dir', 'DirectoryOrCreate'),
      hostPath('made/file.txt', 'FileOrCreate'),
      { name: 'e', kind: 'emptyDir', hostPath: path.join(tmp.dir, 'pod/volumes/e') },
    ],
    none,
    'Pod ns/p',
  );
  expect(statSync(path.join(tmp.dir, 'made/dir')).isDirectory()).toBe(true);
  expect(statSync(path.join(tmp.dir, 'made/file.txt')).isFile()).toBe(true);
  expect(statSync(path.join(tmp.dir, 'pod/volumes/e')).isDirectory()).toBe(true);
});

test('Directory and File must exist with the right kind; an untyped hostPath is not checked', () => {
  mkdirSync(path.join(tmp.dir, 'dir'));
  writeFileSync(path.join(tmp.dir, 'file'), 'x');
  prepareVolumes([hostPath('dir', 'Directory'), hostPath('file', 'File'), hostPath('missing', '')], none, 'Pod ns/p');
  expect(() => prepareVolumes([hostPath('missing', 'Directory')], none, 'Pod ns/p')).toThrow(
    `Pod ns/p: volume "v": hostPath ${path.join(tmp.dir, 'missing')} is not a directory (type Directory)`,
  );
  expect(() => prepareVolumes([hostPath('dir', 'File')], none, 'Pod ns/p')).toThrow(/is not a file \(type File\)/);
  expect(() => prepareVolumes([hostPath('file', 'DirectoryOrCreate')], none, 'Pod ns/p')).toThrow(/exists and is not a directory/);
  expect(() => prepareVolumes([hostPath('dir', 'Weird')], none, 'Pod ns/p')).toThrow(/"Weird" is not a hostPath type/);
});

test('configMap and secret volumes hold one file per key (or per listed item)', () => {
  const sources: ResolvedSources = {
    configMaps: new Map([['settings', { 'a.json': '{"a":1}', b: 'two' }]]),
    secrets: new Map([['s3', { key: 'AK', secret: 'SK' }]]),
  };
  const cfg = path.join(tmp.dir, 'pod/volumes/cfg');
  const creds = path.join(tmp.dir, 'pod/volumes/creds');
  prepareVolumes(
    [
      { name: 'cfg', kind: 'configMap', hostPath: cfg, sourceName: 'settings', optional: false },
      { name: 'creds', kind: 'secret', hostPath: creds, sourceName: 's3', optional: false, items: [{ key: 'key', path: 'nested/access' }] },
    ],
    sources,
    'Pod ns/p',
  );
  expect(readFileSync(path.join(cfg, 'a.json'), 'utf8')).toBe('{"a":1}');
  expect(readFileSync(path.join(cfg, 'b'), 'utf8')).toBe('two');
  expect(readFileSync(path.join(creds, 'nested/access'), 'utf8')).toBe('AK');
  expect(statSync(creds).mode & 0o777).toBe(0o700);
  expect(() =>
    prepareVolumes([{ name: 'x', kind: 'secret', hostPath: creds, sourceName: 'nope', optional: false }], sources, 'Pod ns/p'),
  ).toThrow('Pod ns/p: volume "x": secret "nope" not found');
  expect(() =>
    prepareVolumes([{ name: 'x', kind: 'secret', hostPath: creds, sourceName: 's3', optional: false, items: [{ key: 'key', path: '../../escape' }] }], sources, 'Pod ns/p'),
  ).toThrow(/leaves the volume/);
});
