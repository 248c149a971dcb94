import { goNumber, goSprint, JsonPath, relaxedJsonPath } from './jsonpath.js';
import { customColumnsTable, parseOutput, sortBy } from './printers.js';

const list = {
  kind: 'List',
  items: [
    { metadata: { name: 'b', labels: { tier: 'x' } }, spec: { n: 2, url: '/b' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } },
    { metadata: { name: 'a', annotations: { 'sedna.io/trigger': 'train@t' } }, spec: { n: 10, url: '/a' } },
  ],
};

// kubectl's JSONPath semantics; test/kubectlOutput.test.ts compares sedna with kubectl itself on one server.
test.each([
  ['{.items[*].metadata.name}', 'b a'],
  ['{range .items[*]}{.metadata.name}{"\\t"}{.spec.n}{"\\n"}{end}', 'b\t2\na\t10\n'],
  ['{range.items[*]}[{.metadata.labels.tier}]{end}', '[x][]'],
  ['{.items[0].spec}', '{"n":2,"url":"/b"}'],
  ['{.items[-1:].metadata.name}', 'a'],
  ['{.items[0,1].spec.n}', '2 10'],
  ['{.items[0:2:1].spec.url}', '/b /a'],
  ['{.items[?(@.spec.n > 5)].metadata.name}', 'a'],
  ['{.items[?(@.metadata.name=="b")].status.conditions[?(@.type=="Ready")].status}', 'True'],
  ['{.items[?(@.status)].metadata.name}', 'b'],
  ['{..tier}', 'x'],
  ["{.items[*]['metadata.name']}", 'b a'],
  ['{.items[1].metadata.annotations.sedna\\.io/trigger}', 'train@t'],
  ["{.items[1].metadata.annotations['sedna\\.io/trigger']}", 'train@t'],
  ['{$.kind} and {.nope} text', 'List and  text'],
  ['{.items[0].metadata.labels.*}', 'x'],
])('%s prints %j', (template, expected) => {
  expect(new JsonPath(template).print(list)).toBe(expected);
});

test('an index out of range fails, naming it; a template that does not parse is a usage error', () => {
  expect(() => new JsonPath('{.items[5].metadata.name}').print(list)).toThrow('error executing jsonpath "{.items[5].metadata.name}": array index out of bounds: index 5, length 2');
  expect(() => new JsonPath('{.items[*].metadata.name', '-o jsonpath')).toThrow('-o jsonpath "{.items[*].metadata.name": unclosed action');
  expect(() => new JsonPath('{end}')).toThrow('not in range, nothing to end');
  expect(() => new JsonPath('{range .items[*]}{.a}')).toThrow('unclosed range');
  expect(() => new JsonPath('{.items[x]}')).toThrow('invalid array index x');
});

test.each([
  ['{metadata.name}', 'error executing jsonpath "{metadata.name}": unrecognized identifier metadata'],
  ['{.items[ 0 ]}', '"{.items[ 0 ]}": invalid array index  0 '],
  ['{.items[+0]}', 'invalid array index +0'],
  ['{.items[0]["spec"]}', 'invalid array index "spec"'],
  ["{.items[0][ 'spec' ]}", "invalid array index  'spec' "],
  ['{"\\x"}', 'unquote string "\\x": invalid syntax'],
  ['{.items[1:0]}', 'starting index 1 is greater than ending index 0'],
  ['{.items[0:5]}', 'array index out of bounds: index 4, length 2'],
  ['{.items[0][0]}', 'map[string]interface {} is not array or slice'],
  ['{.items[*].metadata[*]}', 'map[string]interface {} is not array or slice'],
  ['{.items[0].spec.url[0]}', 'string is not array or slice'],
  ['{.kind[?(@.x)]}', 'string is not array or slice and cannot be filtered'],
])('%s is refused, as kubectl refuses it', (template, message) => {
  expect(() => new JsonPath(template, '-o jsonpath').print(list)).toThrow(message);
});

