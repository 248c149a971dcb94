#!/usr/bin/env node
// The `sedna-node-agent` executable as npm links it: a committed launcher for the built dist/node-agent-main.js, so the
// link exists right after `npm install`, before the first build.
import('../dist/node-agent-main.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/node-agent-main.js')) {
    process.stderr.write('sedna-node-agent: not built yet: run `npx nx run @sedna-ts/embedded:build` first\n');
    process.exit(1);
  }
  throw error;
});
