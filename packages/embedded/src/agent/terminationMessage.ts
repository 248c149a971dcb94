import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { printable } from '@sedna-ts/internal';

/** The kubelet's bounds of a message taken from the log (FallbackToLogsOnError): 80 lines, 2048 bytes. */
export const TERMINATION_LOG_LINES = 80;
export const TERMINATION_LOG_BYTES = 2048;

/**
 * The end of a container's log, as the kubelet fills `terminated.message` under
 * `terminationMessagePolicy: FallbackToLogsOnError`: the last `maxLines` lines, cut to the last
 * `maxBytes` bytes, without the trailing newline. Empty when the log is missing or empty.
 */
export function logTail(file: string, maxLines = TERMINATION_LOG_LINES, maxBytes = TERMINATION_LOG_BYTES): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    let text = buffer.toString('utf8');
    // A multi-byte character cut at the start decodes as U+FFFD: drop it.
    if (length < size) text = text.replace(/^\uFFFD+/, '');
    const lines = text.replace(/\n+$/, '').split('\n');
    return cleanLogText(lines.slice(-maxLines).join('\n'));
  } finally {
    closeSync(fd);
  }
}

/**
 * What a log tail may not carry into a pod's status, and from there into job conditions, `sedna
 * describe` and a terminal: control characters (a worker's terminal escapes would retitle or clear the
 * screen of whoever reads the status) are shown as `\xNN`; worker tokens (`sw1.…`) and bearer tokens a
 * worker printed are replaced by `<redacted>` (more people can read a job than its Secrets). Newlines and
 * tabs stay.
 */
export function cleanLogText(text: string): string {
  return printable(text.replace(/\bsw1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, 'sw1.<redacted>').replace(/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, '$1<redacted>'));
}
