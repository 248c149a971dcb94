/**
 * `text` safe for a terminal and for a status that ends up on one: control characters other than
 * newline and tab (terminal escapes, NUL, CR, C1 codes) shown as `\xNN`, so printing it cannot retitle
 * or clear the reader's screen.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
