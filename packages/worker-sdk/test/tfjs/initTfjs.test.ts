import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_DIR, runChild } from './runChild.js';

interface Summary {
  backend: string;
  activeBackend: string;
  memoised: boolean;
  selfTest: { passed: boolean; skipped: boolean; checks: number; maxError: number; error?: string; failed: string[] };
  kernels: string[];
  wasmKernelsRegistered: string[];
  fallbackReason?: string;
  lossIsFinite: boolean;
  error?: { name: string; code?: string; message: string };
}

const SCRIPT = 'test/tfjs/scripts/initTfjs.ts';
const OURS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'Tile'];

describe('initTfjs', () => {
  it('without tfjs-node picks wasm, registers the training kernels and passes the self-test', async () => {
    const { result, stderr } = await runChild<Summary>(SCRIPT, ['default'], { SEDNA_TFJS_BACKEND: '' });
    expect(stderr).toMatch(/"level":30,.*"backend":"wasm","kernels":5,"selfTest":"passed".*"msg":"tfjs: using the wasm backend"/);
    expect(result.backend).toBe('wasm');
    expect(result.activeBackend).toBe('wasm');
    expect(result.memoised).toBe(true);
    expect(result.selfTest).toMatchObject({ passed: true, skipped: false, failed: [] });
    expect(result.selfTest.checks).toBeGreaterThanOrEqual(13);
    expect(result.selfTest.maxError).toBeLessThanOrEqual(1e-5);
    expect(result.kernels).toEqual(OURS);
    expect(result.wasmKernelsRegistered).toEqual(OURS);
    expect(result.fallbackReason).toBeUndefined();
    expect(result.lossIsFinite).toBe(true);
  }, 60_000);

  it.each(['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'Tile'])(
    'falls back to cpu, naming the kernel, when the self-test finds %s wrong',
    async (kernel) => {
      const { result, stderr } = await runChild<Summary>(SCRIPT, ['fault', kernel], { SEDNA_TFJS_BACKEND: '' });
      expect(stderr).toMatch(/"level":40,.*"backend":"cpu".*"selfTest":"failed".*"msg":"tfjs: training on the cpu backend, much slower"/);
      expect(result.backend).toBe('cpu');
      expect(result.activeBackend).toBe('cpu');
      expect(result.selfTest.passed).toBe(false);
      expect(result.selfTest.failed.length).toBeGreaterThan(0);
      for (const name of result.selfTest.failed) expect(name.startsWith(kernel)).toBe(true);
      expect(result.fallbackReason).toContain(kernel);
      // Ours are gone; the stock wasm kernels we replaced are back.
      expect(result.kernels).toEqual([]);
      expect(result.wasmKernelsRegistered).toEqual(['Conv2DBackpropInput', 'Tile']);
      expect(result.lossIsFinite).toBe(true);
    },
    60_000,
  );

  it('honours SEDNA_TFJS_BACKEND and rejects an unknown value or a missing tfjs-node by name', async () => {
    const [cpu, unknown, tensorflow] = await Promise.all([
      runChild<Summary>(SCRIPT, ['default'], { SEDNA_TFJS_BACKEND: 'cpu' }),
      runChild<Summary>(SCRIPT, ['default'], { SEDNA_TFJS_BACKEND: 'gpu' }),
      runChild<Summary>(SCRIPT, ['default'], { SEDNA_TFJS_BACKEND: 'tensorflow' }),
    ]);
    expect(cpu.result).toMatchObject({ backend: 'cpu', activeBackend: 'cpu', kernels: [], selfTest: { skipped: true } });
    expect(unknown.result.error).toEqual({ name: 'WorkerSdkError', code: 'CONFIG_INVALID', message: 'env SEDNA_TFJS_BACKEND: "gpu" is not one of tensorflow, wasm, cpu' });
    expect(tensorflow.result.error).toMatchObject({ code: 'RUNTIME_UNAVAILABLE', message: 'initTfjs: backend "tensorflow" requested but @tensorflow/tfjs-node is not installed' });
  }, 60_000);

  describe('with @tensorflow/tfjs-node installed', () => {
    let dir: string;

    // A copy of the package in a temp tree whose node_modules holds a stand-in @tensorflow/tfjs-node: it
    // re-exports @tensorflow/tfjs and registers a backend named "tensorflow" (the cpu kernels), as the
    // real one does with libtensorflow. Everything else links to the real node_modules.
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'sedna-tfjs-node-'));
      const root = join(PACKAGE_DIR, '..', '..', 'node_modules');
      await mkdir(join(dir, 'node_modules', '@tensorflow', 'tfjs-node'), { recursive: true });
      for (const entry of await readdir(root)) {
        if (entry === '@tensorflow' || entry.startsWith('.')) continue;
        await symlink(join(root, entry), join(dir, 'node_modules', entry));
      }
      for (const entry of await readdir(join(root, '@tensorflow'))) await symlink(join(root, '@tensorflow', entry), join(dir, 'node_modules', '@tensorflow', entry));
      await writeFile(join(dir, 'node_modules', '@tensorflow', 'tfjs-node', 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0', main: 'index.js' }));
      await writeFile(
        join(dir, 'node_modules', '@tensorflow', 'tfjs-node', 'index.js'),
        [
          "const tf = require('@tensorflow/tfjs');",
          "const { MathBackendCPU } = require('@tensorflow/tfjs-backend-cpu');",
          "for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: 'tensorflow' });",
          "tf.registerBackend('tensorflow', () => new MathBackendCPU(), 3);",
          'module.exports = tf;',
        ].join('\n'),
      );
      await cp(join(PACKAGE_DIR, 'src'), join(dir, 'pkg', 'src'), { recursive: true });
      await cp(join(PACKAGE_DIR, 'test', 'tfjs', 'scripts', 'initTfjs.ts'), join(dir, 'pkg', 'test', 'tfjs', 'scripts', 'initTfjs.ts'));
      await writeFile(join(dir, 'pkg', 'package.json'), JSON.stringify({ name: 'copy', type: 'module' }));
    });

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('loads it dynamically and uses the tensorflow backend without our kernels', async () => {
      const { result } = await runChild<Summary>(join(dir, 'pkg', SCRIPT), ['default'], { SEDNA_TFJS_BACKEND: '' });
      expect(result).toMatchObject({ backend: 'tensorflow', activeBackend: 'tensorflow', kernels: [], wasmKernelsRegistered: [], selfTest: { skipped: true, passed: true }, lossIsFinite: true });
    }, 60_000);
  });
});
