import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

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
    return lines.slice(-maxLines).join('\n');
  } finally {
    closeSync(fd);
  }
}
