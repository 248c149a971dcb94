import { defineConfig } from 'tsup';

export default defineConfig({
  // bin.ts is the `sedna-gm` executable (package.json "bin" points at bin/sedna-gm.js, which loads dist/bin.js).
  entry: ['src/index.ts', 'src/bin.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  target: 'node20',
});
