import { defineConfig } from 'tsup';

export default defineConfig({
  // bin.ts is the `sedna` executable (package.json "bin" points at bin/sedna.js, which loads dist/bin.js).
  // up/nodeAgentThread.ts and up/apiServerThread.ts are worker threads of `sedna up` (up/threads.ts starts
  // them from beside the bundle, so they are named entries at the top of dist).
  entry: { index: 'src/index.ts', bin: 'src/bin.ts', nodeAgentThread: 'src/up/nodeAgentThread.ts', apiServerThread: 'src/up/apiServerThread.ts' },
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
