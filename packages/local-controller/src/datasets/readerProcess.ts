/**
 * The dataset reader process (`dist/datasetReader.js`): the LC forks it (readerPool.ts) and sends it the
 * reads of dataset indexes, with the per-line checks of their sample files. It opens and reads those
 * files, so that a read that never returns (a hung network mount) blocks a thread of this process, never
 * one of the LC's: the LC ends it with SIGKILL after a deadline.
 *
 * Messages: the LC sends `{id, request}`; this process answers `{id, step}` before each part of the read
 * that may block (what a timeout then names), and `{id, result}` or `{id, error}` at the end.
 */
import { openChecked } from './dataRoots.js';
import { readIndex } from './indexReader.js';
import { type ReaderMessage, type ReaderReply } from './readerProtocol.js';

function send(reply: ReaderReply): void {
  process.send?.(reply);
}

process.on('message', (message: ReaderMessage) => {
  const { id, request } = message;
  void readIndex(request.path, request.format, request.cursor, {
    open: (path) => openChecked(request.roots, path, request.subject, request.ownCopy),
    ...(request.checks ? { checks: request.checks } : {}),
    ...(request.maxBytes !== undefined ? { maxBytes: request.maxBytes } : {}),
    onStep: (step) => send({ id, step }),
  }).then(
    (result) => send({ id, result }),
    (error: unknown) => send({ id, error: (error as Error)?.message ?? String(error) }),
  );
});

send({ ready: true });

// The LC went away (it ended, or was killed): go too. Not process.exit: with a thread stuck in a read,
// exiting waits for that thread, for ever.
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
