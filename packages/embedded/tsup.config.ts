import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'server-main': 'src/apiserver/serverMain.ts' },
  format: ['esm', 'cjs'],
  // A private workspace package (a devDependency): its code goes into dist, so users install nothing more.
  noExternal: ['@sedna-ts/internal'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: true,
  target: 'node20',
});
