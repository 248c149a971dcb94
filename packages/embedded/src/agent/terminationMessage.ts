import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { capLines, printable, redactTokens, utf8Tail } from '@sedna-ts/internal';

/** The kubelet's bounds of a message taken from the log (FallbackToLogsOnError): 80 lines, 2048 bytes. */
export const TERMINATION_LOG_LINES = 80;
export const TERMINATION_LOG_BYTES = 2048;

/**
 * The end of a container's log, as the kubelet fills `terminated.message` under
 * `terminationMessagePolicy: FallbackToLogsOnError`: the last `maxLines` lines, without the trailing
 * newline, cleaned (`cleanLogText`), each line cut to 512 bytes (`capLines`: `… (N bytes cut)`), and
 * then cut to its last `maxBytes` bytes of UTF-8 at a character
 * boundary. The bound is measured on the message as written: invalid UTF-8 in the log becomes U+FFFD (3
 * bytes) and a control character `\xNN` (4), so the cut comes after both. Empty when the log is missing
 * or empty.
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
    // Read more than the bound: cleaning can grow or shrink the text, and a token cut by the read's
    // start is then in the part the final cut drops, never shown half redacted.
    const length = Math.min(size, maxBytes * 4);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    let text = buffer.toString('utf8');
    // A multi-byte character cut at the start decodes as U+FFFD: drop it.
    if (length < size) text = text.replace(/^\uFFFD+/, '');
    const lines = text.replace(/\n+$/, '').split('\n');
    // One huge line (a 36 KB stack) is cut to 512 bytes, so the other lines still fit.
    return cleanTail(capLines(cleanLogText(lines.slice(-maxLines).join('\n'))), maxBytes);
  } finally {
    closeSync(fd);
  }
}

/**
 * The last `maxBytes` bytes of a cleaned text, cut at a character and never inside the `\xNN` that
 * stands for one.
 */
function cleanTail(text: string, maxBytes: number): string {
  const tail = utf8Tail(text, maxBytes);
  const before = /\\(x[0-9a-f]?)?$/.exec(text.slice(0, text.length - tail.length))?.[0];
  if (before && /^\\x[0-9a-f]{2}/.test(before + tail)) return tail.slice(4 - before.length);
  return tail;
}

/**
 * What a log tail may not carry into a pod's status, and from there into job conditions, `sedna
 * describe` and a terminal: control characters (a worker's terminal escapes would retitle or clear the
 * screen of whoever reads the status) are shown as `\xNN`; the tokens a worker printed (`redactTokens`:
 * `sw1.…`, 64 hex digits, bearer tokens) are replaced by `<redacted>` (more people can read a job than
 * its Secrets). Newlines and tabs stay.
 */
export function cleanLogText(text: string): string {
  return printable(redactTokens(text));
}
