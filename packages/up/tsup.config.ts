import { defineConfig } from 'tsup';

export default defineConfig({
  // nodeAgentThread.ts and apiServerThread.ts are worker threads of `sedna up` (threads.ts starts them
  // from beside the bundle, so they are named entries at the top of dist).
  entry: { index: 'src/index.ts', nodeAgentThread: 'src/nodeAgentThread.ts', apiServerThread: 'src/apiServerThread.ts' },
  // import.meta.url in the CommonJS build (threads.ts finds the .cjs thread scripts beside itself).
  shims: true,
  format: ['esm', 'cjs'],
  // A private workspace package (a devDependency): its code goes into dist, so users install nothing more.
  noExternal: ['@sedna-ts/internal'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  target: 'node20',
});
