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
