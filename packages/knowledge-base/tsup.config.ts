import { defineConfig } from 'tsup';

export default defineConfig({
  // bin.ts is the `sedna-kb` executable (package.json "bin" points at bin/sedna-kb.js, which loads
  // dist/bin.js).
  entry: ['src/index.ts', 'src/bin.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: ['src/index.ts'] },
  clean: true,
  sourcemap: true,
  target: 'node20',
  // A private workspace package (a devDependency): its code goes into dist, so users install nothing more.
  noExternal: ['@sedna-ts/internal'],
});
