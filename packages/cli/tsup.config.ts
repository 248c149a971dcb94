import { defineConfig } from 'tsup';

export default defineConfig({
  // bin.ts is the `sedna` executable (package.json "bin" points at bin/sedna.js, which loads dist/bin.js).
  // `sedna up`'s parts are @sedna-ts/up, loaded by name at run time (upPackage.ts), never bundled here.
  entry: { index: 'src/index.ts', bin: 'src/bin.ts' },
  // import.meta.url in the CommonJS build (up/upState.ts finds the executable beside itself).
  shims: true,
  format: ['esm', 'cjs'],
  // A private workspace package (a devDependency): its code goes into dist, so users install nothing more.
  noExternal: ['@sedna-ts/internal'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  target: 'node20',
});