test('what kubectl takes in brackets and literals: unions of keys and slices, Go escapes, single quotes', () => {
  expect(new JsonPath("{.items[0]['metadata.name','spec']}").print(list)).toBe('b {"n":2,"url":"/b"}');
  expect(new JsonPath('{.items[0, 1].metadata.name} {.items[2:2]} {.items[:-1].metadata.name}').print(list)).toBe('b a  b');
  expect(new JsonPath('{"\\u00e9\\x41\\101\\t"}{\'a"b\'}').print(list)).toBe('éAA\ta"b');
});

test('numbers and values as Go prints them', () => {
  expect([0.00015, 1.5e-5, 1e21, 12, -3.25, 1e20].map(goNumber)).toEqual(['0.00015', '1.5e-05', '1e+21', '12', '-3.25', '100000000000000000000']);
  expect(goSprint({ b: [1, 'x'], a: null })).toBe('map[a:<nil> b:[1 x]]');
  expect(new JsonPath('{.a}').print({ a: { z: '<&>', b: 1 } })).toBe('{"b":1,"z":"\\u003c\\u0026\\u003e"}');
});

test('relaxed paths for custom-columns and --sort-by', () => {
  expect(['.metadata.name', 'metadata.name', '{.metadata.name}', '{metadata.name}'].map((p) => relaxedJsonPath(p, 'x'))).toEqual(Array(4).fill('{.metadata.name}'));
  expect(() => relaxedJsonPath('{.a}{.b}', '--sort-by')).toThrow('--sort-by "{.a}{.b}": expected a path such as .metadata.name or {.metadata.name}');
  // An empty or blank path (`-o custom-columns=NAME:` or `NAME: `) is refused, not a column of the whole object.
  for (const blank of ['', ' ', '{ }']) expect(() => relaxedJsonPath(blank, '-o custom-columns NAME:')).toThrow(`-o custom-columns NAME: ${JSON.stringify(blank)}: expected a path`);
  expect(() => parseOutput('custom-columns=NAME: ,KIND:.kind')).toThrow('-o custom-columns NAME: " ": expected a path such as .metadata.name or {.metadata.name}');
});

test('custom-columns: headers as given, values joined by commas, <none> when missing', () => {
  const output = parseOutput('custom-columns=NAME:.metadata.name,Labels:{.metadata.labels},N:spec.n,X:.nope');
  const table = customColumnsTable(output.columns!, list.items);
  expect(table.columnDefinitions.map((c) => c.name)).toEqual(['NAME', 'Labels', 'N', 'X']);
  expect(table.rows.map((r) => r.cells)).toEqual([
    ['b', 'map[tier:x]', '2', '<none>'],
    ['a', '<none>', '10', '<none>'],
  ]);
  expect(() => parseOutput('custom-columns=NAME')).toThrow('-o custom-columns: "NAME": expected HEADER:PATH, e.g. NAME:.metadata.name');
  expect(() => parseOutput('custom-columns=')).toThrow('-o custom-columns: no columns given');
  expect(() => parseOutput('jsonpath=')).toThrow('-o jsonpath: no template given');
});

test('--sort-by: numbers as numbers, strings by code unit (as kubectl), objects without the field first', () => {
  const items = [{ n: 10, s: 'helmet-9' }, { n: 9, s: 'helmet-10' }, { s: 'a' }];
  expect(sortBy(items, '.n', (o) => o)).toEqual([{ s: 'a' }, { n: 9, s: 'helmet-10' }, { n: 10, s: 'helmet-9' }]);
  expect(sortBy(items, '{.s}', (o) => o).map((o) => o.s)).toEqual(['a', 'helmet-10', 'helmet-9']);
  expect(() => sortBy(items, '.nope', (o) => o)).toThrow('--sort-by ".nope": none of the 3 objects has that field');
});
