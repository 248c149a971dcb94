import { ApiServerError } from './errors.js';

/** One requirement of a label selector. */
export type LabelRequirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!exists' }
  | { key: string; op: 'gt' | 'lt'; value: number };

/** A parsed label selector: every requirement must hold (an empty selector matches everything). */
export type LabelSelector = LabelRequirement[];

const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function bad(selector: string, why: string): ApiServerError {
  return new ApiServerError('BadRequest', `unable to parse requirement: labelSelector ${JSON.stringify(selector)}: ${why}`);
}

/** Whether `key` is a valid label key (optional DNS prefix, name of at most 63 characters). */
export function isLabelKey(key: string): boolean {
  const slash = key.indexOf('/');
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefix = slash >= 0 ? key.slice(0, slash) : '';
  return QUALIFIED_NAME.test(key) && name.length <= 63 && prefix.length <= 253;
}

/** Whether `value` is a valid label value (at most 63 characters, alphanumeric at both ends). */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

type Token = { kind: 'word'; text: string } | { kind: 'op'; text: string };

function tokenize(selector: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < selector.length) {
    const c = selector[i] as string;
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === ',' || c === '(' || c === ')') {
      tokens.push({ kind: 'op', text: c });
      i++;
    } else if (c === '!' || c === '=' || c === '>' || c === '<') {
      const two = selector.slice(i, i + 2);
      if (two === '!=' || two === '==') {
        tokens.push({ kind: 'op', text: two });
        i += 2;
      } else {
        tokens.push({ kind: 'op', text: c });
        i++;
      }
    } else {
      let j = i;
      while (j < selector.length && !' \t,()!=<>'.includes(selector[j] as string)) j++;
      tokens.push({ kind: 'word', text: selector.slice(i, j) });
      i = j;
    }
  }
  return tokens;
}

/**
 * Parses a label selector as Kubernetes does: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`,
 * `a`, `!a`, `a>1`, `a<2`, joined by commas.
 *
 * @throws ApiServerError `BadRequest` naming the selector and what is wrong with it.
 */
export function parseLabelSelector(selector: string | undefined): LabelSelector {
  if (!selector || !selector.trim()) return [];
  const tokens = tokenize(selector);
  const out: LabelSelector = [];
  let i = 0;
  const next = (): Token | undefined => tokens[i++];
  const peek = (): Token | undefined => tokens[i];
  const key = (t: Token | undefined): string => {
    if (!t || t.kind !== 'word') throw bad(selector, `expected a key at position ${i}`);
    if (!isLabelKey(t.text)) throw bad(selector, `invalid label key ${JSON.stringify(t.text)}`);
    return t.text;
  };
  const value = (t: Token | undefined): string => {
    if (t && t.kind === 'word') {
      if (!isLabelValue(t.text)) throw bad(selector, `invalid label value ${JSON.stringify(t.text)}`);
      return t.text;
    }
    // An empty value is allowed (`a=`); the token after it is a comma or the end.
    if (t) i--;
    return '';
  };
  for (;;) {
    const first = next();
    if (first?.kind === 'op' && first.text === '!') {
      out.push({ key: key(next()), op: '!exists' });
    } else {
      const k = key(first);
      const op = peek();
      if (!op || (op.kind === 'op' && op.text === ',')) {
        out.push({ key: k, op: 'exists' });
      } else if (op.kind === 'op' && (op.text === '=' || op.text === '==')) {
        i++;
        out.push({ key: k, op: 'in', values: [value(next())] });
      } else if (op.kind === 'op' && op.text === '!=') {
        i++;
        out.push({ key: k, op: 'notin', values: [value(next())] });
      } else if (op.kind === 'op' && (op.text === '>' || op.text === '<')) {
        i++;
        const t = next();
        const n = t?.kind === 'word' && /^-?\d+$/.test(t.text) ? Number(t.text) : NaN;
        if (Number.isNaN(n)) throw bad(selector, `${op.text} needs an integer value`);
        out.push({ key: k, op: op.text === '>' ? 'gt' : 'lt', value: n });
      } else if (op.kind === 'word' && (op.text === 'in' || op.text === 'notin')) {
        i++;
        const open = next();
        if (open?.kind !== 'op' || open.text !== '(') throw bad(selector, `expected '(' after ${op.text}`);
        const values: string[] = [];
        for (;;) {
          const t = next();
          if (t?.kind === 'op' && t.text === ')') break;
          if (t?.kind === 'op' && t.text === ',') continue;
          if (t?.kind !== 'word') throw bad(selector, `unterminated value list after ${op.text}`);
          values.push(value(t));
        }
        if (values.length === 0) throw bad(selector, `${op.text} needs at least one value`);
        out.push({ key: k, op: op.text, values });
      } else {
        throw bad(selector, `unexpected ${JSON.stringify(op.text)} after key ${JSON.stringify(k)}`);
      }
    }
    const sep = next();
    if (!sep) break;
    if (sep.kind !== 'op' || sep.text !== ',') throw bad(selector, `expected ',' but found ${JSON.stringify(sep.text)}`);
  }
  return out;
}

/** Whether `labels` satisfy every requirement of `selector`. */
export function matchLabels(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  for (const r of selector) {
    const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = has ? (labels as Record<string, string>)[r.key] : undefined;
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case '!exists':
        if (has) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(v as string)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v as string)) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(v as string)) return false;
        const n = Number(v);
        if (r.op === 'gt' ? !(n > r.value) : !(n < r.value)) return false;
        break;
      }
    }
  }
  return true;
}

/** One requirement of a field selector. */
export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Splits on an unescaped separator; a backslash escapes the next character. */
function splitEscaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      cur += c + (text[i + 1] as string);
      i++;
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

/**
 * Parses a field selector (`a=b`, `a==b`, `a!=b`, joined by commas; `\\` escapes `,`, `=`, `!` and `\\`).
 *
 * @throws ApiServerError `BadRequest` for a term without an operator.
 */
export function parseFieldSelector(selector: string | undefined): FieldRequirement[] {
  if (!selector || !selector.trim()) return [];
  return splitEscaped(selector, ',').map((term) => {
    for (let i = 0; i < term.length; i++) {
      const c = term[i] as string;
      if (c === '\\') {
        i++;
        continue;
      }
      if (c === '=' || (c === '!' && term[i + 1] === '=')) {
        const width = c === '!' || term[i + 1] === '=' ? 2 : 1;
        return {
          field: unescape(term.slice(0, i)).trim(),
          op: c === '!' ? '!=' : '=',
          value: unescape(term.slice(i + width)).trim(),
        } satisfies FieldRequirement;
      }
    }
    throw new ApiServerError('BadRequest', `invalid selector: fieldSelector ${JSON.stringify(selector)}: ${JSON.stringify(term)} has no operator`);
  });
}

/**
 * Whether an object satisfies a field selector, reading each field with `read` (which returns
 * `undefined` for a field it does not support, answered as 400 by the caller before matching).
 */
export function matchFields(selector: readonly FieldRequirement[], read: (field: string) => string | undefined): boolean {
  for (const r of selector) {
    const v = read(r.field) ?? '';
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}
