import { isInside, safeRelativePath } from './safePath.js';
import { joinSource, parseSourceUri, sourceBaseName } from './sourceUri.js';

test.each([
  ['s3://datasets/helmet/images', { kind: 's3', bucket: 'datasets', key: 'helmet/images', text: 's3://datasets/helmet/images' }],
  ['obs://datasets/a b/%20.txt', { kind: 's3', bucket: 'datasets', key: 'a b/%20.txt', text: 's3://datasets/a b/%20.txt' }],
  ['S3://bucket', { kind: 's3', bucket: 'bucket', key: '', text: 's3://bucket/' }],
  ['/data/helmet/../model.pb', { kind: 'local', path: '/data/model.pb', text: '/data/helmet/../model.pb' }],
  ['file:///data/my%20model.pb', { kind: 'local', path: '/data/my model.pb', text: 'file:///data/my%20model.pb' }],
])('parseSourceUri(%j)', (value, expected) => {
  expect(parseSourceUri(value)).toEqual(expected);
});

test('http sources keep the URL; unsupported ones are refused naming the value', () => {
  const http = parseSourceUri('https://host:8443/models/model%201.pb?x=1');
  expect(http).toMatchObject({ kind: 'http', text: 'https://host:8443/models/model%201.pb?x=1' });
  expect(sourceBaseName(http)).toBe('model 1.pb');
  expect(sourceBaseName(parseSourceUri('http://host/models/'))).toBe('');
  expect(() => parseSourceUri('s3:///key')).toThrow('"s3:///key": has no bucket name');
  expect(() => parseSourceUri('file://other-host/x')).toThrow('names host "other-host": file URLs must be local');
  expect(() => parseSourceUri('model.pb')).toThrow('is neither a URL (s3://, obs://, http://, https://, file://) nor an absolute path');
});

test('index lines join the base with one slash, as the original', () => {
  expect(joinSource('s3://datasets/helmet/', 'images/1.jpg')).toBe('s3://datasets/helmet/images/1.jpg');
  expect(joinSource('/data/helmet', '/images/1.jpg')).toBe('/data/helmet/images/1.jpg');
});

test.each([
  ['a/b/c.jpg', 'a/b/c.jpg'],
  ['a//b/./c.jpg', 'a/b/c.jpg'],
  ['a/../b.jpg', 'b.jpg'],
  ['', ''],
  ['..x/y', '..x/y'],
  ['../b.jpg', undefined],
  ['a/../../b.jpg', undefined],
  ['/etc/passwd', undefined],
])('safeRelativePath(%j) is %j', (name, expected) => {
  expect(safeRelativePath(name)).toBe(expected);
});

test('isInside compares resolved paths at segment boundaries', () => {
  expect(isInside('/d', '/d')).toBe(true);
  expect(isInside('/d', '/d/..x')).toBe(true);
  expect(isInside('/d', '/d2/x')).toBe(false);
  expect(isInside('/d', '/d/../e')).toBe(false);
});
