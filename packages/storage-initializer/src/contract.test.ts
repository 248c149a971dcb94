import { existsSync } from 'node:fs';
import { formatInitializerArgs, parseInitializerArgs, storageInitializerCommand, type DownloadPair } from './contract.js';

const pairs: DownloadPair[] = [
  { source: 's3://models/helmet/model.onnx', destination: '/downloads/models/helmet', indirect: false },
  { source: '/home/data/helmet/dataIndex.txt', destination: '/downloads/datasets/helmet', indirect: true },
];

test('args are the flat original list, an indirect destination prefixed with the mark', () => {
  expect(formatInitializerArgs(pairs)).toEqual([
    's3://models/helmet/model.onnx',
    '/downloads/models/helmet',
    '/home/data/helmet/dataIndex.txt',
    '@/downloads/datasets/helmet',
  ]);
  expect(parseInitializerArgs(formatInitializerArgs(pairs))).toEqual(pairs);
  expect(parseInitializerArgs(formatInitializerArgs(pairs, '%%'), '%%')).toEqual(pairs);
});

test('wrong argument lists are USAGE errors saying what is wrong', () => {
  expect(() => parseInitializerArgs([])).toThrow('no arguments: expected SRC DST [SRC DST ...]');
  expect(() => parseInitializerArgs(['s3://a/b'])).toThrow('1 argument: expected pairs SRC DST [SRC DST ...]; the last source "s3://a/b" has no destination');
  expect(() => parseInitializerArgs(['', '/x'])).toThrow('argument 1: the source is empty');
  expect(() => parseInitializerArgs(['s3://a/b', '@'])).toThrow('argument 2: the destination of "s3://a/b" is empty');
  try {
    parseInitializerArgs([]);
  } catch (error) {
    expect(error).toMatchObject({ code: 'USAGE', step: 'arguments' });
  }
});

test('the command runs the committed launcher with this Node', () => {
  const [node, launcher] = storageInitializerCommand();
  expect(node).toBe(process.execPath);
  expect(launcher).toMatch(/storage-initializer\/bin\/sedna-storage-initializer\.js$/);
  expect(existsSync(launcher)).toBe(true);
});
