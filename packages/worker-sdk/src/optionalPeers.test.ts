import { readFileSync } from 'node:fs';
import { WorkerSdkError } from './errors.js';
import { installCommand, OPTIONAL_PEERS, peerUnavailable } from './optionalPeers.js';

/** An import that failed as Node's does for a package that is not installed. */
const notFound = (name: string) => Object.assign(new Error(`Cannot find package '${name}' imported from /app/node_modules/@sedna-ts/worker-sdk/dist/tfjs.js`), { code: 'ERR_MODULE_NOT_FOUND' });

test('the ranges the loader names are the peerDependencies of package.json, each optional', () => {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    peerDependencies: Record<string, string>;
    peerDependenciesMeta: Record<string, { optional?: boolean }>;
    dependencies: Record<string, string>;
  };
  expect(manifest.peerDependencies).toEqual(OPTIONAL_PEERS);
  for (const name of Object.keys(OPTIONAL_PEERS)) {
    expect([name, manifest.peerDependenciesMeta[name]?.optional]).toEqual([name, true]);
    expect([name, manifest.dependencies[name]]).toEqual([name, undefined]);
  }
});

test('a peer that is not installed: RUNTIME_UNAVAILABLE naming what needed it, the package and the command that installs it', () => {
  const error = peerUnavailable('@tensorflow/tfjs', 'initTfjs', notFound('@tensorflow/tfjs'));
  expect(error).toBeInstanceOf(WorkerSdkError);
  expect(error.code).toBe('RUNTIME_UNAVAILABLE');
  expect(error.message).toBe('initTfjs needs @tensorflow/tfjs, an optional peer dependency of @sedna-ts/worker-sdk that is not installed: npm install @tensorflow/tfjs@"^4.22.0"');
  expect(installCommand('onnxruntime-node')).toBe('npm install onnxruntime-node@"^1.30.0" --onnxruntime-node-install=skip');
});

test("a peer that is installed but cannot load (one of its own files or dependencies missing) is said with its own error", () => {
  const error = peerUnavailable('sharp', 'saving a hard example', notFound('@img/sharp-linux-x64'));
  expect(error.message).toBe("saving a hard example: sharp cannot be loaded: Cannot find package '@img/sharp-linux-x64' imported from /app/node_modules/@sedna-ts/worker-sdk/dist/tfjs.js");
});
