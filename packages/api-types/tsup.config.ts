import { defineConfig } from 'tsup';

export default defineConfig({
  // contract.ts (`/contract`, no Node built-ins: browsers import it) and tokens.ts (`/tokens`, node:crypto) are subpaths.
  entry: ['src/index.ts', 'src/contract.ts', 'src/tokens.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
