#!/usr/bin/env node
// `sedna-lc`: the Local Controller as a process of its own (see main.ts).
import { runLocalController } from './main.js';

void runLocalController().then((code) => {
  process.exitCode = code;
});
