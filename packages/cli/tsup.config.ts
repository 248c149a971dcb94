import { defineConfig } from 'tsup';

export default defineConfig({
  // bin.ts is the `sedna` executable (package.json "bin" points at bin/sedna.js, which loads dist/bin.js).
  // agentThread.ts is the node agent's worker thread under `sedna up` (nodeAgentThread.ts starts it).
  entry: ['src/index.ts', 'src/bin.ts', 'src/agentThread.ts'],
  // import.meta.url in the CommonJS build (nodeAgentThread.ts finds agentThread.cjs beside itself).
  shims: true,
  format: ['esm', 'cjs'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  target: 'node20',
});
