import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The front end (web/) is bundled at build time into dist/public, which the server serves: no CDN at
// run time (edge sites are offline).
export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  base: '/',
  build: { outDir: fileURLToPath(new URL('./dist/public', import.meta.url)), emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1024 },
});
