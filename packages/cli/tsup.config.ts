import { defineConfig } from 'tsup';

export default defineConfig({
  // bin.ts is the `sedna` executable (package.json "bin": dist/bin.js, which keeps its #! line).
  entry: ['src/index.ts', 'src/bin.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  target: 'node20',
});
