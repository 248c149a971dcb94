import { expect, test } from '@jest/globals';
import { compileJsonPath } from './jsonpath.js';

const obj = {
  metadata: { name: 'x', labels: { 'app.kubernetes.io/name': 'web' } },
  status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Train', status: 'False', stage: 'Eval' }], round: 3 },
};

test.each([
  ['.metadata.name', ['x']],
  ['{.metadata.name}', ['x']],
  ['.status.conditions[-1].stage', ['Eval']],
  ['.status.conditions[0].type', ['Ready']],
  ['.status.conditions[*].type', ['Ready', 'Train']],
  ['.status.conditions[?(@.type=="Ready")].status', ['True']],
  ['.status.conditions[?(@.status!="True")].type', ['Train']],
  ['.status.conditions[?(@.stage)].type', ['Train']],
  [".metadata.labels['app.kubernetes.io/name']", ['web']],
  ['.status.round', [3]],
  ['.status.missing', []],
  ['.status.conditions[5].type', []],
])('%s selects %j', (path, expected) => {
  expect(compileJsonPath(path).evaluate(obj)).toEqual(expected);
});

test('unsupported paths are rejected with the path named', () => {
  expect(() => compileJsonPath('..name')).toThrow(/"\.\.name".*recursive/);
  expect(() => compileJsonPath('.a[1:2]')).toThrow(/unsupported subscript/);
});
