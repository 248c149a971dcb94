#!/usr/bin/env node
// The `sedna-gm` executable: the standalone Global Manager.
import { main } from './main.js';

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
