import { defineConfig } from 'tsup';

export default defineConfig({
  // `logger` (createLogger.ts) is an entry of its own: only the packages that log with pino load it;
  // `metrics` likewise: only the ones that serve or read Prometheus metrics.
  entry: { index: 'src/index.ts', logger: 'src/createLogger.ts', metrics: 'src/metrics.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
