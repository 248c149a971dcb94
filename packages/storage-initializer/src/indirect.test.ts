import { parseIndexFile } from './indirect.js';

test('comments and blank lines are skipped, the first line is the base, duplicates are dropped', () => {
  expect(parseIndexFile('# made by the LC\n\n  s3://datasets/helmet/  \r\nimages/1.jpg\r\n#images/2.jpg\nimages/3.jpg\nimages/1.jpg\n')).toEqual({
    baseUri: 's3://datasets/helmet/',
    files: ['images/1.jpg', 'images/3.jpg'],
  });
  expect(parseIndexFile('s3://datasets/empty\n')).toEqual({ baseUri: 's3://datasets/empty', files: [] });
});

test('an index without a base line is INVALID_INDEX naming the file', () => {
  expect(() => parseIndexFile('# only comments\n\n', '/data/i.txt')).toThrow('/data/i.txt: read index: no base URI line (the file has only blank and # lines)');
});
