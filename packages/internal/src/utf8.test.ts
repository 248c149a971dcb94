import { capLines, utf8Head, utf8Tail } from './utf8.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('utf8Tail and utf8Head', () => {
  test('a text within the bound is returned as it is', () => {
    expect(utf8Tail('abc', 3)).toBe('abc');
    expect(utf8Head('abc', 3)).toBe('abc');
  });

  test('never cut inside a character: 2-, 3- and 4-byte characters', () => {
    for (const ch of ['é', '€', '\uFFFD', '😀']) {
      const text = `${ch.repeat(5)}`;
      for (let max = 0; max <= bytes(text); max++) {
        const tail = utf8Tail(text, max);
        const head = utf8Head(text, max);
        expect(bytes(tail)).toBeLessThanOrEqual(max);
        expect(bytes(head)).toBeLessThanOrEqual(max);
        // Whole characters only: no U+FFFD made by a cut (except the one that is there), nothing but ch.
        expect(tail.replaceAll(ch, '')).toBe('');
        expect(head.replaceAll(ch, '')).toBe('');
        expect(tail.length / ch.length).toBe(Math.floor(max / bytes(ch)));
      }
    }
  });

  test('the end and the start are kept', () => {
    expect(utf8Tail('aébc', 3)).toBe('bc');
    expect(utf8Tail('aébc', 4)).toBe('ébc');
    expect(utf8Head('aébc', 2)).toBe('a');
    expect(utf8Head('aébc', 3)).toBe('aé');
  });
});

test('capLines: a line over the bound is cut to it, saying how many bytes went; others stay; a cut never splits an escape', () => {
  const long = 'x'.repeat(36_000);
  const capped = capLines(`first\n${long}\nlast`);
  const [first, middle, last] = capped.split('\n');
  expect([first, last]).toEqual(['first', 'last']);
  expect(Buffer.byteLength(middle!)).toBeLessThanOrEqual(512);
  expect(middle).toMatch(/^x+ … \(\d+ bytes cut\)$/);
  expect(Number(/\((\d+) bytes cut/.exec(middle!)![1]) + middle!.indexOf(' …')).toBe(36_000);
  // Already within the bound: unchanged (so a message capped once is not cut again).
  expect(capLines(capped)).toBe(capped);
  const escapes = capLines('\\x1b'.repeat(200), 100);
  expect(escapes).toMatch(/^(\\x1b)+ … \(\d+ bytes cut\)$/);
  expect(capLines('é'.repeat(400), 100)).toMatch(/^é+ … \(\d+ bytes cut\)$/);
});
