import { expect, test } from '@jest/globals';
import { redactTokens, redactValue } from './redact.js';

const worker = 'sw1.eyJucyI6ImRlZmF1bHQifQ.Abc_def-123';
const hex = 'a3'.repeat(32);

test('a worker token is redacted wherever it starts: after a space, a letter, an underscore, a quote', () => {
  for (const before of [' ', 'x_', 'abc', '"', '=', '']) expect(redactTokens(`token${before}${worker} end`)).toBe(`token${before}sw1.<redacted> end`);
});

test('64 hex digits (node tokens, old worker tokens, the GM secret) are redacted, glued to anything', () => {
  expect(redactTokens(`SEDNA_NODE_TOKEN=${hex}`)).toBe('SEDNA_NODE_TOKEN=<redacted>');
  expect(redactTokens(`x_${hex}_y`)).toBe('x_<redacted>_y');
  expect(redactTokens(`beef${hex}`)).toBe('<redacted>');
  expect(redactTokens(`${hex.toUpperCase()}.`)).toBe('<redacted>.');
  // Shorter hex (a uid, a commit) stays.
  expect(redactTokens(`commit ${'a'.repeat(40)}`)).toBe(`commit ${'a'.repeat(40)}`);
});

test('a sha256 digest labelled as one stays; the same digits unlabelled do not', () => {
  for (const labelled of [`sha256 ${hex}`, `sha256:${hex}`, `sha256=${hex}`, `"sha256":"${hex}"`, `"sha256": "${hex}"`]) expect(redactTokens(labelled)).toBe(labelled);
  expect(redactTokens(`digest ${hex}`)).toBe('digest <redacted>');
});

test('a bearer credential is redacted', () => {
  expect(redactTokens('Authorization: Bearer abc.DEF-ghi_jkl')).toBe('Authorization: Bearer <redacted>');
});

test('redactValue redacts the strings of a record, keeps what holds none as it was', () => {
  const clean = { job: 'default/helmet', round: 3, nested: { list: ['a', 1] } };
  expect(redactValue(clean)).toBe(clean);
  const record = { job: 'default/helmet', failure: { message: `exited: token ${worker}` }, args: [`--token=${hex}`], at: new Date(0) };
  expect(redactValue(record)).toEqual({ job: 'default/helmet', failure: { message: 'exited: token sw1.<redacted>' }, args: ['--token=<redacted>'], at: new Date(0) });
  const error = redactValue(new Error(`refused ${worker}`));
  expect(error.message).toBe('refused sw1.<redacted>');
  expect(error.stack).not.toContain(worker);
});
