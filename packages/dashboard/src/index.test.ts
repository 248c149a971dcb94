import * as dashboard from './index.js';

test('the public surface of @sedna-ts/dashboard', () => {
  expect(Object.keys(dashboard).sort()).toEqual(['SESSION_COOKIE', 'startDashboard']);
});
