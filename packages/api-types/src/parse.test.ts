import { parseDocuments } from './parse.js';

test('several documents come back in order with where each starts', () => {
  const text = 'a: 1\n---\nb: 2\n---\n# only a comment\n---\nc:\n  d: [1, 2]\n';
  const { documents, issues } = parseDocuments(text);
  expect(issues).toEqual([]);
  expect(documents.map((d) => d.value)).toEqual([{ a: 1 }, { b: 2 }, { c: { d: [1, 2] } }]);
  expect(documents.map((d) => d.index)).toEqual([0, 1, 2]);
  expect(documents.map((d) => d.start.line)).toEqual([1, 2, 6]); // a document starts at its --- marker
});

test('locate finds a field by its path, lines and columns counted from 1 across documents', () => {
  const text = 'x: 1\n---\nspec:\n  dataset:\n    trainProb: 0.8\n  list:\n    - name: a\n    - name: b\n';
  const doc = parseDocuments(text).documents[1]!;
  expect(doc.locate(['spec', 'dataset', 'trainProb'])).toEqual({ line: 5, col: 16, offset: text.indexOf('0.8') });
  expect(doc.locate(['spec', 'list', 1, 'name'])?.line).toBe(8);
  expect(doc.locate(['spec', 'missing'])).toBeUndefined();
});

test('YAML 1.2: 02:00 stays a string, as the seeds need', () => {
  expect(parseDocuments('start: 02:00\nend: 24:00\n').documents[0]!.value).toEqual({ start: '02:00', end: '24:00' });
});

test('JSON is accepted as it is', () => {
  const { documents } = parseDocuments('{"apiVersion": "sedna.io/v1alpha1", "kind": "Model", "spec": {"url": "/m", "format": "pb"}}');
  expect(documents[0]!.value).toMatchObject({ kind: 'Model', spec: { url: '/m' } });
});

test('a duplicate key is an error at the key, and the document is not returned', () => {
  const { documents, issues } = parseDocuments('a: 1\nb: 2\na: 3\n');
  expect(documents).toEqual([]);
  expect(issues).toEqual([expect.objectContaining({ code: 'syntax', position: { line: 3, col: 1, offset: 10 }, documentIndex: 0 })]);
  expect(issues[0]!.message).toMatch(/^YAML: duplicate key/);
});

test('a syntax error is reported with its line in the whole text', () => {
  const { issues } = parseDocuments('ok: 1\n---\nfine: 2\nbad: "unterminated\n');
  expect(issues).toHaveLength(1);
  expect(issues[0]).toMatchObject({ code: 'syntax', documentIndex: 1 });
  expect(issues[0]!.position!.line).toBeGreaterThanOrEqual(4);
});

test('a document over the limit is refused before it is parsed, naming the limit; the others still parse', () => {
  const big = `big: "${'x'.repeat(2000)}"\n`;
  const { documents, issues } = parseDocuments(`a: 1\n---\n${big}---\nc: 3\n`, { maxDocumentBytes: 1024 });
  expect(documents.map((d) => d.value)).toEqual([{ a: 1 }, { c: 3 }]);
  expect(documents.map((d) => d.index)).toEqual([0, 2]);
  expect(issues).toEqual([expect.objectContaining({ code: 'too-large', documentIndex: 1, position: { line: 2, col: 1, offset: 5 } })]);
  expect(issues[0]!.message).toBe('document 2 is 2 KiB, larger than the 1 KiB limit of a Kubernetes object');
});

test('the default limit is 3 MiB: a document just under it parses', () => {
  const text = `a: "${'x'.repeat(3 * 1024 * 1024 - 100)}"\n`;
  expect(parseDocuments(text).issues).toEqual([]);
});

test('an alias bomb is reported, not expanded', () => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  const { documents, issues } = parseDocuments(lines.join('\n'));
  expect(documents).toEqual([]);
  expect(issues[0]).toMatchObject({ code: 'syntax' });
});

test('an empty text has no documents and no issues', () => {
  expect(parseDocuments('')).toEqual({ documents: [], issues: [] });
  expect(parseDocuments('---\n# nothing\n---\n')).toEqual({ documents: [], issues: [] });
});

test('a document nesting collections past 500 levels is refused where it gets too deep, without parsing it', () => {
  // Found by the fault suite's mutated documents: the YAML parser overflowed the stack on such a
  // document, and at times V8 aborted the process ("RegExpCompiler Allocation failed") instead.
  const deep = (depth: number) => `${'{"a": ['.repeat(depth / 2)}1${']}'.repeat(depth / 2)}`;
  const text = `apiVersion: sedna.io/v1alpha1\nkind: Dataset\nmetadata: {name: d}\nspec: ${deep(20_000)}\n`;
  const { documents, issues } = parseDocuments(text);
  expect(documents).toEqual([]);
  expect(issues).toEqual([expect.objectContaining({ code: 'too-large', message: 'document 1 nests collections deeper than 500 levels', position: expect.objectContaining({ line: 4 }) })]);
  // The position is the 501st open bracket.
  const at = issues[0]?.position?.offset as number;
  expect(text.slice(text.indexOf('spec: '), at).match(/[[{]/g)).toHaveLength(500);
  expect(issues[0]?.position?.col).toBe(at - text.lastIndexOf('\n', at));
  // Brackets inside quoted scalars and comments are not nesting.
  expect(parseDocuments(`a: "${'['.repeat(600)}"\nb: '${'{'.repeat(600)}'\n# ${'['.repeat(600)}\n`).issues).toEqual([]);
  expect(parseDocuments(`spec: ${deep(400)}\n`).issues).toEqual([]);
});
