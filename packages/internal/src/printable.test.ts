import { expect, test } from '@jest/globals';
import { printable } from './printable.js';

test('printable: terminal escapes and other control characters shown as \\xNN, newlines and tabs kept', () => {
  expect(printable('\x1b[2J\x1b]0;title\x07ok\tx\ny\r\0\x9b')).toBe('\\x1b[2J\\x1b]0;title\\x07ok\tx\ny\\x0d\\x00\\x9b');
});
