import { WorkerSdkError } from '../errors.js';
import { createConsoleLogger, type Logger } from '../logger.js';
import { importPeer, installCommand, isNotInstalled } from '../optionalPeers.js';
import { runSelfTest, SELF_TEST_TOLERANCE, type TfjsSelfTest } from './selfTest.js';
import type { Tf } from './tfTypes.js';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels, type WasmTrainingKernel } from './wasmKernels.js';

/** The backend tfjs runs on: native libtensorflow (tfjs-node), WebAssembly with our kernels, or pure JS. */
export type TfjsBackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Options of `initTfjs`. */
export interface InitTfjsOptions {
  /**
   * The backend to use instead of the best available one. Default: the `SEDNA_TFJS_BACKEND` environment
   * variable, else `tensorflow` when @tensorflow/tfjs-node is installed, else `wasm`.
   */
  backend?: TfjsBackendName;
  /** Run the kernel self-test on wasm (default true). Without it a wrong kernel goes unnoticed. */
  selfTest?: boolean;
  /** Where to say which backend is used and why (default: JSON lines on stderr at LOG_LEVEL). */
  logger?: Logger;
}

/** What `initTfjs` resolves to. */
export interface TfjsRuntime {
  /** The tfjs namespace to use everywhere: a second copy of tfjs would not see the registered kernels. */
  tf: Tf;
  /** The backend in use. */
  backend: TfjsBackendName;
  /** The start-up self-test of the wasm training kernels. */
  selfTest: TfjsSelfTest;
  /** The kernels we registered (empty unless the backend is wasm). */
  kernels: readonly WasmTrainingKernel[];
  /** Why a better backend was not used, e.g. the self-test failure that made it fall back to cpu. */
  fallbackReason?: string;
}

const TFJS_NODE = '@tensorflow/tfjs-node';
const BACKENDS: readonly TfjsBackendName[] = ['tensorflow', 'wasm', 'cpu'];

let pending: Promise<TfjsRuntime> | undefined;

/**
 * Picks and initialises the TensorFlow.js backend, once per process: later calls get the same runtime
 * and their options are ignored.
 *
 * - `tensorflow` when the user installed @tensorflow/tfjs-node (loaded dynamically; never a dependency
 *   of ours, since its install downloads libtensorflow);
 * - otherwise `wasm` (@tensorflow/tfjs-backend-wasm) with our training kernels registered, checked by a
 *   self-test of gradient parity (a few milliseconds);
 * - `cpu` (pure JavaScript, about 250x slower to train) when wasm cannot start or the self-test fails.
 *
 * @example
 * ```ts
 * import { initTfjs } from '@sedna-ts/worker-sdk/tfjs';
 * const { tf, backend, selfTest } = await initTfjs();
 * console.log(`tfjs on ${backend}, self-test ${selfTest.passed ? 'passed' : 'failed'}`);
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [4] })] });
 * ```
 */
