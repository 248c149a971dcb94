import { defineConfig } from 'tsup';

export default defineConfig({
  // bin.ts is the `sedna-gm` executable (package.json "bin" points at bin/sedna-gm.js, which loads dist/bin.js).
  entry: ['src/index.ts', 'src/bin.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  target: 'node20',
  // The storage initializer's contract (its image, paths and args) is bundled: the GM does not install
  // the initializer itself (nor its S3 client).
  noExternal: ['@sedna-ts/storage-initializer'],
});
