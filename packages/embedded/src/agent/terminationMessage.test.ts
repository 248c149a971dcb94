import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { logTail } from './terminationMessage.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sedna-tail-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function log(name: string, text: string | Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

test('the last 80 lines, without the trailing newline', () => {
  const file = log('lines.log', Array.from({ length: 120 }, (_, i) => `line ${i + 1}`).join('\n') + '\n\n');
  const tail = logTail(file).split('\n');
  expect(tail).toHaveLength(80);
  expect([tail[0], tail.at(-1)]).toEqual(['line 41', 'line 120']);
});

test('at most 2048 bytes, a multi-byte character cut at the start dropped', () => {
  const file = log('long.log', `${Array.from({ length: 12 }, () => 'é'.repeat(250)).join('\n')}\nend\n`);
  const tail = logTail(file);
  expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(2048);
  expect(tail).toMatch(/^[é\n]+\nend$/);
});

test('a missing or empty log gives an empty message', () => {
  expect(logTail(path.join(dir, 'absent.log'))).toBe('');
  expect(logTail(log('empty.log', ''))).toBe('');
});

test('terminal escapes and other control characters are shown as \\xNN; worker and bearer tokens are redacted', () => {
  const token = 'sw1.eyJucyI6ImRlZmF1bHQifQ.Abc_def-123';
  const file = log('hostile.log', `\x1b[31mRED\x1b[0m \x1b]0;evil title\x07 \x1b[2J\r\0done\ttab\ntoken: ${token}\nAuthorization: Bearer abcdefghijklmnop\n`);
  const tail = logTail(file);
  expect(tail).toBe('\\x1b[31mRED\\x1b[0m \\x1b]0;evil title\\x07 \\x1b[2J\\x0d\\x00done\ttab\ntoken: sw1.<redacted>\nAuthorization: Bearer <redacted>');
  expect(tail).not.toContain(token);
  expect(tail).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/);
});

test('the 2048 bytes are those of the message as written: invalid UTF-8 (U+FFFD, 3 bytes each) and escapes (\\xNN, 4) do not push it over, and no character is cut', () => {
  // 3000 lone continuation bytes: each one decodes as U+FFFD, three times its size.
  const lines = Array.from({ length: 30 }, () => Buffer.concat([Buffer.alloc(100, 0x80), Buffer.from('\n')]));
  const invalid = log('invalid.log', Buffer.concat([Buffer.from('start\n'), ...lines, Buffer.from('end\n')]));
  const tail = logTail(invalid);
  expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(2048);
  expect(Buffer.byteLength(tail)).toBeGreaterThan(2040);
  expect(tail).toMatch(/^[\uFFFD\n]+\nend$/);
  // Control characters grow fourfold when escaped.
  const escapes = log('escapes.log', `${Array.from({ length: 15 }, () => '\x07'.repeat(100)).join('\n')}\nlast line\n`);
  const escaped = logTail(escapes);
  expect(Buffer.byteLength(escaped)).toBeLessThanOrEqual(2048);
  expect(escaped).toMatch(/^((\\x07)*\n)+last line$/);
  // A smaller bound (what a substitution note leaves) is kept too, at a character boundary.
  for (const max of [100, 101, 102]) {
    const cut = logTail(log('euro.log', `${'€'.repeat(150)}\n`), 80, max);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(max);
    expect(cut.replaceAll('€', '')).toBe('');
  }
});

test('a worker token across where the last 2048 bytes start is redacted, not shown cut', () => {
  const token = `sw1.${'a'.repeat(200)}.${'b'.repeat(43)}`;
  const filler = Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(90, 'x')).join('\n');
  const tail = logTail(log('token.log', `token: ${token}\n${filler}\n`));
  expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(2048);
  expect(tail).not.toMatch(/a{8}|b{8}/);
});

test('a token glued to a word and a 64-hex node token are redacted too', () => {
  const node = 'c4'.repeat(32);
  const tail = logTail(log('glued.log', `x_sw1.eyJucyI6ImEifQ.mac-1\nabcsw1.eyJucyI6ImEifQ.mac-2\nSEDNA_NODE_TOKEN=${node}\n`));
  expect(tail).toBe('x_sw1.<redacted>\nabcsw1.<redacted>\nSEDNA_NODE_TOKEN=<redacted>');
});

test("one huge line (tfjs-wasm's 36 KB stack) is cut to 512 bytes, saying how much went, and the lines after it are kept", () => {
  const tail = logTail(log('huge.log', `start\n${'at wasm-function[123]:0x4567 '.repeat(1300)}\nError: out of memory\nexit\n`));
  const lines = tail.split('\n');
  expect(lines.slice(-2)).toEqual(['Error: out of memory', 'exit']);
  const huge = lines.find((l) => l.startsWith('at wasm') || l.includes('bytes cut'))!;
  expect(Buffer.byteLength(huge)).toBeLessThanOrEqual(512);
  expect(huge).toMatch(/ … \(\d+ bytes cut\)$/);
});
