import { defineConfig } from 'tsup';

export default defineConfig({
  // bin.ts is the `sedna-gm` executable (package.json "bin" points at bin/sedna-gm.js, which loads dist/bin.js).
  entry: ['src/index.ts', 'src/bin.ts'],
  format: ['esm', 'cjs'],
  // The types of @sedna-ts/internal that the public API names (logger interfaces, writeFileAtomic) are
  // inlined into the .d.ts too: users never resolve the private package.
  dts: { entry: 'src/index.ts', resolve: ['@sedna-ts/internal'] },
  clean: true,
  sourcemap: true,
  target: 'node20',
  // The storage initializer's contract (its image, paths and args) is bundled: the GM does not install
  // the initializer itself (nor its S3 client). @sedna-ts/internal is a private workspace package (a
  // devDependency): its code goes into dist, so users install nothing more.
  noExternal: ['@sedna-ts/storage-initializer', '@sedna-ts/internal'],
});
