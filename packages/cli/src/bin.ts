#!/usr/bin/env node
// The `sedna` executable.
import { main } from './program.js';

// `sedna crds | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

void main(process.argv.slice(2)).then(async (code) => {
  process.exitCode = code;
  // The command is done: end now, once the output is written. Left to itself, Node would wait for a
  // connection still opening (a server that accepts TCP but never answers the TLS handshake): undici
  // keeps that socket until its own 10 s connect timeout, even after the request was aborted and its
  // dispatcher destroyed, so `get --request-timeout 500ms` (and each TAB of the completion) took 11 s.
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((resolve) => stream.write('', () => resolve()))));
  process.exit(code);
});
