import * as up from './index.js';

test('the public runtime surface is exactly this list', () => {
  expect(Object.keys(up).sort()).toEqual(['startSedna']);
});
