import { keepAtEnd } from '../src/demoSupport.js';

test('the demo leaves sedna up running at its end on a terminal, exits elsewhere, and --keep / --no-keep decide (the last one given)', () => {
  expect(keepAtEnd([], true)).toBe(true);
  expect(keepAtEnd([], false)).toBe(false);
  expect(keepAtEnd(['--rounds', '1', '--keep'], false)).toBe(true);
  expect(keepAtEnd(['--no-keep'], true)).toBe(false);
  expect(keepAtEnd(['--keep', '--no-keep'], false)).toBe(false);
});
