import type { CliIo } from './io.js';
import { age, formatColumns, formatObjects, parseOutput, quantityValue, sortBy, TablePrinter, toYaml, type KubeTable } from './printers.js';
import type { ApiResource } from './discovery.js';

function capture(): { io: CliIo; out: () => string } {
  let out = '';
  const io: CliIo = { stdout: { write: (s) => (out += String(s)) }, stderr: { write: () => undefined }, readStdin: async () => '', cwd: '/', env: {} };
  return { io, out: () => out };
}

const table = (rows: unknown[][]): KubeTable => ({
  kind: 'Table',
  columnDefinitions: [{ name: 'Name' }, { name: 'Stage' }, { name: 'URL', priority: 1 }, { name: 'Age' }],
  rows: rows.map((cells) => ({ cells, object: { metadata: { namespace: 'ns' } } })),
});

test('a table is printed as kubectl prints it: upper-case header, 3 spaces, columns at least 6 wide, null cells empty', () => {
  const { io, out } = capture();
  new TablePrinter(io).print(table([['helmet', 'Train', '/x', '5s'], ['a', null, '/y', '10m']]));
  expect(out()).toBe('NAME     STAGE   AGE\nhelmet   Train   5s\na                10m\n');
});

test('-o wide adds the priority columns; -A the namespace; later rows keep the widths of the header', () => {
  const { io, out } = capture();
  const printer = new TablePrinter(io, { wide: true, withNamespace: true });
  printer.print(table([['helmet', 'Train', '/x', '5s']]));
  printer.print(table([['a-much-longer-name', 'Eval', '/y', '1s']]));
  expect(out().split('\n')).toEqual(['NAMESPACE   NAME     STAGE   URL   AGE', 'ns          helmet   Train   /x    5s', 'ns          a-much-longer-name   Eval    /y    1s', '']);
});

test('an empty table prints nothing', () => {
  const { io, out } = capture();
  expect(new TablePrinter(io).print(table([]))).toBe(0);
  expect(out()).toBe('');
});

test('formatColumns aligns rows with an indent', () => {
  expect(formatColumns([['A', 'B'], ['long-value', 'x']], '  ')).toBe('  A            B\n  long-value   x\n');
});

test('ages read as kubectl prints them', () => {
  const now = Date.parse('2025-01-10T00:00:00Z');
  const ago = (s: number) => age(new Date(now - s * 1000).toISOString(), now);
  expect([ago(5), ago(119), ago(150), ago(600), ago(3 * 3600 + 120), ago(30 * 3600), ago(3 * 86400 + 3600), ago(9 * 86400)]).toEqual([
    '5s',
    '119s',
    '2m30s',
    '10m',
    '3h2m',
    '30h',
    '3d1h',
    '9d',
  ]);
  expect(age(undefined)).toBe('<unknown>');
});

test('YAML output quotes what YAML 1.1 readers (kubectl) would take for something else', () => {
  expect(toYaml({ a: 'yes', b: 'on', t: '2025-01-01T00:00:00Z', num: '12', s: 'plain' })).toBe('a: "yes"\nb: "on"\nt: "2025-01-01T00:00:00Z"\nnum: "12"\ns: plain\n');
  // Tabs and control characters only double-quoted, escaped (as go-yaml); a plain multi-line text stays a block.
  expect(toYaml({ 'k\tey': 'a\tb', esc: '\x1b[31mred\x07', both: 'x\ty\nz', lines: 'one\ntwo' })).toBe('"k\\tey": "a\\tb"\nesc: "\\e[31mred\\a"\nboth: "x\\ty\\nz"\nlines: |-\n  one\n  two\n');
});

test('several objects print as a v1 List with their kind; names as kind/name', () => {
  const r = { group: 'sedna.io', version: 'v1alpha1', kind: 'Model', singular: 'model' } as ApiResource;
  const objects = [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }];
  expect(JSON.parse(formatObjects(objects, { format: 'json' }, r, true))).toEqual({
    apiVersion: 'v1',
    kind: 'List',
    metadata: { resourceVersion: '' },
    items: [
      { apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name: 'a' } },
      { apiVersion: 'sedna.io/v1alpha1', kind: 'Model', metadata: { name: 'b' } },
    ],
  });
  expect(formatObjects(objects, { format: 'name' }, r, true)).toBe('model.sedna.io/a\nmodel.sedna.io/b\n');
  expect(() => parseOutput('xml')).toThrow('--output "xml": expected table, wide, json, yaml, name, jsonpath=TEMPLATE, custom-columns=HEADER:PATH,...');
});

test('a column name that is no string (a CRD\'s `name: On`, YAML 1.1 for true) is printed as text, not a crash', () => {
  const { io, out } = capture();
  new TablePrinter(io).print({ kind: 'Table', columnDefinitions: [{ name: 'Name' }, { name: true }, { name: 7 }, { name: null }], rows: [{ cells: ['a', 'b', 'c', 'd'] }] });
  expect(out()).toBe('NAME   TRUE   7\na      b      c     d\n');
});

test('--sort-by orders strings that are Kubernetes quantities by value, as kubectl; other strings by code unit', () => {
  const order = (values: string[]) => sortBy(values.map((v) => ({ v })), '.v', (o) => o).map((o) => o.v);
  expect(order(['10', '1e3', '9', '-3', '1.5'])).toEqual(['-3', '1.5', '9', '10', '1e3']);
  expect(order(['1Gi', '1k', '2', '100Mi', '500m'])).toEqual(['500m', '2', '1k', '100Mi', '1Gi']);
  expect(order(['helmet-9', 'helmet-10'])).toEqual(['helmet-10', 'helmet-9']);
  expect([quantityValue('1E'), quantityValue('1e'), quantityValue('.5'), quantityValue('1Kb'), quantityValue('')]).toEqual([1e18, undefined, 0.5, undefined, undefined]);
});