export function initTfjs(options: InitTfjsOptions = {}): Promise<TfjsRuntime> {
  pending ??= start(options).then((runtime) => announce(runtime, options.logger ?? createConsoleLogger())).catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

function requestedBackend(options: InitTfjsOptions): TfjsBackendName | undefined {
  if (options.backend !== undefined) return checkBackend(options.backend, 'initTfjs: options.backend');
  const env = process.env.SEDNA_TFJS_BACKEND;
  if (env === undefined || env === '') return undefined;
  return checkBackend(env, 'env SEDNA_TFJS_BACKEND');
}

function checkBackend(value: string, where: string): TfjsBackendName {
  if (!(BACKENDS as readonly string[]).includes(value)) {
    throw new WorkerSdkError('CONFIG_INVALID', `${where}: ${JSON.stringify(value)} is not one of ${BACKENDS.join(', ')}`);
  }
  return value as TfjsBackendName;
}

function announce(runtime: TfjsRuntime, logger: Logger): TfjsRuntime {
  const fields = {
    backend: runtime.backend,
    kernels: runtime.kernels.length,
    selfTest: runtime.selfTest.skipped ? 'skipped' : runtime.selfTest.passed ? 'passed' : 'failed',
    selfTestMs: Math.round(runtime.selfTest.ms),
    ...(runtime.fallbackReason === undefined ? {} : { fallbackReason: runtime.fallbackReason }),
  };
  if (runtime.backend === 'cpu' && runtime.fallbackReason !== undefined) logger.warn(fields, 'tfjs: training on the cpu backend, much slower');
  else logger.info(fields, `tfjs: using the ${runtime.backend} backend`);
  return runtime;
}

function skipped(): TfjsSelfTest {
  return { passed: true, skipped: true, ms: 0, maxError: 0, tolerance: SELF_TEST_TOLERANCE, checks: [] };
}

async function start(options: InitTfjsOptions): Promise<TfjsRuntime> {
  const wanted = requestedBackend(options);
  const reasons: string[] = [];

  if (wanted === undefined || wanted === 'tensorflow') {
    const node = await loadTfjsNode();
    if (node.tf !== undefined && (await node.tf.setBackend('tensorflow'))) {
      await node.tf.ready();
      return { tf: node.tf, backend: 'tensorflow', selfTest: skipped(), kernels: [] };
    }
    if (wanted === 'tensorflow') {
      throw new WorkerSdkError('RUNTIME_UNAVAILABLE', `initTfjs: backend "tensorflow" requested but ${TFJS_NODE} ${node.reason ?? 'did not initialise'}`);
    }
    if (node.reason !== undefined && node.installed) reasons.push(`${TFJS_NODE}: ${node.reason}`);
  }

  const tf = await importPeer<Tf>('@tensorflow/tfjs', 'initTfjs');

  if (wanted === undefined || wanted === 'wasm') {
    const wasm = await startWasm(tf, options.selfTest ?? true);
    if (wasm.ok) return { tf, backend: 'wasm', selfTest: wasm.selfTest, kernels: wasm.kernels, ...(reasons.length > 0 ? { fallbackReason: reasons.join('; ') } : {}) };
    if (wanted === 'wasm' && wasm.selfTest === undefined) {
      throw new WorkerSdkError('RUNTIME_UNAVAILABLE', `initTfjs: backend "wasm" requested but it did not start: ${wasm.reason}`);
    }
    reasons.push(wasm.reason);
    if (!(await tf.setBackend('cpu'))) throw new WorkerSdkError('RUNTIME_UNAVAILABLE', `initTfjs: neither wasm (${wasm.reason}) nor cpu started`);
    const selfTest = wasm.selfTest ?? skipped();
    return { tf, backend: 'cpu', selfTest, kernels: [], fallbackReason: reasons.join('; ') };
  }

  if (!(await tf.setBackend('cpu'))) throw new WorkerSdkError('RUNTIME_UNAVAILABLE', 'initTfjs: the cpu backend did not start');
  return { tf, backend: 'cpu', selfTest: skipped(), kernels: [] };
}

async function loadTfjsNode(): Promise<{ tf?: Tf; installed: boolean; reason?: string }> {
  try {
    // A variable specifier keeps bundlers and TypeScript from resolving a package we do not depend on.
    const specifier: string = TFJS_NODE;
    const mod = (await import(specifier)) as Tf & { default?: Tf };
    return { tf: typeof mod.setBackend === 'function' ? mod : (mod.default as Tf), installed: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const notInstalled = (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(TFJS_NODE);
    return { installed: !notInstalled, reason: notInstalled ? 'is not installed' : `failed to load: ${(error as Error).message}` };
  }
}

type WasmStart = { ok: true; selfTest: TfjsSelfTest; kernels: readonly WasmTrainingKernel[] } | { ok: false; reason: string; selfTest?: TfjsSelfTest };

async function startWasm(tf: Tf, selfTest: boolean): Promise<WasmStart> {
  const WASM = '@tensorflow/tfjs-backend-wasm';
  try {
    await importPeer(WASM, 'initTfjs');
    if (!(await tf.setBackend('wasm'))) return { ok: false, reason: 'the wasm backend failed to initialise' };
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    if (isNotInstalled(cause, WASM)) return { ok: false, reason: `${WASM} is not installed (${installCommand(WASM)})` };
    return { ok: false, reason: `the wasm backend failed to load: ${(error as Error).message}` };
  }
  // Registration must follow setBackend: the backend object our kernels drive exists only from then on.
  const kernels = registerWasmTrainingKernels(tf);
  if (!selfTest) return { ok: true, selfTest: skipped(), kernels };
  const result = runSelfTest(tf);
  if (result.passed) return { ok: true, selfTest: result, kernels };
  unregisterWasmTrainingKernels(tf);
  return { ok: false, reason: `wasm training kernels failed their self-test: ${result.error ?? 'unknown'}`, selfTest: result };
}
