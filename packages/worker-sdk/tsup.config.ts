import { defineConfig } from 'tsup';

export default defineConfig({
  // Subpath entries keep the heavy runtimes out of the main entry: a worker that only reports to its LC
  // loads neither onnxruntime nor tfjs.
  entry: { index: 'src/index.ts', onnx: 'src/onnx/index.ts', tfjs: 'src/tfjs/index.ts' },
  format: ['esm', 'cjs'],
  // The types of @sedna-ts/internal that the public API names (logger interfaces, writeFileAtomic) are
  // inlined into the .d.ts too: users never resolve the private package.
  dts: { resolve: ['@sedna-ts/internal'] },
  clean: true,
  sourcemap: true,
  target: 'node20',
  // import.meta.url in the CommonJS build too (src/lazyRequire.ts; optionalPeers.ts requires onnxruntime-node beside itself).
  shims: true,
  // tfjs and its wasm backend must stay external so the .wasm files resolve from node_modules.
  external: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-core', '@tensorflow/tfjs-node', 'onnxruntime-node', 'sharp'],
  // A private workspace package (a devDependency): its code goes into dist, so users install nothing more.
  noExternal: ['@sedna-ts/internal'],
});
