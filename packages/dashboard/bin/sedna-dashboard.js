#!/usr/bin/env node
// The `sedna-dashboard` executable as npm links it: a committed launcher for the built dist/bin.js, so the
// link exists right after `npm install`, before the first build.
import('../dist/bin.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/bin.js')) {
    process.stderr.write('sedna-dashboard: not built yet: run `npx nx run @sedna-ts/dashboard:build` first\n');
    process.exit(1);
  }
  throw error;
});
