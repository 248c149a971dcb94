/**
 * Cuts of a string to a number of UTF-8 bytes that never split a character: what a byte bound on a
 * message (a container's termination message, a condition message) is measured on is the string as it
 * is written, after every replacement and escape.
 */

/** Whether `byte` continues a multi-byte UTF-8 character (10xxxxxx). */
function continuation(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}

/**
 * The longest end of `text` whose UTF-8 form is at most `maxBytes` bytes, starting at a character.
 *
 * @example
 * utf8Tail('aéb', 3); // 'éb' (é is 2 bytes)
 */
export function utf8Tail(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let start = bytes.length - Math.max(0, maxBytes);
  while (start < bytes.length && continuation(bytes[start])) start++;
  return bytes.subarray(start).toString('utf8');
}

/**
 * The longest start of `text` whose UTF-8 form is at most `maxBytes` bytes, ending at a character.
 *
 * @example
 * utf8Head('aéb', 2); // 'a'
 */
export function utf8Head(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes);
  while (end > 0 && continuation(bytes[end])) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/** The longest line of a log kept in a message: a longer one is cut (see `capLines`). */
export const MESSAGE_LINE_BYTES = 512;

/**
 * `text` with each line longer than `maxBytes` bytes of UTF-8 cut to its start and `… (N bytes cut)`,
 * the whole line then at most `maxBytes` bytes: one huge line of a worker's log (a 36 KB stack of
 * tfjs-wasm) must not fill a condition's message and push the other lines out. The cut never splits a
 * character nor a `\xNN` escape (`printable`'s). Lines within the bound, and lines already cut, stay.
 *
 * @example
 * capLines('x'.repeat(1000), 512); // 'xxx…x … (506 bytes cut)', 512 bytes
 */
export function capLines(text: string, maxBytes = MESSAGE_LINE_BYTES): string {
  return text
    .split('\n')
    .map((line) => {
      const size = Buffer.byteLength(line, 'utf8');
      if (size <= maxBytes) return line;
      // Room for the note with the whole line's size in it: the number of bytes cut has no more digits.
      const kept = utf8Head(line, Math.max(0, maxBytes - Buffer.byteLength(` … (${size} bytes cut)`, 'utf8'))).replace(/\\(x[0-9a-f]?)?$/, '');
      return `${kept} … (${size - Buffer.byteLength(kept, 'utf8')} bytes cut)`;
    })
    .join('\n');
}
