import { ApiServerError } from './errors.js';

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'filter'; path: Step[]; op: '==' | '!=' | 'exists'; value: unknown };

/** A compiled JSONPath of the subset printer columns and selectable fields use. */
export interface JsonPath {
  /** The path as written. */
  readonly source: string;
  /** Every value the path selects in `root` (an empty array when it selects nothing). */
  evaluate(root: unknown): unknown[];
}

function parseSteps(source: string, text: string, inFilter: boolean): { steps: Step[]; rest: string } {
  const steps: Step[] = [];
  let s = text;
  const fail = (why: string): never => {
    throw new ApiServerError('Invalid', `JSONPath ${JSON.stringify(source)}: ${why}`);
  };
  while (s.length > 0) {
    if (inFilter && /^\s*(==|!=|\))/.test(s)) break;
    if (s.startsWith('..')) fail('recursive descent (..) is not supported');
    if (s.startsWith('.*')) {
      steps.push({ kind: 'all' });
      s = s.slice(2);
    } else if (s.startsWith('.')) {
      const m = /^\.([A-Za-z0-9_$@-][A-Za-z0-9_$@/-]*)/.exec(s);
      if (!m) fail(`expected a field name at ${JSON.stringify(s)}`);
      steps.push({ kind: 'field', name: (m as RegExpExecArray)[1] as string });
      s = s.slice((m as RegExpExecArray)[0].length);
    } else if (s.startsWith('[')) {
      const quoted = /^\[\s*(['"])(.*?)\1\s*\]/.exec(s);
      const index = /^\[\s*(-?\d+)\s*\]/.exec(s);
      if (quoted) {
        steps.push({ kind: 'field', name: quoted[2] as string });
        s = s.slice(quoted[0].length);
      } else if (index) {
        steps.push({ kind: 'index', index: Number(index[1]) });
        s = s.slice(index[0].length);
      } else if (/^\[\s*\*\s*\]/.test(s)) {
        steps.push({ kind: 'all' });
        s = s.slice(s.indexOf(']') + 1);
      } else if (s.startsWith('[?(@')) {
        const inner = parseSteps(source, s.slice(4), true);
        let r = inner.rest.trimStart();
        let op: '==' | '!=' | 'exists' = 'exists';
        let value: unknown;
        const cmp = /^(==|!=)\s*/.exec(r);
        if (cmp) {
          op = cmp[1] as '==' | '!=';
          r = r.slice(cmp[0].length);
          const lit = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(-?\d+(?:\.\d+)?)|(true|false))/.exec(r);
          if (!lit) fail(`expected a literal in filter at ${JSON.stringify(r)}`);
          const l = lit as RegExpExecArray;
          value = l[1] ?? l[2] ?? (l[3] !== undefined ? Number(l[3]) : l[4] === 'true');
          r = r.slice(l[0].length);
        }
        const close = /^\s*\)\s*\]/.exec(r);
        if (!close) fail(`unterminated filter at ${JSON.stringify(r)}`);
        steps.push({ kind: 'filter', path: inner.steps, op, value });
        s = r.slice((close as RegExpExecArray)[0].length);
      } else {
        fail(`unsupported subscript at ${JSON.stringify(s)}`);
      }
    } else {
      fail(`unexpected ${JSON.stringify(s)}`);
    }
  }
  return { steps, rest: s };
}

function walk(steps: readonly Step[], values: unknown[]): unknown[] {
  let cur = values;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (v === null || typeof v !== 'object') continue;
      switch (step.kind) {
        case 'field':
          if (!Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, step.name)) next.push((v as Record<string, unknown>)[step.name]);
          break;
        case 'index':
          if (Array.isArray(v)) {
            const i = step.index < 0 ? v.length + step.index : step.index;
            if (i >= 0 && i < v.length) next.push(v[i]);
          }
          break;
        case 'all':
          next.push(...(Array.isArray(v) ? v : Object.values(v)));
          break;
        case 'filter':
          for (const item of Array.isArray(v) ? v : Object.values(v)) {
            const found = walk(step.path, [item]);
            const keep =
              step.op === 'exists'
                ? found.length > 0 && found[0] !== undefined
                : step.op === '=='
                  ? found.some((x) => x === step.value)
                  : found.length > 0 && found.every((x) => x !== step.value);
            if (keep) next.push(item);
          }
          break;
      }
    }
    cur = next;
  }
  return cur;
}

/**
 * Compiles the JSONPath subset of CRD printer columns: `.a.b`, `['a.b']`, `[0]`, `[-1]`, `[*]`,
 * `.*` and filters such as `[?(@.type=="Ready")]`, optionally wrapped in `{}`.
 *
 * @throws ApiServerError `Invalid` naming the path and what is unsupported.
 * @example
 * ```ts
 * compileJsonPath('.status.conditions[-1].type').evaluate(obj); // ['Running']
 * ```
 */
export function compileJsonPath(source: string): JsonPath {
  let text = source.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1).trim();
  if (text.startsWith('$')) text = text.slice(1);
  if (text !== '' && !text.startsWith('.') && !text.startsWith('[')) text = `.${text}`;
  const { steps } = parseSteps(source, text, false);
  return { source, evaluate: (root) => walk(steps, [root]).filter((v) => v !== undefined) };
}
