import { defineConfig } from 'tsup';

export default defineConfig({
  // bin.ts is the `sedna-dashboard` executable of the image (bin/sedna-dashboard.js loads dist/bin.js).
  entry: ['src/index.ts', 'src/bin.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: ['src/index.ts'] },
  // vite build writes dist/public first: tsup must not clean it away.
  clean: false,
  shims: true,
  sourcemap: true,
  target: 'node20',
  noExternal: ['@sedna-ts/internal'],
});
