import { utf8Head, utf8Tail } from './utf8.js';

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
