import fc from 'fast-check';
import { expect, test } from '@jest/globals';
import { matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';

test('label selectors parse into requirements as Kubernetes reads them', () => {
  expect(parseLabelSelector('a=b, c!=d,e in (x, y),f notin (z),g,!h')).toEqual([
    { key: 'a', op: 'in', values: ['b'] },
    { key: 'c', op: 'notin', values: ['d'] },
    { key: 'e', op: 'in', values: ['x', 'y'] },
    { key: 'f', op: 'notin', values: ['z'] },
    { key: 'g', op: 'exists' },
    { key: 'h', op: '!exists' },
  ]);
  expect(parseLabelSelector('sedna.io/job==x,app.kubernetes.io/name=')).toEqual([
    { key: 'sedna.io/job', op: 'in', values: ['x'] },
    { key: 'app.kubernetes.io/name', op: 'in', values: [''] },
  ]);
  for (const bad of ['a in b', 'a=b c', '=b', 'a in ()', 'a>x', 'Bad Key=1']) expect(() => parseLabelSelector(bad)).toThrow(/unable to parse/);
});

test('a != requirement matches objects without the label, = does not', () => {
  expect(matchLabels(parseLabelSelector('a!=1'), {})).toBe(true);
  expect(matchLabels(parseLabelSelector('a=1'), {})).toBe(false);
  expect(matchLabels(parseLabelSelector('a notin (1)'), undefined)).toBe(true);
});

test('an equality selector built from any labels matches exactly the objects that carry them', () => {
  const key = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
  const value = fc.stringMatching(/^[a-z0-9]{0,6}$/);
  fc.assert(
    fc.property(fc.dictionary(key, value), fc.dictionary(key, value), (wanted, labels) => {
      const selector = parseLabelSelector(Object.entries(wanted).map(([k, v]) => `${k}=${v}`).join(','));
      const expected = Object.entries(wanted).every(([k, v]) => labels[k] === v);
      expect(matchLabels(selector, labels)).toBe(expected);
    }),
  );
});

test('field selectors split on unescaped commas and compare with = and !=', () => {
  const sel = parseFieldSelector('spec.nodeName=edge-1,status.phase!=Failed,metadata.name==a\\,b');
  expect(sel).toEqual([
    { field: 'spec.nodeName', op: '=', value: 'edge-1' },
    { field: 'status.phase', op: '!=', value: 'Failed' },
    { field: 'metadata.name', op: '=', value: 'a,b' },
  ]);
  const read = (f: string) => ({ 'spec.nodeName': 'edge-1', 'status.phase': 'Running', 'metadata.name': 'a,b' })[f];
  expect(matchFields(sel, read)).toBe(true);
  expect(() => parseFieldSelector('nooperator')).toThrow(/no operator/);
});
