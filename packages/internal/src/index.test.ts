import * as api from './index.js';

test('the public export list is pinned', () => {
  expect(Object.keys(api).sort()).toEqual([
    'PRIVATE_DIR_MODE',
    'PRIVATE_FILE_MODE',
    'PrivateFilesError',
    'ensurePrivateDirSync',
    'formatMode',
    'logPrivateFileChanges',
    'tightenPrivateFilesSync',
  ]);
});
