import { defineConfig } from 'tsup';

export default defineConfig({
  // bin.ts is the `sedna-storage-initializer` executable (package.json "bin" points at
  // bin/sedna-storage-initializer.js, which loads dist/bin.js); contract.ts is the dependency-free
  // subpath the GM and the node agent import.
  entry: ['src/index.ts', 'src/contract.ts', 'src/bin.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: ['src/index.ts', 'src/contract.ts'] },
  clean: true,
  sourcemap: true,
  target: 'node20',
  // storageInitializerCommand() finds the launcher from import.meta.url, in the CJS build too.
  shims: true,
  // A private workspace package (a devDependency): its code goes into dist, so users install nothing more
  // (contract.ts does not import it: the contract subpath stays dependency-free).
  noExternal: ['@sedna-ts/internal'],
});
