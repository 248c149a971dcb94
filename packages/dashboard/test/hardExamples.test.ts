// The labelling page's box moves and the log panel's text: a box dragged past the image's edge stops
// there (dragged off the image it was clamped to nothing and dropped without a word); ANSI escapes of a
// worker's log are removed (they showed raw).
import { boxLike, moveInside, normalizeBox, servedBy } from '../web/src/hardExamples.js';
import { stripAnsi } from '../web/src/jobModel.js';

test('a moved box stays inside the image, whole', () => {
  const box = { x1: 10, y1: 10, x2: 30, y2: 20, cls: 1 };
  expect(moveInside(box, 5, 5, 100, 50)).toEqual({ x1: 15, y1: 15, x2: 35, y2: 25, cls: 1 });
  // Dragged far past the right and bottom edges, and past the top-left: it stops at the edge, its size kept.
  expect(moveInside(box, 500, 500, 100, 50)).toEqual({ x1: 80, y1: 40, x2: 100, y2: 50, cls: 1 });
  expect(moveInside(box, -500, -500, 100, 50)).toEqual({ x1: 0, y1: 0, x2: 20, y2: 10, cls: 1 });
  const moved = normalizeBox(moveInside(box, 1000, 0, 100, 50), 100, 50);
  expect([moved.x2 - moved.x1, moved.y2 - moved.y1]).toEqual([20, 10]);
  // Corners given the other way round are moved as the same box.
  expect(moveInside({ x1: 30, y1: 20, x2: 10, y2: 10, cls: 0 }, 500, 0, 100, 50)).toEqual({ x1: 80, y1: 10, x2: 100, y2: 20, cls: 0 });
});

test('ANSI escapes are removed from log text', () => {
  expect(stripAnsi('\u001b[31mError\u001b[0m: bad \u001b[1;33mvalue\u001b[m')).toBe('Error: bad value');
  expect(stripAnsi('\u001b]0;title\u0007line\u001b[2K\u001b[1Gdone')).toBe('linedone');
  expect(stripAnsi('plain [31m text')).toBe('plain [31m text');
});

test('boxLike: a list of lists is a detector\'s result even when its boxes are not valid; anything else is not', () => {
  expect(boxLike([[-50, -50, 99999, 99999, 2, '<img>']])).toBe(true);
  expect(boxLike([[1, 2, 3, 4, 0.5, 1]])).toBe(true);
  expect(boxLike([[1, 2], 3])).toBe(false);
  expect(boxLike([0.1, 0.9])).toBe(false);
  expect(boxLike([])).toBe(false);
  expect(boxLike({ class: 1 })).toBe(false);
});

test('servedBy: the initial model, a round\'s model, another version, in words', () => {
  expect(servedBy(null)).toBe('the initial model');
  expect(servedBy('initial')).toBe('the initial model');
  expect(servedBy('3')).toBe('served by round 3');
  expect(servedBy('v2-beta')).toBe('model version v2-beta');
});
