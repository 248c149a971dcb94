import * as api from './index.js';

test('the public export list is pinned', () => {
  expect(Object.keys(api).sort()).toEqual([
    'PrivateFilesError',
    'ensurePrivateDirSync',
    'logPrivateFileChanges',
    'tightenPrivateFilesSync',
  ]);
});
