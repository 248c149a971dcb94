/**
 * The runtimes the SDK uses only on some paths (optional peer dependencies: a user installs those their
 * workers need): onnxruntime-node for `/onnx`, @tensorflow/tfjs and its wasm backend for `/tfjs`,
 * sharp for images. Each is loaded when first needed; one that is not installed is a
 * `RUNTIME_UNAVAILABLE` error naming the package and the command that installs it.
 */
import { createRequire } from 'node:module';
import { WorkerSdkError } from './errors.js';

/** The optional peer dependencies and the ranges the SDK works with (package.json's peerDependencies). */
export const OPTIONAL_PEERS = {
  'onnxruntime-node': '^1.30.0',
  '@tensorflow/tfjs': '^4.22.0',
  '@tensorflow/tfjs-backend-wasm': '^4.22.0',
  sharp: '^0.35.0',
} as const;

/** One of {@link OPTIONAL_PEERS}. */
export type OptionalPeer = keyof typeof OPTIONAL_PEERS;

/** Whether `error` says that `name` itself (not one of its own dependencies) cannot be found. */
export function isNotInstalled(error: unknown, name: string): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return typeof message === 'string' && (message.includes(`'${name}'`) || message.includes(`"${name}"`));
}

/** The command that installs `name` in the range the SDK works with. */
export function installCommand(name: OptionalPeer): string {
  // onnxruntime-node's install script downloads CUDA providers on Linux x64 (and fails offline) unless
  // told to keep its CPU build, which is all the SDK uses.
  const flag = name === 'onnxruntime-node' ? ' --onnxruntime-node-install=skip' : '';
  return `npm install ${name}@"${OPTIONAL_PEERS[name]}"${flag}`;
}

/**
 * The error for `name` failing to load for `purpose` (what needed it, e.g. `initTfjs`): not installed,
 * with the command that installs it, or installed but broken, with its own message.
 */
export function peerUnavailable(name: OptionalPeer, purpose: string, error: unknown): WorkerSdkError {
  if (isNotInstalled(error, name)) {
    return new WorkerSdkError('RUNTIME_UNAVAILABLE', `${purpose} needs ${name}, an optional peer dependency of @sedna-ts/worker-sdk that is not installed: ${installCommand(name)}`, { cause: error });
  }
  return new WorkerSdkError('RUNTIME_UNAVAILABLE', `${purpose}: ${name} cannot be loaded: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

/** Imports `name` (an ES module import, so a package's ESM build is used when it has one). */
export async function importPeer<T>(name: OptionalPeer, purpose: string): Promise<T> {
  try {
    // A variable specifier: bundlers leave it to the runtime.
    const specifier: string = name;
    return (await import(specifier)) as T;
  } catch (error) {
    throw peerUnavailable(name, purpose, error);
  }
}

const requireHere = createRequire(import.meta.url);

/**
 * Requires `name` synchronously (for a CommonJS package a module must hand out at import: `ort` of
 * `/onnx`); Node shares the instance with the user's own `import` of the same package.
 */
export function requirePeer<T>(name: OptionalPeer, purpose: string): T {
  try {
    return requireHere(name) as T;
  } catch (error) {
    throw peerUnavailable(name, purpose, error);
  }
}
