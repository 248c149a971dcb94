import { SignInLimit } from './signInLimit.js';

test('an address waits after too many failed sign-ins, until the oldest leaves the window; others do not', () => {
  let now = 1_000_000;
  const limit = new SignInLimit({ max: 3, windowMs: 60_000, now: () => now });
  for (let i = 0; i < 3; i++) {
    expect(limit.wait('10.0.0.1')).toBe(0);
    limit.failed('10.0.0.1');
    now += 1000;
  }
  // Failures at 0 s, 1 s and 2 s; now 3 s: the first leaves the window at 60 s.
  expect(limit.wait('10.0.0.1')).toBe(57);
  expect(limit.wait('10.0.0.2')).toBe(0);
  now += 57_000;
  expect(limit.wait('10.0.0.1')).toBe(0);
});

test('at most maxAddresses are remembered, the one unseen the longest forgotten first', () => {
  const limit = new SignInLimit({ max: 1, maxAddresses: 2, now: () => 5 });
  limit.failed('a');
  limit.failed('b');
  limit.failed('c');
  expect([limit.wait('a'), limit.wait('b'), limit.wait('c')].map((w) => w > 0)).toEqual([false, true, true]);
});
