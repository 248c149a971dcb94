import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'server-main': 'src/apiserver/serverMain.ts', 'node-agent-main': 'src/agent/agentMain.ts' },
  format: ['esm', 'cjs'],
  // A private workspace package (a devDependency): its code goes into dist, so users install nothing more.
  noExternal: ['@sedna-ts/internal'],
  // The types of @sedna-ts/internal that the public API names (logger interfaces, writeFileAtomic) are
  // inlined into the .d.ts too: users never resolve the private package.
  dts: { entry: { index: 'src/index.ts' }, resolve: ['@sedna-ts/internal'] },
  clean: true,
  sourcemap: true,
  target: 'node20',
});
