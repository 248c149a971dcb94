import { GROUP } from './index.js';

test('group', () => {
  expect(GROUP).toBe('sedna.io');
});
