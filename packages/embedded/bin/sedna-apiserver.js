#!/usr/bin/env node
// The `sedna-apiserver` executable as npm links it: a committed launcher for the built dist/server-main.js, so the
// link exists right after `npm install`, before the first build.
import('../dist/server-main.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/server-main.js')) {
    process.stderr.write('sedna-apiserver: not built yet: run `npx nx run @sedna-ts/embedded:build` first\n');
    process.exit(1);
  }
  throw error;
});
