import { defineConfig } from 'tsup';

export default defineConfig({
  // datasetReader: the dataset reader process the LC forks (src/datasets/readerPool.ts finds it beside itself).
  entry: { index: 'src/index.ts', bin: 'src/bin.ts', datasetReader: 'src/datasets/readerProcess.ts' },
  // import.meta.url in the CommonJS build (readerPool.ts finds the .cjs reader beside itself).
  shims: true,
  format: ['esm', 'cjs'],
  // A private workspace package (a devDependency): its code goes into dist, so users install nothing more.
  noExternal: ['@sedna-ts/internal'],
  // The types of @sedna-ts/internal that the public API names (logger interfaces, writeFileAtomic) are
  // inlined into the .d.ts too: users never resolve the private package.
  dts: { entry: 'src/index.ts', resolve: ['@sedna-ts/internal'] },
  clean: true,
  sourcemap: true,
  target: 'node20',
});
