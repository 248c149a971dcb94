#!/usr/bin/env node
// `sedna-lc`: the Local Controller as a process of its own (see main.ts).
import { runLocalController } from './main.js';

void runLocalController().then((code) => {
  process.exitCode = code;
  // Stopped: the process ends once nothing is left to do. Something that never finishes (a file call
  // stuck on a hung mount) would keep it for ever; a second signal ends it, and so does this, later.
  setTimeout(() => {
    console.error('sedna-lc: stopped, but something still runs (a file call that does not return?); exiting');
    process.kill(process.pid, 'SIGKILL');
  }, 10_000).unref();
});
